-- Events staged in the transaction of the step that causes them (an execution's status change,
-- an event a task emitted); the bus routes each into deliveries and deletes it, in one
-- transaction. Runs on H2 and PostgreSQL.

CREATE TABLE ev_outbox (
    id      VARCHAR(64) PRIMARY KEY,
    created BIGINT      NOT NULL,
    entry   VARCHAR     NOT NULL
);

CREATE INDEX ev_outbox_created ON ev_outbox (created);
