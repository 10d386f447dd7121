-- key_digest repeats digest last in the key, so that two responses given with one id and
-- different answers stay two rows until the conflict is resolved (conflicts.go); accepted_by
-- names the palabre process that took the response, and stored_at is when it was inserted
-- (the server's clock), which the other processes read to learn the ids stored since they
-- last looked. Rows stored before these columns read 0 and ''.
ALTER TABLE responses ADD COLUMN key_digest UInt64, ADD COLUMN accepted_by String, ADD COLUMN stored_at DateTime,
 MODIFY ORDER BY (survey_id, edition, response_id, key_digest)
