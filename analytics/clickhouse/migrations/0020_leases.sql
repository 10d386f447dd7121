-- Scheduled work that must run once per database (compaction, resolving conflicts, pruning):
-- time is cut into slots, each process claims the next slot of a job before it begins, and
-- the smallest holder among the claims made in time runs the job in that slot (lease.go).
CREATE TABLE IF NOT EXISTS leases (
    name       String,
    slot       Int64,
    holder     String,
    claimed_at DateTime
) ENGINE = MergeTree()
ORDER BY (name, slot, holder)
