-- Failed console sign-ins, per user name (keyed by a digest of the name) and per client address:
-- how many in a row, the last one, and until when the next attempt is refused. Every node reads
-- and writes the same rows. Times are epoch milliseconds.

CREATE TABLE sl_sign_in_throttle (
    throttle_key VARCHAR(128) PRIMARY KEY,
    failures     INT          NOT NULL,
    last_failure BIGINT       NOT NULL,
    locked_until BIGINT       NOT NULL
);
CREATE INDEX sl_sign_in_throttle_last ON sl_sign_in_throttle (last_failure);
