-- The used codes' one use, counted. Re-runnable: a counted code is not counted again.
UPDATE codes SET redemption_count = 1 WHERE used_at IS NOT NULL AND redemption_count = 0
