-- Failure counters for rate limiting. The primary key is the only unique key:
-- INSERT ... ON DUPLICATE KEY UPDATE is only dependable with one (portability rule 6).
CREATE TABLE IF NOT EXISTS rate_limit_buckets (
  bucket_key BINARY(32) NOT NULL,
  failures INT UNSIGNED NOT NULL,
  window_ends_at DATETIME(3) NOT NULL,
  PRIMARY KEY (bucket_key),
  KEY ix_rate_limit_buckets_window_ends_at (window_ends_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
