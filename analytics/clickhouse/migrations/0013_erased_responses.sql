-- Responses erased at their author's request: the id alone (no answers, no profile), so that
-- the id stays refused and is never stored again. Written before the response's rows are
-- deleted from responses and answers.
CREATE TABLE IF NOT EXISTS erased_responses (
    survey_id   String,
    response_id UUID,
    erased_at   DateTime
) ENGINE = ReplacingMergeTree()
ORDER BY response_id
