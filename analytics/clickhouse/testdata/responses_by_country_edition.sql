SELECT edition, country, sum(c) AS n
FROM (
SELECT edition, country, count() AS c
FROM responses
WHERE survey_id = ?
  AND edition NOT IN (?, ?)
GROUP BY edition, country
UNION ALL
SELECT edition, country, uniqExact(response_id) AS c
FROM responses
WHERE survey_id = ?
  AND edition IN (?, ?)
GROUP BY edition, country
)
GROUP BY edition, country
ORDER BY edition, country
-- args: ["partners-meeting",2024,2025,"partners-meeting",2024,2025]
