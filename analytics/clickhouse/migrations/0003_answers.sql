-- Long format: one row per answer (per matrix row), with the respondent's profile repeated
-- so that any question groups by country, organisation, role, year or language without a
-- join. The key starts with what queries filter on and ends with the response id, so a
-- duplicated delivery has the same key and is folded.
CREATE TABLE IF NOT EXISTS answers (
    survey_id     String,
    edition       UInt16,
    form_version  UInt32,
    response_id   UUID,
    submitted_at  DateTime,
    country       String,
    organisation  String,
    role          String,
    language      String,
    question_key  String,
    item_key      String,
    value_num     Nullable(Float64),
    value_text    String,
    value_choices Array(String)
) ENGINE = ReplacingMergeTree()
PARTITION BY edition
ORDER BY (survey_id, question_key, edition, country, organisation, role, response_id, item_key)
