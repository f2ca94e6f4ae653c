-- One row per issued code. Never the plaintext code: only its HMAC lookup key.
-- id is a UUIDv7, so ORDER BY id DESC lists the newest first.
CREATE TABLE IF NOT EXISTS codes (
  id BINARY(16) NOT NULL,
  lookup_key BINARY(32) NOT NULL,
  key_version VARCHAR(32) NOT NULL,
  purpose VARCHAR(64) NULL,
  scope VARCHAR(64) NULL,
  grant_payload VARCHAR(4096) NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  used_at DATETIME(3) NULL,
  used_by VARCHAR(255) NULL,
  claim_token_hash BINARY(32) NULL,
  revoked_at DATETIME(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_codes_lookup_key (lookup_key),
  KEY ix_codes_scope_purpose_id (scope, purpose, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
