-- When a dashboard's link last opened (each process writes at most once a minute per link).
CREATE TABLE IF NOT EXISTS publication_views (
    id     String,
    viewed DateTime
) ENGINE = ReplacingMergeTree(viewed)
ORDER BY id
