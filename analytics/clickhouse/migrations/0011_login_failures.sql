-- Failed logins, one row each, counted per account and per address over a recent window to
-- lock an account (or an address) for a while. Monthly partitions can be dropped whole.
CREATE TABLE IF NOT EXISTS login_failures (
    email   String,
    address String,
    at      DateTime
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (email, at)
