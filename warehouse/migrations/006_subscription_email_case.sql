-- 006: one subscription per address and cadence, whatever the case of the address.
-- Saves now store addresses lower-cased. Older rows that differ only in case are merged: the
-- kept row is the active one updated last (ties: the lowest id); it takes the lower-cased
-- address and the others stop (active = FALSE). No row is deleted, so deliveries and
-- delivery_items keep pointing at the subscription they were sent for; the stopped rows'
-- waiting digests are cancelled by the next digest run. A stopped row that held the
-- lower-cased address takes the kept row's address as typed instead (UNIQUE (email, cadence)).

CREATE TEMP TABLE subscription_email_plan AS
SELECT
    id,
    email AS typed,
    lower(email) AS address,
    row_number() OVER same_address = 1 AS kept,
    first_value(email) OVER same_address AS kept_typed
FROM subscriptions
WINDOW same_address AS (
    PARTITION BY lower(email), cadence
    ORDER BY active DESC, coalesce(updated_at, created_at) DESC, id
);

UPDATE subscriptions AS s SET active = FALSE
FROM subscription_email_plan AS p
WHERE s.id = p.id AND NOT p.kept AND s.active;

-- Free the lower-cased address first (a placeholder with a space, never a valid address),
-- then move it.
UPDATE subscriptions AS s SET email = p.typed || ' #' || p.id
FROM subscription_email_plan AS p
WHERE s.id = p.id AND NOT p.kept AND p.typed = p.address;

UPDATE subscriptions AS s SET email = p.address
FROM subscription_email_plan AS p
WHERE s.id = p.id AND p.kept AND p.typed <> p.address;

UPDATE subscriptions AS s SET email = p.kept_typed
FROM subscription_email_plan AS p
WHERE s.id = p.id AND NOT p.kept AND p.typed = p.address;

DROP TABLE subscription_email_plan;
