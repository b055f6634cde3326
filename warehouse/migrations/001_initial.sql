-- 001: the first schema of the ClinOps Job Alerts warehouse.

CREATE SEQUENCE IF NOT EXISTS raw_payload_ids START 1;

CREATE TABLE raw_payloads (
    id            BIGINT PRIMARY KEY DEFAULT nextval('raw_payload_ids'),
    source        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    status        INTEGER NOT NULL,
    content_type  VARCHAR,
    content_hash  VARCHAR NOT NULL,
    body          BLOB NOT NULL,
    UNIQUE (source, url, content_hash)
);

CREATE TABLE parse_errors (
    raw_id      BIGINT NOT NULL,
    source      VARCHAR NOT NULL,
    item_id     VARCHAR,
    message     VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE postings (
    source                VARCHAR NOT NULL,
    source_id             VARCHAR NOT NULL,
    url                   VARCHAR,
    title                 VARCHAR NOT NULL,
    company               VARCHAR,
    location_text         VARCHAR,
    locations             STRUCT(city VARCHAR, region VARCHAR, country VARCHAR, hub VARCHAR)[],
    city                  VARCHAR,
    region                VARCHAR,
    country               VARCHAR,
    hub                   VARCHAR,
    workplace             VARCHAR NOT NULL,
    workplace_basis       VARCHAR NOT NULL,
    remote_scope          VARCHAR,
    salary_min            DOUBLE,
    salary_max            DOUBLE,
    salary_currency       VARCHAR,
    salary_period         VARCHAR,
    salary_annual_min     DOUBLE,
    salary_annual_max     DOUBLE,
    salary_usd_annual_min DOUBLE,
    salary_usd_annual_max DOUBLE,
    salary_text           VARCHAR,
    salary_basis          VARCHAR NOT NULL,
    relevant              BOOLEAN NOT NULL,
    family                VARCHAR,
    level                 VARCHAR,
    department            VARCHAR,
    employment_type       VARCHAR,
    posted_at             TIMESTAMPTZ,
    description           VARCHAR,
    fingerprint           VARCHAR,
    raw_id                BIGINT,
    first_seen            TIMESTAMPTZ NOT NULL,
    last_seen             TIMESTAMPTZ NOT NULL,
    closed_at             TIMESTAMPTZ,
    PRIMARY KEY (source, source_id)
);

CREATE TABLE benchmarks (
    kind        VARCHAR NOT NULL,   -- national | level | region | outlook | hub
    key         VARCHAR NOT NULL,
    label       VARCHAR,
    currency    VARCHAR,
    low         DOUBLE,
    median      DOUBLE,
    average     DOUBLE,
    high        DOUBLE,
    usd_low     DOUBLE,
    usd_high    DOUBLE,
    years       VARCHAR,
    note        VARCHAR,
    source      VARCHAR,
    version     VARCHAR,
    PRIMARY KEY (kind, key)
);

CREATE SEQUENCE IF NOT EXISTS subscription_ids START 1;

CREATE TABLE subscriptions (
    id                BIGINT PRIMARY KEY DEFAULT nextval('subscription_ids'),
    email             VARCHAR NOT NULL,
    cadence           VARCHAR NOT NULL,
    keywords          VARCHAR[] NOT NULL,
    levels            VARCHAR[] NOT NULL,
    workplaces        VARCHAR[] NOT NULL,
    locations         VARCHAR[] NOT NULL,
    min_salary_usd    DOUBLE,
    include_no_salary BOOLEAN NOT NULL,
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    created_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (email, cadence)
);

CREATE TABLE deliveries (
    message_id      VARCHAR PRIMARY KEY,
    subscription_id BIGINT NOT NULL,
    cadence         VARCHAR NOT NULL,
    recipient       VARCHAR NOT NULL,
    subject         VARCHAR,
    status          VARCHAR NOT NULL,  -- pending | sent | retry | failed
    transport       VARCHAR,
    message         BLOB,
    error           VARCHAR,
    attempts        INTEGER NOT NULL DEFAULT 0,
    posting_count   INTEGER NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);

CREATE TABLE delivery_items (
    message_id      VARCHAR NOT NULL,
    subscription_id BIGINT NOT NULL,
    source          VARCHAR NOT NULL,
    source_id       VARCHAR NOT NULL,
    PRIMARY KEY (subscription_id, source, source_id)
);

CREATE TABLE runs (
    run_id      VARCHAR PRIMARY KEY,
    flow        VARCHAR NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      VARCHAR NOT NULL,
    summary     JSON
);

CREATE TABLE source_runs (
    run_id        VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ NOT NULL,
    status        VARCHAR NOT NULL,  -- ok | failed
    error         VARCHAR,
    url           VARCHAR,
    http_status   INTEGER,
    payloads      INTEGER NOT NULL DEFAULT 0,
    postings      INTEGER NOT NULL DEFAULT 0,
    relevant      INTEGER NOT NULL DEFAULT 0,
    new_postings  INTEGER NOT NULL DEFAULT 0,
    parse_errors  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, source)
);
