-- History from day one: every code used before version 2 gets its redemption record, with the
-- code's id as the redemption's id (one per code, so unique) and its stored claim token (so an
-- idempotent retry still replays). Historic redemptions are not webhook events. Re-runnable.
INSERT IGNORE INTO redemptions (id, code_id, subject, redeemed_at, claim_token_hash, dispatch_pending)
SELECT id, id, CAST(used_by AS BINARY), used_at,
  COALESCE(claim_token_hash, UNHEX(SHA2(CONCAT('claimcheck.migrated.v1:', HEX(id)), 256))), NULL
FROM codes
WHERE used_at IS NOT NULL
