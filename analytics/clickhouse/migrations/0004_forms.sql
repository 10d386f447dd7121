-- Form definitions: immutable documents, one per survey and version, stored as JSON.
CREATE TABLE IF NOT EXISTS forms (
    survey_id  String,
    version    UInt32,
    definition String,
    digest     UInt64,
    created_at DateTime
) ENGINE = ReplacingMergeTree()
ORDER BY (survey_id, version)
