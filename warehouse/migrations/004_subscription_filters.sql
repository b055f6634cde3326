-- 004: richer subscription filters, "no news" mails, and delivery bookkeeping.

ALTER TABLE subscriptions ADD COLUMN families VARCHAR[] DEFAULT [];
ALTER TABLE subscriptions ADD COLUMN countries VARCHAR[] DEFAULT [];
ALTER TABLE subscriptions ADD COLUMN companies VARCHAR[] DEFAULT [];
ALTER TABLE subscriptions ADD COLUMN exclude_companies VARCHAR[] DEFAULT [];
ALTER TABLE subscriptions ADD COLUMN min_salary_amount DOUBLE;
ALTER TABLE subscriptions ADD COLUMN min_salary_currency VARCHAR;
ALTER TABLE subscriptions ADD COLUMN no_news BOOLEAN DEFAULT FALSE;
ALTER TABLE subscriptions ADD COLUMN updated_at TIMESTAMPTZ;
UPDATE subscriptions SET families = [], countries = [], companies = [], exclude_companies = [],
    no_news = FALSE, updated_at = created_at;

-- status: pending (recorded, not yet handed to a transport) | sending (handed over, outcome
-- unknown until recorded) | sent | retry (temporary failure) | failed (permanent) | cancelled
-- (the subscription stopped before it went out).
ALTER TABLE deliveries ADD COLUMN last_attempt_at TIMESTAMPTZ;
ALTER TABLE deliveries ADD COLUMN period VARCHAR;
