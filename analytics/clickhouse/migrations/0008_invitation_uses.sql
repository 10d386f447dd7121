-- Each attempt to use an invitation adds a row. An attempt that sees another attempt's row
-- after writing its own fails, so of two processes using the same link at once at most one
-- sets the password.
CREATE TABLE IF NOT EXISTS invitation_uses (
    token_hash String,
    use_id     String,
    used_ns    UInt64
) ENGINE = MergeTree()
ORDER BY (token_hash, used_ns)
