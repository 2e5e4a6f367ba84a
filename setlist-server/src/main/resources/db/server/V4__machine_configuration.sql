-- What CreateStateMachine and UpdateStateMachine were given as loggingConfiguration,
-- tracingConfiguration and encryptionConfiguration (JSON, as AWS echoes them), per state machine;
-- encryption is null when none was given (AWS's own key).

CREATE TABLE sl_machine_configuration (
    state_machine_arn VARCHAR(256) PRIMARY KEY,
    logging           VARCHAR(4000) NOT NULL,
    tracing           VARCHAR(1000) NOT NULL,
    encryption        VARCHAR(2000)
);
