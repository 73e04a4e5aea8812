-- Insights raised by the detectors, their status history, and the outbox of
-- signed webhooks (written in the same transaction as what they announce,
-- delivered with retries by a background task).
CREATE TABLE insights (
    id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    owner_team TEXT NOT NULL,
    severity DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL,
    scope TEXT NOT NULL,
    window_start_ms BIGINT NOT NULL,
    window_end_ms BIGINT NOT NULL,
    detected_ms BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX insights_status ON insights(status, owner_team, created_ms);

CREATE TABLE insight_history (
    insight_id TEXT NOT NULL REFERENCES insights(id),
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
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
    created_ms BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    delivered_ms BIGINT,
    last_error TEXT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(delivered_ms, next_attempt_ms);
