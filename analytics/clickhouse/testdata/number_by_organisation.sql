SELECT organisation, item_key, v, sum(c) AS n
FROM (
SELECT organisation, item_key, assumeNotNull(value_num) AS v, count() AS c
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND value_num IS NOT NULL
  AND edition NOT IN (?)
GROUP BY organisation, item_key, v
UNION ALL
SELECT organisation, item_key, assumeNotNull(value_num) AS v, uniqExact(response_id) AS c
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND value_num IS NOT NULL
  AND edition IN (?)
GROUP BY organisation, item_key, v
)
GROUP BY organisation, item_key, v
ORDER BY organisation, item_key, v
-- args: ["partners-meeting","families",2025,"partners-meeting","families",2025]
