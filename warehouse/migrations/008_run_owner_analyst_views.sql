-- Which process runs a flow: a run left 'running' by a process that is gone (killed, say)
-- is marked 'aborted' when the next run starts. `process_start` (the process's start time in
-- clock ticks after boot, from /proc) tells a reused pid from the run's own process.
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN host VARCHAR;
ALTER TABLE runs ADD COLUMN process_start BIGINT;

-- Views analysts asked for. skills_demand per level: each skill's count and share among the
-- open relevant postings of that level.
CREATE OR REPLACE VIEW skills_demand_by_level AS
WITH per_level AS (
    SELECT coalesce(level, 'unspecified') AS level, count(*) AS level_postings
    FROM current_postings GROUP BY 1
)
SELECT
    s.skill, s.category, coalesce(p.level, 'unspecified') AS level,
    count(*) AS postings,
    round(100.0 * count(*) / any_value(l.level_postings), 1) AS share_pct
FROM skills s
JOIN current_postings p ON regexp_matches(coalesce(p.description, ''), s.pattern)
JOIN per_level l ON l.level = coalesce(p.level, 'unspecified')
GROUP BY ALL;

-- market_by_week by the date the board says a posting was published (first seen when the
-- board gives none), beside market_by_week, which counts by first seen.
CREATE OR REPLACE VIEW market_by_posted_week AS
SELECT
    date_trunc('week', coalesce(posted_at, first_seen)) AS week,
    coalesce(level, 'unknown') AS level,
    coalesce(hub, 'other') AS hub,
    count(*) AS new_postings,
    count(*) FILTER (WHERE posted_at IS NULL) AS dated_by_first_seen,
    count(*) FILTER (WHERE workplace = 'remote') AS remote_postings,
    count(salary_usd_annual_min) AS with_salary,
    median((salary_usd_annual_min + salary_usd_annual_max) / 2) AS median_salary_usd
FROM postings
WHERE relevant
GROUP BY ALL;
