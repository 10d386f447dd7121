SELECT role, item_key, assumeNotNull(value_num) AS v, count() AS n
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND value_num IS NOT NULL
  AND language IN (?)
GROUP BY role, item_key, v
ORDER BY role, item_key, v
-- args: ["partners-meeting","topics","fr"]
