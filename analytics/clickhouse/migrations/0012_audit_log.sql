-- The audit log (package survey/audit): one row per action that changed something, appended
-- and never changed. A plain MergeTree that palabre never mutates (no ALTER … DELETE/UPDATE
-- is ever run on it, erasures included). seq (the writer's clock in nanoseconds) orders
-- entries of the same second.
CREATE TABLE IF NOT EXISTS audit_log (
    at       DateTime,
    seq      UInt64,
    user_id  String,
    email    String,
    action   String,
    survey   String,
    target   String,
    detail   String,
    address  String,
    request  String
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (at, seq)
