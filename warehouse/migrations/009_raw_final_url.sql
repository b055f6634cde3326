-- Where a stored body really came from when the server redirected (same host only; redacted).
-- `url` stays the URL asked for: payloads are keyed and re-parsed by it.
ALTER TABLE raw_payloads ADD COLUMN final_url VARCHAR;
