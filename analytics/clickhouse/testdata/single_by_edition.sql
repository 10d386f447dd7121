SELECT edition, item_key, value_text AS v, count() AS n
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND value_text != ''
GROUP BY edition, item_key, v
ORDER BY edition, item_key, v
-- args: ["partners-meeting","format"]
