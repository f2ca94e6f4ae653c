-- Multi-use codes, start times and holds (version 2). Every existing code is single-use and
-- starts at issuance: the defaults say so. A use is taken by moving redemption_count (or
-- hold_count) in one conditional UPDATE; hold_count counts holds not yet confirmed, released or
-- recorded as expired, so it is 0 for every code that was never held and the claim then needs
-- no look at the holds at all. INSTANT: no table rebuild, on MySQL 8.4 and MariaDB 10.11.
ALTER TABLE codes
  ADD COLUMN starts_at DATETIME(3) NULL,
  ADD COLUMN max_redemptions INT UNSIGNED NOT NULL DEFAULT 1,
  ADD COLUMN max_per_subject INT UNSIGNED NULL,
  ADD COLUMN redemption_count INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN hold_count INT UNSIGNED NOT NULL DEFAULT 0,
  ALGORITHM=INSTANT
