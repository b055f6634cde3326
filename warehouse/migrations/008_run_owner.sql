-- Which process runs a flow: a run left 'running' by a process that is gone (killed, say)
-- is marked 'aborted' when the next run starts.
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN host VARCHAR;
