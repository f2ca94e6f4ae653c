-- Every delivery attempt: when, how long, the HTTP status (null without a response) and the
-- error class; at most a short excerpt of the response body, with the endpoint's secret removed.
CREATE TABLE IF NOT EXISTS webhook_attempts (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  endpoint_id BINARY(16) NOT NULL,
  event_id BINARY(16) NOT NULL,
  attempt INT UNSIGNED NOT NULL,
  started_at DATETIME(3) NOT NULL,
  duration_ms INT UNSIGNED NOT NULL,
  status SMALLINT UNSIGNED NULL,
  error_class VARCHAR(32) NULL,
  excerpt VARCHAR(200) NULL,
  instance VARCHAR(64) NOT NULL,
  PRIMARY KEY (id),
  KEY ix_webhook_attempts_delivery (endpoint_id, event_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
