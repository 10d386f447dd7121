SELECT edition, country, organisation, role, language, submitted_at, value_text, response_id
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND value_text != ''
  AND edition IN (?, ?)
ORDER BY edition DESC, submitted_at DESC, country, organisation, role, language, value_text, response_id
LIMIT ?
-- args: ["partners-meeting","improve",2025,2024,15]
