-- The keys that sign dashboard links (reports/links). The key added last (added, in
-- nanoseconds) signs new links; retiring a key writes a row of greater version without its
-- secret, and readers take each key's row of greatest version.
CREATE TABLE IF NOT EXISTS link_keys (
    id      String,
    version UInt64,
    created DateTime,
    added   UInt64,
    secret  String,
    retired DateTime
) ENGINE = ReplacingMergeTree(version)
ORDER BY id
