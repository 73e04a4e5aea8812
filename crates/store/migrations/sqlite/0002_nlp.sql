-- Calibrated NLP models and override rules per brand ('*' = every brand),
-- and agents' sentiment corrections (training labels).
CREATE TABLE nlp_models (
    id BLOB PRIMARY KEY,
    brand TEXT NOT NULL,
    task TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    trained_on INTEGER NOT NULL,
    model BLOB NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX nlp_models_brand_task ON nlp_models(brand, task, created_ms);

CREATE TABLE nlp_rules (
    brand TEXT PRIMARY KEY,
    rules TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
);

CREATE TABLE sentiment_corrections (
    message_id BLOB PRIMARY KEY REFERENCES messages(id),
    label TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
