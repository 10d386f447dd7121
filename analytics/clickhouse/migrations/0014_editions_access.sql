-- Who may answer an edition: '' (open: anyone with the link) or 'invitation' (one response
-- per single-use invitation link). 18.16 has no ADD COLUMN IF NOT EXISTS: Migrate counts
-- "column already exists" as done, so two processes migrating at once do no harm.
ALTER TABLE editions ADD COLUMN access String DEFAULT ''
