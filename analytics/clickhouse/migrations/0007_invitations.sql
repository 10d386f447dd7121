-- Invitations to set a password: only the SHA-256 of the link's token is stored. A user's
-- newest invitation is the only one that works (created_ns orders them).
CREATE TABLE IF NOT EXISTS invitations (
    token_hash String,
    user_id    String,
    created_at DateTime,
    expires_at DateTime,
    created_ns UInt64
) ENGINE = MergeTree()
ORDER BY (user_id, created_ns)
