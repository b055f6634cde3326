-- 010: operator alerts. One row per episode of a problem (a source failing 3 runs in a row, a
-- digest batch stopped by the SMTP server, a run aborted or left unfinished): when it opened,
-- when it was resolved, and when the operator was told of each.

CREATE TABLE operator_alerts (
    alert_key            VARCHAR NOT NULL,   -- source:<name> | digest:<cadence> | run:<flow>
    opened_at            TIMESTAMPTZ NOT NULL,
    summary              VARCHAR NOT NULL,
    detail               VARCHAR,
    resolved_at          TIMESTAMPTZ,
    open_notified_at     TIMESTAMPTZ,
    resolve_notified_at  TIMESTAMPTZ,
    PRIMARY KEY (alert_key, opened_at)
);
