-- 007: which guide figure each role is compared with (benchmark_mapping, filled from
-- config/benchmark_mapping.yaml by warehouse/benchmarks.py), postings_vs_benchmark rebuilt on
-- it (country-correct, with family, url and city), and the market's own benchmarks.

-- One row per (role family, rung): the guide figure compared with (a level key, `national` or
-- `none`), whether the guide's regional range applies outside the US, a title condition
-- (case-insensitive regular expression; a title that fails it is an entry role) and, for
-- `none`, the reason key. `level` is `unstated` for titles that name no rung.
CREATE TABLE IF NOT EXISTS benchmark_mapping (
    family        VARCHAR NOT NULL,
    level         VARCHAR NOT NULL,
    family_label  VARCHAR NOT NULL,
    figure        VARCHAR NOT NULL,
    regional      BOOLEAN NOT NULL,
    title_pattern VARCHAR,
    reason        VARCHAR,
    version       VARCHAR NOT NULL,
    PRIMARY KEY (family, level)
);

-- Pay vs the guide, as core.benchmarks.compare_to_benchmark words it in digests: each open
-- posting with a pay is compared with the one figure its family, level, title and country map
-- to, or with none (`no_comparison_reason`: entry | family | level | country | no_country).
--   benchmark_basis = level (a rung's US median, US postings), national (the US national
--     median, US postings whose title names no rung), region (the guide's range for Clinical
--     Operations Managers in the posting's region: region_position, in the posted currency when
--     the range is in it, else in USD) or none.
CREATE OR REPLACE VIEW postings_vs_benchmark AS
WITH priced AS (
    SELECT p.*,
        (coalesce(p.salary_usd_annual_min, p.salary_usd_annual_max)
            + coalesce(p.salary_usd_annual_max, p.salary_usd_annual_min)) / 2 AS salary_usd_mid,
        (coalesce(p.salary_annual_min, p.salary_annual_max)
            + coalesce(p.salary_annual_max, p.salary_annual_min)) / 2 AS salary_annual_mid,
        nullif(upper(trim(coalesce(p.country, ''))), '') AS country_code,
        CASE WHEN p.level IN ('assistant', 'manager', 'senior', 'director', 'vp')
            THEN p.level ELSE 'unstated' END AS rung
    FROM current_postings p
    WHERE coalesce(p.salary_usd_annual_min, p.salary_usd_annual_max) > 0
), ruled AS (
    SELECT p.*,
        m.family IS NOT NULL AND (m.title_pattern IS NULL
            OR regexp_matches(coalesce(p.title, ''), m.title_pattern, 'i')) AS rule_applies,
        m.family IS NULL AS unmapped,
        m.figure AS mapped_figure, m.reason AS mapped_reason,
        coalesce(m.regional, false) AS regional
    FROM priced p
    LEFT JOIN benchmark_mapping m ON m.family = p.family AND m.level = p.rung
), placed AS (
    SELECT r.*,
        CASE WHEN rule_applies THEN mapped_figure ELSE 'none' END AS figure,
        g.label AS region_name, g.currency AS region_currency,
        g.low AS region_min, g.high AS region_max,
        g.usd_low AS region_usd_min, g.usd_high AS region_usd_max
    FROM ruled r
    LEFT JOIN benchmarks g ON g.kind = 'region' AND r.country_code <> 'US'
        AND list_contains(string_split(g.note, ','), r.country_code)
), reasoned AS (
    SELECT *,
        CASE
            WHEN unmapped THEN 'family'
            WHEN NOT rule_applies THEN 'entry'
            WHEN figure = 'none' THEN mapped_reason
            WHEN country_code IS NULL THEN 'no_country'
            WHEN country_code = 'US' THEN NULL
            WHEN region_name IS NULL THEN 'country'
            WHEN NOT regional THEN 'level'
        END AS reason
    FROM placed
), based AS (
    SELECT *,
        CASE
            WHEN reason IS NOT NULL THEN 'none'
            WHEN country_code <> 'US' THEN 'region'
            WHEN figure = 'national' THEN 'national'
            ELSE 'level'
        END AS benchmark_basis,
        list_contains(string_split(region_currency, '/'), upper(salary_currency))
            AND salary_annual_mid IS NOT NULL AS in_region_currency
    FROM reasoned
), compared AS (
    SELECT b.*,
        CASE benchmark_basis
            WHEN 'level' THEN l.label
            WHEN 'national' THEN n.label
            WHEN 'region' THEN b.region_name
        END AS benchmark_label,
        CASE benchmark_basis WHEN 'level' THEN l.median WHEN 'national' THEN n.median
        END AS benchmark_usd,
        CASE WHEN in_region_currency THEN salary_annual_mid ELSE salary_usd_mid END AS region_value,
        CASE WHEN in_region_currency THEN region_min ELSE region_usd_min END AS region_floor,
        CASE WHEN in_region_currency THEN region_max ELSE region_usd_max END AS region_ceiling
    FROM based b
    LEFT JOIN benchmarks l ON l.kind = 'level' AND l.key = b.figure
    LEFT JOIN benchmarks n ON n.kind = 'national' AND n.key = 'US'
)
SELECT
    source, source_id, url, title, company, family, level, country, city, hub, workplace,
    salary_currency, salary_period, salary_annual_mid,
    salary_usd_annual_min, salary_usd_annual_max, salary_usd_mid,
    benchmark_basis, benchmark_label, benchmark_usd,
    round(100.0 * (salary_usd_mid - benchmark_usd) / benchmark_usd, 1) AS delta_pct,
    CASE WHEN benchmark_basis = 'region' THEN region_name END AS region,
    CASE WHEN benchmark_basis = 'region' THEN region_currency END AS region_currency,
    CASE WHEN benchmark_basis = 'region' THEN region_min END AS region_min,
    CASE WHEN benchmark_basis = 'region' THEN region_max END AS region_max,
    CASE WHEN benchmark_basis = 'region' THEN region_usd_min END AS region_usd_min,
    CASE WHEN benchmark_basis = 'region' THEN region_usd_max END AS region_usd_max,
    CASE
        WHEN benchmark_basis <> 'region' THEN NULL
        WHEN region_value < region_floor THEN 'below'
        WHEN region_value > region_ceiling THEN 'above'
        ELSE 'within'
    END AS region_position,
    reason AS no_comparison_reason,
    (SELECT w.label FROM benchmarks w WHERE w.kind = 'reason' AND w.key = reason)
        AS no_comparison,
    posted_at, first_seen, days_open
FROM compared;

-- The market's own benchmarks: the annual pay (midpoint, in the posted currency) of relevant
-- postings listed at any time in the last 90 days (last_seen), one per listing (cross-board
-- duplicates share a fingerprint), by role family x level x country, and x hub where a hub has
-- at least 3. Quartiles and median only from 3 postings on (`postings` always says how many).
-- Currencies are never pooled: a group holds one currency. warehouse/market.py reads the same
-- rows for the digests' percentiles.
CREATE OR REPLACE VIEW market_benchmarks AS
WITH listed AS (
    SELECT family, coalesce(level, '') AS level, upper(country) AS country, hub,
        upper(salary_currency) AS currency,
        (coalesce(salary_annual_min, salary_annual_max)
            + coalesce(salary_annual_max, salary_annual_min)) / 2 AS pay,
        (coalesce(salary_usd_annual_min, salary_usd_annual_max)
            + coalesce(salary_usd_annual_max, salary_usd_annual_min)) / 2 AS pay_usd
    FROM postings
    WHERE relevant AND family IS NOT NULL AND country IS NOT NULL
      AND salary_currency IS NOT NULL
      AND coalesce(salary_annual_min, salary_annual_max) > 0
      AND last_seen >= now() - INTERVAL 90 DAY
    QUALIFY row_number() OVER (
        PARTITION BY coalesce(fingerprint, source || '/' || source_id), coalesce(level, '')
        ORDER BY last_seen DESC, source, source_id) = 1
), grouped AS (
    SELECT 'country' AS scope, family, level, country, NULL::VARCHAR AS hub, currency,
        count(*) AS n, quantile_cont(pay, 0.25) AS p25, median(pay) AS p50,
        quantile_cont(pay, 0.75) AS p75, median(pay_usd) AS p50_usd
    FROM listed GROUP BY ALL
    UNION ALL
    SELECT 'hub', family, level, country, hub, currency,
        count(*), quantile_cont(pay, 0.25), median(pay), quantile_cont(pay, 0.75), median(pay_usd)
    FROM listed WHERE hub IS NOT NULL GROUP BY ALL HAVING count(*) >= 3
)
SELECT scope, family, nullif(level, '') AS level, country, hub, currency,
    n AS postings,
    CASE WHEN n >= 3 THEN p25 END AS pay_p25,
    CASE WHEN n >= 3 THEN p50 END AS pay_median,
    CASE WHEN n >= 3 THEN p75 END AS pay_p75,
    CASE WHEN n >= 3 THEN p50_usd END AS pay_median_usd,
    90 AS window_days
FROM grouped;
