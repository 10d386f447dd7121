SELECT edition, country, uniqExact(response_id) AS n
FROM responses
WHERE survey_id = ?
GROUP BY edition, country
ORDER BY edition, country
-- args: ["partners-meeting"]
