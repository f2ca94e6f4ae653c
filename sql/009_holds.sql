-- Holds: one use set aside until expires_at. hold_key is a keyed hash of the holdId capability,
-- never the capability itself; sealed_hold_id is the holdId encrypted under a key derived from
-- the caller's idempotency key, so that only a retry with that key can be answered with it.
-- An active hold past expires_at already counts as free; the sweep sets status 'expired' later.
CREATE TABLE IF NOT EXISTS holds (
  id BINARY(16) NOT NULL,
  hold_key BINARY(32) NOT NULL,
  key_version VARCHAR(32) NOT NULL,
  code_id BINARY(16) NOT NULL,
  subject VARBINARY(1020) NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  status VARCHAR(16) NOT NULL,
  settled_at DATETIME(3) NULL,
  redemption_id BINARY(16) NULL,
  claim_token_hash BINARY(32) NOT NULL,
  sealed_hold_id VARBINARY(128) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_holds_hold_key (hold_key),
  UNIQUE KEY uq_holds_claim_token (code_id, claim_token_hash),
  KEY ix_holds_code_status (code_id, status, expires_at),
  KEY ix_holds_code_subject (code_id, subject),
  KEY ix_holds_status_expires (status, expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
