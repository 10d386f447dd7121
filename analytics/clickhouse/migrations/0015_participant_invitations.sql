-- Participants' invitation links to an edition: only the SHA-256 of each link's token is
-- stored, so the links are shown once, when generated. Nothing here names a participant or
-- a response.
CREATE TABLE IF NOT EXISTS participant_invitations (
    token_hash String,
    survey_id  String,
    year       UInt16,
    batch_id   String,
    created_at DateTime
) ENGINE = MergeTree()
ORDER BY token_hash
