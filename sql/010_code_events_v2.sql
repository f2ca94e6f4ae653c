-- The journal names what each change is about, and marks the entries that are webhook events
-- until the dispatcher has fanned them out (the outbox: written in the change's own transaction).
ALTER TABLE code_events
  ADD COLUMN redemption_id BINARY(16) NULL,
  ADD COLUMN hold_ref BINARY(16) NULL,
  ADD COLUMN last_code_id BINARY(16) NULL,
  ADD COLUMN item_count INT UNSIGNED NULL,
  ADD COLUMN dispatch_pending TINYINT UNSIGNED NULL,
  ALGORITHM=INSTANT
