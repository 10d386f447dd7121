SELECT edition, country, item_key, sum(c) AS n
FROM (
SELECT edition, country, item_key, count() AS c
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND edition NOT IN (?, ?)
GROUP BY edition, country, item_key
UNION ALL
SELECT edition, country, item_key, uniqExact(response_id) AS c
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND edition IN (?, ?)
GROUP BY edition, country, item_key
)
GROUP BY edition, country, item_key
ORDER BY edition, country, item_key
-- args: ["partners-meeting","improve",2024,2025,"partners-meeting","improve",2024,2025]
