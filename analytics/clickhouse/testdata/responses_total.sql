SELECT count() AS n
FROM responses
WHERE survey_id = ?
-- args: ["partners-meeting"]
