-- Insights raised by the detectors, their status history, and the outbox of
-- signed webhooks (written in the same transaction as what they announce,
-- delivered with retries by a background task).
CREATE TABLE insights (
    id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    owner_team TEXT NOT NULL,
    severity REAL NOT NULL,
    status TEXT NOT NULL,
    scope TEXT NOT NULL,
    window_start_ms INTEGER NOT NULL,
    window_end_ms INTEGER NOT NULL,
    detected_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX insights_status ON insights(status, owner_team, created_ms);

CREATE TABLE insight_history (
    insight_id TEXT NOT NULL REFERENCES insights(id),
    seq INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (insight_id, seq)
);

CREATE TABLE webhook_outbox (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    delivered_ms INTEGER,
    last_error TEXT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(delivered_ms, next_attempt_ms);
