-- EventBridge connections and API destinations. A connection's parameters are kept twice: without
-- their secret values (what DescribeConnection shows) and whole, sealed with the server key
-- (AES-GCM, see SecretBox), which only the calls that authorize with it open. Times are epoch ms.

CREATE TABLE sl_connection (
    name               VARCHAR(64)   PRIMARY KEY,
    arn                VARCHAR(256)  NOT NULL,
    description        VARCHAR(512),
    authorization_type VARCHAR(32)   NOT NULL,
    state              VARCHAR(32)   NOT NULL,
    state_reason       VARCHAR(512),
    parameters         VARCHAR(16000) NOT NULL,
    sealed             VARCHAR(32000) NOT NULL,
    created            BIGINT        NOT NULL,
    modified           BIGINT        NOT NULL,
    authorized         BIGINT
);

CREATE TABLE sl_api_destination (
    name               VARCHAR(64)   PRIMARY KEY,
    arn                VARCHAR(256)  NOT NULL,
    description        VARCHAR(512),
    connection_arn     VARCHAR(256)  NOT NULL,
    endpoint           VARCHAR(2048) NOT NULL,
    http_method        VARCHAR(8)    NOT NULL,
    rate_per_second    INTEGER       NOT NULL,
    state              VARCHAR(16)   NOT NULL,
    created            BIGINT        NOT NULL,
    modified           BIGINT        NOT NULL
);
