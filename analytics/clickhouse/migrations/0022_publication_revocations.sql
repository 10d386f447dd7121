-- Revoked dashboard links: a row per revocation, never undone (the earliest counts). Kept apart
-- from publications so that a refresh written meanwhile cannot undo a revocation.
CREATE TABLE IF NOT EXISTS publication_revocations (
    id         String,
    revoked    DateTime
) ENGINE = MergeTree()
ORDER BY (id, revoked)
