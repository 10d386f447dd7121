-- Each attempt to answer through an invitation adds a claim row, and a claim given back (the
-- attempt lost a race, or its response could not be stored) adds a released row. A claim
-- counts only if no other unreleased claim is seen once it is written, so of two attempts at
-- once at most one wins. The rows carry no time and no response id: a claim cannot be
-- matched to the response it let through.
CREATE TABLE IF NOT EXISTS participant_invitation_claims (
    token_hash String,
    claim_id   String,
    released   UInt8
) ENGINE = MergeTree()
ORDER BY (token_hash, claim_id)
