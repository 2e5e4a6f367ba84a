-- Tags of buses and rules, a target's role and dead-letter queue, bus descriptions, and the
-- dead-letter queues that given-up deliveries are moved to. Runs on H2 and PostgreSQL.

ALTER TABLE ev_bus ADD COLUMN description VARCHAR(512);
ALTER TABLE ev_bus ADD COLUMN dead_letter_arn VARCHAR(1600);
ALTER TABLE ev_bus ADD COLUMN updated BIGINT;

ALTER TABLE ev_target ADD COLUMN role_arn VARCHAR(1600);
ALTER TABLE ev_target ADD COLUMN dead_letter_arn VARCHAR(1600);

-- Copied from the target when the delivery is routed: where it goes if it gives up.
ALTER TABLE ev_delivery ADD COLUMN dead_letter_arn VARCHAR(1600);

CREATE TABLE ev_tag (
    arn       VARCHAR(1600) NOT NULL,
    tag_key   VARCHAR(128)  NOT NULL,
    tag_value VARCHAR(256)  NOT NULL,
    PRIMARY KEY (arn, tag_key)
);

-- A dead-letter queue's messages (arn:aws:sqs:REGION:ACCOUNT:QUEUE): the payload the target would
-- have received, with the attributes EventBridge gives dead letters.
CREATE TABLE ev_dead_letter (
    id            VARCHAR(64)   PRIMARY KEY,
    queue         VARCHAR(1600) NOT NULL,
    event_id      VARCHAR(64)   NOT NULL,
    bus           VARCHAR(256)  NOT NULL,
    rule          VARCHAR(64)   NOT NULL,
    target_id     VARCHAR(64)   NOT NULL,
    target_arn    VARCHAR(1600) NOT NULL,
    body          VARCHAR       NOT NULL,
    error_code    VARCHAR(64)   NOT NULL,
    error_message VARCHAR(1024),
    exhausted     VARCHAR(32)   NOT NULL,
    attempts      INT           NOT NULL,
    sent          BIGINT        NOT NULL
);
CREATE INDEX ev_dead_letter_queue ON ev_dead_letter (queue, sent, id);
