SELECT edition, country, item_key, uniqExact(response_id) AS n
FROM answers
WHERE survey_id = ?
  AND question_key = ?
GROUP BY edition, country, item_key
ORDER BY edition, country, item_key
-- args: ["partners-meeting","improve"]
