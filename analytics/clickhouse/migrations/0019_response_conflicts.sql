-- Responses that lost a conflict: one id accepted with different answers by two palabre
-- processes before either was stored. The earliest received wins (ties: the smaller digest);
-- each loser is kept here whole (body, JSON) for coordinators, and its rows are deleted from
-- responses and answers. recorded_at is the server's clock, which the processes read to learn
-- the losers recorded since they last looked.
CREATE TABLE IF NOT EXISTS response_conflicts (
    survey_id          String,
    edition            UInt16,
    response_id        UUID,
    digest             UInt64,
    received_at        DateTime,
    submitted_at       DateTime,
    accepted_by        String,
    winner_digest      UInt64,
    winner_received_at DateTime,
    winner_submitted_at DateTime,
    recorded_at        DateTime,
    recorded_by        String,
    body               String
) ENGINE = ReplacingMergeTree()
ORDER BY (survey_id, edition, response_id, digest)
