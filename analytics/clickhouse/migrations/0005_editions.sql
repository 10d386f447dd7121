-- Editions: one per survey and year. Edited in place (dates, invited); the row with the
-- highest revision wins, so reads use FINAL.
CREATE TABLE IF NOT EXISTS editions (
    survey_id    String,
    year         UInt16,
    form_version UInt32,
    place        String,
    opens        DateTime,
    closes       DateTime,
    invited      UInt32,
    revision     UInt64
) ENGINE = ReplacingMergeTree(revision)
ORDER BY (survey_id, year)
