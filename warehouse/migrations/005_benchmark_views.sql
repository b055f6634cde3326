-- 005: salary vs the guide by level AND region; days_open for every relevant posting.

-- Salary vs the guide, as core.benchmarks.compare_to_benchmark words it in digests. The guide
-- gives medians for the US only (per level, and nationally) and a USD range per world region;
-- it gives no level figures by region. So each open posting with a salary gets:
--   benchmark_usd / delta_pct: the US median of its level (the US national median when the
--     level is unknown, in the US or where no region applies; none outside the US otherwise);
--   region / region_usd_min / region_usd_max / region_position: outside the US, the range of the
--     region its country belongs to and where the salary midpoint falls (below/within/above);
--   benchmark_basis: level | national (US figures) | region_and_level | region (range only).
CREATE OR REPLACE VIEW postings_vs_benchmark AS
WITH priced AS (
    SELECT p.*,
        (p.salary_usd_annual_min + p.salary_usd_annual_max) / 2 AS salary_usd_mid,
        upper(trim(coalesce(p.country, 'US'))) AS country_code
    FROM current_postings p
    WHERE p.salary_usd_annual_min IS NOT NULL
), referenced AS (
    SELECT p.*,
        r.label AS region_name, r.usd_low AS region_low, r.usd_high AS region_high,
        l.label AS level_label, l.median AS level_median,
        n.label AS national_label, n.median AS national_median
    FROM priced p
    LEFT JOIN benchmarks r ON r.kind = 'region' AND p.country_code <> 'US'
        AND list_contains(string_split(r.note, ','), p.country_code)
    LEFT JOIN benchmarks l ON l.kind = 'level' AND l.key = p.level
    LEFT JOIN benchmarks n ON n.kind = 'national' AND n.key = 'US'
), based AS (
    SELECT *,
        CASE
            WHEN region_name IS NOT NULL AND level_median IS NOT NULL THEN 'region_and_level'
            WHEN region_name IS NOT NULL THEN 'region'
            WHEN level_median IS NOT NULL THEN 'level'
            WHEN national_median IS NOT NULL THEN 'national'
        END AS benchmark_basis
    FROM referenced
), compared AS (
    SELECT *,
        CASE benchmark_basis
            WHEN 'region' THEN region_name
            WHEN 'national' THEN national_label
            ELSE level_label
        END AS benchmark_label,
        CASE benchmark_basis
            WHEN 'region' THEN NULL
            WHEN 'national' THEN national_median
            ELSE level_median
        END AS benchmark_usd
    FROM based
)
SELECT
    source, source_id, title, company, level, country, hub, workplace,
    salary_usd_annual_min, salary_usd_annual_max, salary_usd_mid,
    benchmark_basis, benchmark_label, benchmark_usd,
    round(100.0 * (salary_usd_mid - benchmark_usd) / benchmark_usd, 1) AS delta_pct,
    region_name AS region,
    region_low AS region_usd_min,
    region_high AS region_usd_max,
    CASE
        WHEN region_name IS NULL THEN NULL
        WHEN salary_usd_mid < region_low THEN 'below'
        WHEN salary_usd_mid > region_high THEN 'above'
        ELSE 'within'
    END AS region_position,
    first_seen, days_open
FROM compared;

-- Every relevant posting, open or closed, with how long it has been (or was) listed:
-- days_open = calendar days from first_seen to closed_at, or to now while open (the same
-- count as current_postings.days_open).
CREATE OR REPLACE VIEW postings_lifecycle AS
SELECT *,
    CASE WHEN closed_at IS NULL THEN 'open' ELSE 'closed' END AS status,
    date_diff('day', first_seen, coalesce(closed_at, now())) AS days_open
FROM postings
WHERE relevant;
