-- The digest of its response's answers on each answer row, last in the key. Two processes
-- may accept different answers under one response id before either is stored; their rows
-- then differ by digest and are never folded into one when parts merge, so the answers that
-- lose (conflicts.go) are deleted alone. Rows stored before this column read 0.
ALTER TABLE answers ADD COLUMN digest UInt64,
 MODIFY ORDER BY (survey_id, question_key, edition, country, organisation, role, response_id, item_key, digest)
