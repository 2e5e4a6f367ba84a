-- A target's HttpParameters (PathParameterValues, HeaderParameters, QueryStringParameters) as
-- JSON text, copied onto each delivery when it is routed. Runs on H2 and PostgreSQL.

ALTER TABLE ev_target ADD COLUMN http_parameters VARCHAR;
ALTER TABLE ev_delivery ADD COLUMN http_parameters VARCHAR;
