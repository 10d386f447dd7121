SELECT country, item_key, v, sum(c) AS n
FROM (
SELECT country, item_key, v, count() AS c
FROM answers
ARRAY JOIN arrayPushFront(value_choices, '') AS v
WHERE survey_id = ?
  AND question_key = ?
  AND edition NOT IN (?, ?)
GROUP BY country, item_key, v
UNION ALL
SELECT country, item_key, v, uniqExact(response_id) AS c
FROM answers
ARRAY JOIN arrayPushFront(value_choices, '') AS v
WHERE survey_id = ?
  AND question_key = ?
  AND edition IN (?, ?)
GROUP BY country, item_key, v
)
GROUP BY country, item_key, v
ORDER BY country, item_key, v
-- args: ["partners-meeting","sessions",2024,2025,"partners-meeting","sessions",2024,2025]
