-- Console sessions: only the SHA-256 of the cookie's id is stored. Seen again (last_seen) by
-- writing a newer version; a revocation is written with the largest version (2^64-1) so that
-- no later write, merged or not, brings the session back. Reads take argMax per id hash.
CREATE TABLE IF NOT EXISTS sessions (
    id_hash      String,
    user_id      String,
    created_at   DateTime,
    last_seen    DateTime,
    expires_at   DateTime,
    idle_seconds UInt32,
    revoked      UInt8,
    address      String,
    version      UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id_hash
