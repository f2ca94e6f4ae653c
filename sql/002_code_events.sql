-- Audit trail. Never a plaintext code, a lookup key, a grant or a client address.
CREATE TABLE IF NOT EXISTS code_events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  event_type VARCHAR(16) NOT NULL,
  code_id BINARY(16) NULL,
  subject VARCHAR(255) NULL,
  scope VARCHAR(64) NULL,
  purpose VARCHAR(64) NULL,
  reason VARCHAR(32) NULL,
  occurred_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  KEY ix_code_events_code_id (code_id),
  KEY ix_code_events_occurred_at (occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
