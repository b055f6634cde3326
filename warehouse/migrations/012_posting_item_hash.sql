-- Per-posting change detection: the digest(s) of the source item(s) a posting was last parsed
-- from (space-separated when one fetch applied several, e.g. a list and its detail page). An
-- item whose digest is stored is not parsed again; NULL means "parse it next time".
ALTER TABLE postings ADD COLUMN item_hash VARCHAR;
