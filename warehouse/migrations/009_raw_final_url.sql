-- Where a stored body really came from when the server redirected (redacted).
-- `url` stays the URL asked for: payloads are keyed and re-parsed by it.
ALTER TABLE raw_payloads ADD COLUMN final_url VARCHAR;

-- Credentials stored before redaction covered every key (the Muse api_key was not masked):
-- mask secret-named query parameters in stored URLs, errors and run summaries. Two payloads
-- whose URLs differed only by their key keep distinct URLs (the later gets '#<id>').
CREATE OR REPLACE TEMP MACRO masked(t) AS regexp_replace(
    t,
    '((^|[?&;\s])(api[_-]?key|apikey|app[_-]?id|app[_-]?key|access[_-]?token|token|secret|client[_-]?secret|password|passwd|key|sig|signature|auth)=)[^&#\s"'']*',
    '\1REDACTED',
    'gi'
);

UPDATE raw_payloads SET url = masked(url) || CASE WHEN EXISTS (
    SELECT 1 FROM raw_payloads o
    WHERE o.source = raw_payloads.source AND o.content_hash = raw_payloads.content_hash
      AND o.id < raw_payloads.id AND masked(o.url) = masked(raw_payloads.url)
) THEN '#' || raw_payloads.id ELSE '' END
WHERE masked(url) <> url;

UPDATE source_runs SET url = masked(url), error = masked(error)
WHERE masked(url) <> url OR masked(error) <> error;

UPDATE runs SET summary = masked(summary) WHERE masked(summary) <> summary;

DROP MACRO masked;
