-- One row per endpoint and event: the event's body and where its delivery stands.
-- The primary key is the only unique key, so that a second fan-out of the same event (two
-- instances, or a crash before the outbox flag was cleared) is ignored (portability rule 6).
-- A delivery is taken by a conditional UPDATE that sets lease_owner and lease_until: an
-- instance that crashed holding one loses it when lease_until passes. The due index also covers
-- occurred_at, so that the age of the oldest undelivered event is read from the index alone.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  endpoint_id BINARY(16) NOT NULL,
  event_id BINARY(16) NOT NULL,
  event_type VARCHAR(32) NOT NULL,
  body TEXT NOT NULL,
  occurred_at DATETIME(3) NOT NULL,
  state VARCHAR(16) NOT NULL,
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NULL,
  lease_owner VARCHAR(64) NULL,
  lease_until DATETIME(3) NULL,
  last_status SMALLINT UNSIGNED NULL,
  last_error VARCHAR(32) NULL,
  delivered_at DATETIME(3) NULL,
  PRIMARY KEY (endpoint_id, event_id),
  KEY ix_webhook_deliveries_due (state, next_attempt_at, occurred_at),
  KEY ix_webhook_deliveries_lease (lease_owner)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
