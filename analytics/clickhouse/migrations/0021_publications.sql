-- Funders' dashboards (reports/publish), shared by every palabre process over the database:
-- one row per publication and computation of its figures (publication: its JSON without
-- revocation nor views; snapshot: the funders' report computed then, JSON). A refresh adds a
-- row with a greater version; readers take the greatest.
CREATE TABLE IF NOT EXISTS publications (
    id          String,
    version     UInt64,
    survey_id   String,
    created     DateTime,
    publication String,
    snapshot    String
) ENGINE = ReplacingMergeTree(version)
ORDER BY id
