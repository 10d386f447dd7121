SELECT edition, country, organisation, role, language, any(submitted_at) AS submitted, any(value_text) AS text
FROM answers
WHERE survey_id = ?
  AND question_key = ?
  AND value_text != ''
  AND edition IN (?, ?)
GROUP BY response_id, edition, country, organisation, role, language
ORDER BY edition DESC, submitted DESC, country, organisation, role, language, text
LIMIT ? OFFSET ?
-- args: ["partners-meeting","improve",2025,2024,10,5]
