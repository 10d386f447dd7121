SELECT language, item_key, v, sum(c) AS n
FROM (
SELECT language, item_key, value_text AS v, count() AS c
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND value_text != ''
  AND organisation IN (?, ?, ?)
  AND edition NOT IN (?, ?)
GROUP BY language, item_key, v
UNION ALL
SELECT language, item_key, value_text AS v, uniqExact(response_id) AS c
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND value_text != ''
  AND organisation IN (?, ?, ?)
  AND edition IN (?, ?)
GROUP BY language, item_key, v
)
GROUP BY language, item_key, v
ORDER BY language, item_key, v
-- args: ["partners-meeting","attended","l'atelier \\ \"famille\"; -- DROP TABLE answers","Samusocial Sénégal","100% Mamans",2023,2025,"partners-meeting","attended","l'atelier \\ \"famille\"; -- DROP TABLE answers","Samusocial Sénégal","100% Mamans",2023,2025]
