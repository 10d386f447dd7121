SELECT role, uniqExact(response_id) AS n
FROM responses
WHERE survey_id = ?
  AND edition IN (?, ?)
  AND country IN (?, ?)
GROUP BY role
ORDER BY role
-- args: ["partners-meeting",2024,2025,"SN","PE"]
