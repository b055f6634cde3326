-- 003: posting lifecycle and history, cross-board duplicates, skills, richer views.

ALTER TABLE raw_payloads ADD COLUMN parsed_at TIMESTAMPTZ;
ALTER TABLE raw_payloads ADD COLUMN etag VARCHAR;
ALTER TABLE raw_payloads ADD COLUMN last_modified VARCHAR;
UPDATE raw_payloads SET parsed_at = fetched_at;

ALTER TABLE postings ADD COLUMN requisition_id VARCHAR;
ALTER TABLE postings ADD COLUMN reposts INTEGER DEFAULT 0;
UPDATE postings SET reposts = 0;

CREATE TABLE posting_history (
    source      VARCHAR NOT NULL,
    source_id   VARCHAR NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL,
    field       VARCHAR NOT NULL,
    old_value   VARCHAR,
    new_value   VARCHAR,
    cause       VARCHAR NOT NULL   -- ingest | reparse
);

-- The guide's skills and tools (Skills & Qualifications, Tools & Technologies, Market Trends),
-- with a case-insensitive RE2 pattern each.
CREATE TABLE skills (
    skill    VARCHAR PRIMARY KEY,
    category VARCHAR NOT NULL,
    pattern  VARCHAR NOT NULL
);
INSERT INTO skills VALUES
    ('GCP / ICH', 'regulation', '(?i)\bGCP\b|good clinical practice|\bICH\b'),
    ('CTMS', 'system', '(?i)\bCTMS\b|clinical trial management system'),
    ('EDC', 'system', '(?i)\bEDC\b|electronic data capture'),
    ('Veeva', 'system', '(?i)\bveeva\b'),
    ('Medidata', 'system', '(?i)\bmedidata\b|\brave\b'),
    ('RBQM', 'method', '(?i)\bRBQM\b|risk[- ]based (quality|monitoring)'),
    ('Decentralised trials', 'method', '(?i)decentrali[sz]ed (clinical )?trials?|\bDCTs?\b'),
    ('PMP', 'certification', '(?i)\bPMP\b|project management professional'),
    ('CCRP / ACRP / SoCRA', 'certification', '(?i)\bCCRP\b|\bACRP\b|\bSoCRA\b|\bCCRA\b|\bCCRC\b'),
    ('Budget management', 'skill', '(?i)budget'),
    ('Vendor / CRO oversight', 'skill', '(?i)vendor (management|oversight)|CRO oversight'),
    ('Oncology', 'therapeutic area', '(?i)oncology');

CREATE OR REPLACE VIEW current_postings AS
SELECT *, date_diff('day', first_seen, coalesce(closed_at, now())) AS days_open
FROM postings
WHERE closed_at IS NULL AND relevant;

-- Each relevant posting with the canonical job it belongs to. Listings share a canonical job
-- when their fingerprints (normalised company, title, place) and levels match, unless they
-- carry different requisition ids: then only listings with the same id are merged, and
-- listings without one stay apart (when in doubt, keep them apart).
CREATE OR REPLACE VIEW job_listings AS
WITH grouped AS (
    SELECT p.*,
        count(DISTINCT requisition_id) OVER (PARTITION BY fingerprint, coalesce(level, '-'))
            AS requisition_ids
    FROM postings p
    WHERE relevant
)
SELECT
    CASE
        WHEN requisition_ids <= 1 THEN fingerprint || ':' || coalesce(level, '-')
        WHEN requisition_id IS NOT NULL
            THEN fingerprint || ':' || coalesce(level, '-') || ':' || requisition_id
        ELSE source || ':' || source_id
    END AS job_id,
    * EXCLUDE (requisition_ids)
FROM grouped;

CREATE OR REPLACE VIEW canonical_jobs AS
SELECT
    job_id,
    arg_min(title, first_seen) AS title,
    arg_min(company, first_seen) AS company,
    arg_min(location_text, first_seen) AS location_text,
    any_value(level) AS level,
    any_value(country) AS country,
    any_value(hub) AS hub,
    count(*) AS listings,
    list(source || ':' || source_id ORDER BY first_seen) AS listing_keys,
    list(DISTINCT source) AS sources,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen,
    CASE WHEN bool_and(closed_at IS NOT NULL) THEN max(closed_at) END AS closed_at,
    sum(reposts) AS reposts,
    max(salary_usd_annual_min) AS salary_usd_annual_min,
    max(salary_usd_annual_max) AS salary_usd_annual_max,
    bool_or(workplace = 'remote') AS remote
FROM job_listings
GROUP BY job_id;

-- Salary vs the guide: the level's US median inside the US (or where no region applies),
-- the region's USD range midpoint elsewhere; delta in percent of the benchmark.
CREATE OR REPLACE VIEW postings_vs_benchmark AS
WITH priced AS (
    SELECT p.*, (p.salary_usd_annual_min + p.salary_usd_annual_max) / 2 AS salary_usd_mid
    FROM current_postings p
    WHERE p.salary_usd_annual_min IS NOT NULL
), referenced AS (
    SELECT p.*,
        CASE WHEN r.key IS NOT NULL THEN 'region' WHEN b.key IS NOT NULL THEN 'level'
             ELSE 'national' END AS benchmark_basis,
        coalesce(r.label, b.label, n.label) AS benchmark_label,
        coalesce((r.usd_low + r.usd_high) / 2, b.median, n.median) AS benchmark_usd
    FROM priced p
    LEFT JOIN benchmarks r ON r.kind = 'region' AND coalesce(p.country, 'US') <> 'US'
        AND list_contains(string_split(r.note, ','), p.country)
    LEFT JOIN benchmarks b ON b.kind = 'level' AND b.key = p.level
    LEFT JOIN benchmarks n ON n.kind = 'national' AND n.key = 'US'
)
SELECT
    source, source_id, title, company, level, country, hub, workplace,
    salary_usd_annual_min, salary_usd_annual_max, salary_usd_mid,
    benchmark_basis, benchmark_label, benchmark_usd,
    round(100.0 * (salary_usd_mid - benchmark_usd) / benchmark_usd, 1) AS delta_pct
FROM referenced;

CREATE OR REPLACE VIEW salary_transparency AS
SELECT
    date_trunc('week', first_seen) AS week,
    source,
    count(*) AS postings,
    count(salary_usd_annual_min) AS with_salary,
    round(100.0 * count(salary_usd_annual_min) / count(*), 1) AS transparency_pct
FROM postings
WHERE relevant
GROUP BY ALL;

CREATE OR REPLACE VIEW skills_demand AS
SELECT
    s.skill, s.category,
    count(p.source_id) AS postings,
    round(100.0 * count(p.source_id) / nullif((SELECT count(*) FROM current_postings), 0), 1)
        AS share_pct
FROM skills s
LEFT JOIN current_postings p ON regexp_matches(coalesce(p.description, ''), s.pattern)
GROUP BY ALL;

ALTER TABLE source_runs ADD COLUMN unchanged_payloads INTEGER DEFAULT 0;
