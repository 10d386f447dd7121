SELECT language, item_key, value_text AS v, uniqExact(response_id) AS n
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND value_text != ''
  AND organisation IN (?, ?, ?)
GROUP BY language, item_key, v
ORDER BY language, item_key, v
-- args: ["partners-meeting","attended","l'atelier \\ \"famille\"; -- DROP TABLE answers","Samusocial Sénégal","100% Mamans"]
