SELECT uniqExact(response_id) AS n
FROM responses
WHERE survey_id = ?
-- args: ["partners-meeting"]
