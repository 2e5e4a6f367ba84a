-- Setlist engine schema. Times are epoch milliseconds (BIGINT); JSON documents are text.

CREATE SEQUENCE sl_ids START WITH 1 INCREMENT BY 1000;

CREATE TABLE sl_definition (
    id   VARCHAR(64) PRIMARY KEY,
    body VARCHAR     NOT NULL
);

CREATE TABLE sl_state_machine (
    arn           VARCHAR(256) PRIMARY KEY,
    name          VARCHAR(80)  NOT NULL,
    type          VARCHAR(16)  NOT NULL,
    definition_id VARCHAR(64)  NOT NULL,
    role_arn      VARCHAR(256),
    description   VARCHAR(256),
    created       BIGINT       NOT NULL,
    updated       BIGINT       NOT NULL,
    revision      VARCHAR(64)  NOT NULL
);

CREATE TABLE sl_execution (
    id                BIGINT       PRIMARY KEY,
    arn               VARCHAR(512) NOT NULL,
    state_machine_arn VARCHAR(256) NOT NULL,
    name              VARCHAR(80)  NOT NULL,
    type              VARCHAR(16)  NOT NULL,
    definition_id     VARCHAR(64)  NOT NULL,
    status            VARCHAR(16)  NOT NULL,
    input             VARCHAR      NOT NULL,
    input_hash        VARCHAR(64)  NOT NULL,
    output            VARCHAR,
    error             VARCHAR(256),
    cause             VARCHAR,
    started           BIGINT       NOT NULL,
    stopped           BIGINT,
    version           BIGINT       NOT NULL,
    owner             VARCHAR(64),
    lease_until       BIGINT,
    wake_at           BIGINT,
    deadline          BIGINT,
    events            BIGINT       NOT NULL,
    redrive_count     INT          NOT NULL,
    redriven          BIGINT,
    parent_token      VARCHAR(512),
    map_run_arn       VARCHAR(512),
    trace_header      VARCHAR(256),
    CONSTRAINT sl_execution_arn UNIQUE (arn)
);
CREATE INDEX sl_execution_list ON sl_execution (state_machine_arn, started);
CREATE INDEX sl_execution_due ON sl_execution (status, wake_at);
CREATE INDEX sl_execution_owner ON sl_execution (owner);
CREATE INDEX sl_execution_map_run ON sl_execution (map_run_arn);

-- One row per frame: the execution itself (frame 0), a Parallel branch or a Map iteration.
CREATE TABLE sl_frame (
    execution_id BIGINT      NOT NULL,
    frame_id     INT         NOT NULL,
    parent_id    INT,
    child_index  INT,
    status       VARCHAR(16) NOT NULL,
    body         VARCHAR     NOT NULL,
    wake_at      BIGINT,
    token        VARCHAR(512),
    outcome      VARCHAR,
    PRIMARY KEY (execution_id, frame_id)
);

CREATE TABLE sl_event (
    execution_id BIGINT      NOT NULL,
    id           BIGINT      NOT NULL,
    previous_id  BIGINT      NOT NULL,
    ts           BIGINT      NOT NULL,
    type         VARCHAR(64) NOT NULL,
    details      VARCHAR,
    PRIMARY KEY (execution_id, id)
);

-- Answers that arrived for a frame waiting on a callback (task tokens, activities, child executions).
CREATE TABLE sl_callback (
    id           BIGINT       PRIMARY KEY,
    execution_id BIGINT       NOT NULL,
    frame_id     INT          NOT NULL,
    token        VARCHAR(512) NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    payload      VARCHAR,
    created      BIGINT       NOT NULL
);
CREATE INDEX sl_callback_execution ON sl_callback (execution_id);

CREATE TABLE sl_activity (
    arn     VARCHAR(256) PRIMARY KEY,
    name    VARCHAR(80)  NOT NULL,
    created BIGINT       NOT NULL
);

CREATE TABLE sl_activity_task (
    token        VARCHAR(512) PRIMARY KEY,
    activity_arn VARCHAR(256) NOT NULL,
    execution_id BIGINT       NOT NULL,
    input        VARCHAR      NOT NULL,
    created      BIGINT       NOT NULL,
    claimed      BIGINT,
    worker       VARCHAR(80)
);
CREATE INDEX sl_activity_task_queue ON sl_activity_task (activity_arn, claimed, created);

CREATE TABLE sl_map_run (
    arn           VARCHAR(600) PRIMARY KEY,
    execution_id  BIGINT       NOT NULL,
    frame_id      INT          NOT NULL,
    status        VARCHAR(16)  NOT NULL,
    started       BIGINT       NOT NULL,
    stopped       BIGINT,
    max_concurrency INT        NOT NULL,
    tolerated_percentage DOUBLE PRECISION NOT NULL,
    tolerated_count BIGINT     NOT NULL,
    total         BIGINT       NOT NULL,
    execution_type VARCHAR(16) NOT NULL
);
CREATE INDEX sl_map_run_execution ON sl_map_run (execution_id);
