-- One row per redemption: the history, the idempotency record and, while dispatch_pending is set,
-- the outbox entry of its code.redeemed webhook (it commits with the claim). Subjects are
-- VARBINARY so that they compare exactly as given (utf8mb4_bin pads trailing spaces).
CREATE TABLE IF NOT EXISTS redemptions (
  id BINARY(16) NOT NULL,
  code_id BINARY(16) NOT NULL,
  subject VARBINARY(1020) NULL,
  redeemed_at DATETIME(3) NOT NULL,
  claim_token_hash BINARY(32) NOT NULL,
  hold_ref BINARY(16) NULL,
  reversed_at DATETIME(3) NULL,
  reversal_reason VARCHAR(500) NULL,
  dispatch_pending TINYINT UNSIGNED NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_redemptions_claim_token (code_id, claim_token_hash),
  KEY ix_redemptions_code_id (code_id, id),
  KEY ix_redemptions_code_subject (code_id, subject),
  KEY ix_redemptions_dispatch (dispatch_pending, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
