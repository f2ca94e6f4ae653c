-- Claim tokens live with each redemption now. Dropping the column also stops an instance of the
-- previous version, still running, from claiming a code behind the counter's back.
ALTER TABLE codes DROP COLUMN claim_token_hash, ALGORITHM=INSTANT
