SELECT edition, country, item_key, v, sum(c) AS n
FROM (
SELECT edition, country, item_key, assumeNotNull(value_num) AS v, count() AS c
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND value_num IS NOT NULL
  AND edition NOT IN (?, ?)
GROUP BY edition, country, item_key, v
UNION ALL
SELECT edition, country, item_key, assumeNotNull(value_num) AS v, uniqExact(response_id) AS c
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND value_num IS NOT NULL
  AND edition IN (?, ?)
GROUP BY edition, country, item_key, v
)
GROUP BY edition, country, item_key, v
ORDER BY edition, country, item_key, v
-- args: ["partners-meeting","recommend",2024,2025,"partners-meeting","recommend",2024,2025]
