-- Raw bodies are stored compressed: `body_encoding` says how `body` holds the bytes as fetched
-- ('zstd', or 'identity' for the rows stored before, which stay as they are).
ALTER TABLE raw_payloads ADD COLUMN body_encoding VARCHAR DEFAULT 'identity';
UPDATE raw_payloads SET body_encoding = 'identity';
