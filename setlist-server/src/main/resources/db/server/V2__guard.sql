-- The traffic guard's emergency levers per flow, and a version every node polls (about once a
-- second) to pick up a lever pulled on any node. Times are epoch milliseconds.

CREATE TABLE sl_guard_lever (
    flow             VARCHAR(64) PRIMARY KEY,
    disabled         BOOLEAN     NOT NULL,
    degraded         BOOLEAN     NOT NULL,
    rate_per_second  DOUBLE PRECISION,
    burst            BIGINT,
    quota_overridden BOOLEAN     NOT NULL,
    quota_limit      BIGINT,
    quota_period     VARCHAR(8),
    changed_by       VARCHAR(64),
    changed          BIGINT
);

CREATE TABLE sl_guard_version (
    id      INT    PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO sl_guard_version (id, version) VALUES (1, 0);
