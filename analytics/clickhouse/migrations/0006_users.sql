-- Accounts of the console and the API (package survey/access). Keyed by e-mail address, so
-- one address is one account. Edited in place (name, role, surveys, disabled, password): the
-- row with the highest version wins, and reads take argMax(…, version) per address.
CREATE TABLE IF NOT EXISTS users (
    email         String,
    id            String,
    name          String,
    role          Enum8('admin' = 1, 'coordinator' = 2),
    surveys       Array(String),
    disabled      UInt8,
    created_at    DateTime,
    password_hash String,
    version       UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY email
