-- 002: documented views for users.

CREATE OR REPLACE VIEW current_postings AS
SELECT *
FROM postings
WHERE closed_at IS NULL AND relevant;

CREATE OR REPLACE VIEW postings_vs_benchmark AS
SELECT
    p.source, p.source_id, p.title, p.company, p.level, p.country, p.hub, p.workplace,
    p.salary_usd_annual_min, p.salary_usd_annual_max,
    (p.salary_usd_annual_min + p.salary_usd_annual_max) / 2 AS salary_usd_mid,
    coalesce(b.median, n.median) AS benchmark_median_usd,
    coalesce(b.label, n.label) AS benchmark_label,
    round(100.0 * ((p.salary_usd_annual_min + p.salary_usd_annual_max) / 2
          - coalesce(b.median, n.median)) / coalesce(b.median, n.median), 1) AS delta_pct
FROM current_postings p
LEFT JOIN benchmarks b ON b.kind = 'level' AND b.key = p.level
CROSS JOIN (SELECT median, label FROM benchmarks WHERE kind = 'national' AND key = 'US') n
WHERE p.salary_usd_annual_min IS NOT NULL;

CREATE OR REPLACE VIEW market_by_week AS
SELECT
    date_trunc('week', first_seen) AS week,
    coalesce(level, 'unknown') AS level,
    coalesce(hub, 'other') AS hub,
    count(*) AS new_postings,
    count(*) FILTER (WHERE workplace = 'remote') AS remote_postings,
    count(salary_usd_annual_min) AS with_salary,
    median((salary_usd_annual_min + salary_usd_annual_max) / 2) AS median_salary_usd
FROM postings
WHERE relevant
GROUP BY ALL;

CREATE OR REPLACE VIEW source_health AS
SELECT
    s.source, s.status, s.error, s.http_status, s.postings, s.new_postings,
    s.parse_errors, s.finished_at
FROM source_runs s
QUALIFY row_number() OVER (PARTITION BY s.source ORDER BY s.finished_at DESC) = 1;
