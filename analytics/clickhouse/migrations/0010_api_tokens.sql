-- Personal API tokens: only the SHA-256 of the token is stored. Versioned like sessions: a
-- revocation has the largest version and sticks.
CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash String,
    id         String,
    user_id    String,
    name       String,
    created_at DateTime,
    last_used  DateTime,
    revoked    UInt8,
    version    UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY token_hash
