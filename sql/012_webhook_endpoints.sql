-- Webhook endpoints. The signing secret is stored only encrypted (AES-256-GCM under a key of
-- WEBHOOK_SECRET_KEYS, whose version is kept beside it): a dump of this table cannot sign.
-- events: the wire names it subscribes to, comma-separated. A deleted endpoint keeps its row
-- (deleted_at set) so that its deliveries stay explainable.
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id BINARY(16) NOT NULL,
  scope VARCHAR(64) NULL,
  url VARCHAR(2048) NOT NULL,
  events VARCHAR(255) NOT NULL,
  description VARCHAR(500) NULL,
  secret_ciphertext VARBINARY(255) NOT NULL,
  secret_key_version VARCHAR(32) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  deleted_at DATETIME(3) NULL,
  PRIMARY KEY (id),
  KEY ix_webhook_endpoints_deleted_scope (deleted_at, scope)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
