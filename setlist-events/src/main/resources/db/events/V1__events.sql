-- Setlist event buses. Times are epoch milliseconds; JSON documents are text.

CREATE TABLE ev_bus (
    name    VARCHAR(256) PRIMARY KEY,
    arn     VARCHAR(512) NOT NULL,
    created BIGINT       NOT NULL
);

CREATE TABLE ev_rule (
    bus         VARCHAR(256) NOT NULL,
    name        VARCHAR(64)  NOT NULL,
    arn         VARCHAR(512) NOT NULL,
    pattern     VARCHAR,
    schedule    VARCHAR(256),
    state       VARCHAR(16)  NOT NULL,
    description VARCHAR(512),
    next_fire   BIGINT,
    updated     BIGINT       NOT NULL,
    PRIMARY KEY (bus, name)
);
CREATE INDEX ev_rule_schedule ON ev_rule (next_fire);

CREATE TABLE ev_target (
    bus               VARCHAR(256) NOT NULL,
    rule              VARCHAR(64)  NOT NULL,
    id                VARCHAR(64)  NOT NULL,
    arn               VARCHAR(1600) NOT NULL,
    input             VARCHAR,
    input_path        VARCHAR(256),
    input_transformer VARCHAR,
    max_age_seconds   INT          NOT NULL,
    max_attempts      INT          NOT NULL,
    PRIMARY KEY (bus, rule, id)
);

-- A counter that every rule or target change bumps, so that each node rebuilds its matchers.
CREATE TABLE ev_generation (
    id         INT    PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO ev_generation (id, generation) VALUES (1, 0);

-- The outbox: one row per (event, target) still to deliver; dead letters stay with status DEAD.
CREATE TABLE ev_delivery (
    id          VARCHAR(64)  PRIMARY KEY,
    event_id    VARCHAR(64)  NOT NULL,
    bus         VARCHAR(256) NOT NULL,
    rule        VARCHAR(64)  NOT NULL,
    target_id   VARCHAR(64)  NOT NULL,
    target_arn  VARCHAR(1600) NOT NULL,
    payload     VARCHAR      NOT NULL,
    event_time  BIGINT       NOT NULL,
    created     BIGINT       NOT NULL,
    attempts    INT          NOT NULL,
    max_age_seconds INT      NOT NULL,
    max_attempts INT         NOT NULL,
    next_at     BIGINT       NOT NULL,
    status      VARCHAR(16)  NOT NULL,
    owner       VARCHAR(64),
    lease_until BIGINT,
    last_error  VARCHAR(1024),
    trace_header VARCHAR(256)
);
CREATE INDEX ev_delivery_due ON ev_delivery (status, next_at);

CREATE TABLE ev_archive (
    name           VARCHAR(48)  PRIMARY KEY,
    arn            VARCHAR(512) NOT NULL,
    bus            VARCHAR(256) NOT NULL,
    pattern        VARCHAR,
    description    VARCHAR(512),
    retention_days INT          NOT NULL,
    created        BIGINT       NOT NULL
);

CREATE TABLE ev_archived_event (
    archive  VARCHAR(48) NOT NULL,
    event_id VARCHAR(64) NOT NULL,
    time     BIGINT      NOT NULL,
    body     VARCHAR     NOT NULL,
    PRIMARY KEY (archive, event_id)
);
CREATE INDEX ev_archived_event_time ON ev_archived_event (archive, time);

CREATE TABLE ev_replay (
    name        VARCHAR(64)  PRIMARY KEY,
    arn         VARCHAR(512) NOT NULL,
    archive     VARCHAR(48)  NOT NULL,
    destination VARCHAR(512) NOT NULL,
    filter_arns VARCHAR,
    start_time  BIGINT       NOT NULL,
    end_time    BIGINT       NOT NULL,
    state       VARCHAR(16)  NOT NULL,
    reason      VARCHAR(512),
    started     BIGINT       NOT NULL,
    ended       BIGINT,
    last_replayed BIGINT,
    description VARCHAR(512)
);
