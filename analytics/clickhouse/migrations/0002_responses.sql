-- One row per response: its respondent's profile, when and how it arrived, and a digest of
-- its answers. A response delivered twice (a batch retried after a timeout) is the same row
-- twice, with the same key: ReplacingMergeTree folds it, and queries count distinct ids.
CREATE TABLE IF NOT EXISTS responses (
    survey_id    String,
    edition      UInt16,
    form_version UInt32,
    response_id  UUID,
    submitted_at DateTime,
    received_at  DateTime,
    country      String,
    organisation String,
    role         String,
    language     String,
    channel      String,
    digest       UInt64,
    answer_count UInt32
) ENGINE = ReplacingMergeTree()
PARTITION BY edition
ORDER BY (survey_id, edition, response_id)
