SELECT country, item_key, v, uniqExact(response_id) AS n
FROM answers
ARRAY JOIN arrayPushFront(value_choices, '') AS v
WHERE survey_id = ?
  AND question_key = ?
GROUP BY country, item_key, v
ORDER BY country, item_key, v
-- args: ["partners-meeting","sessions"]
