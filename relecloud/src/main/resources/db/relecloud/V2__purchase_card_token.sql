-- A purchase carries the gateway's token for its card (never the number), the last four digits
-- and brand for the agent, and the authorization its execution made. execution_arn is now set
-- when the purchase is created (PENDING), before its execution starts: task handlers act on a
-- purchase only for the execution recorded here.
ALTER TABLE relecloud_purchase ADD COLUMN card_token VARCHAR(64);
ALTER TABLE relecloud_purchase ADD COLUMN card_last4 VARCHAR(4);
ALTER TABLE relecloud_purchase ADD COLUMN card_brand VARCHAR(16);
ALTER TABLE relecloud_purchase ADD COLUMN authorization_id VARCHAR(64);
