-- Core schema (PostgreSQL). Times are epoch milliseconds (UTC) in BIGINT
-- columns so that the same SQL works on SQLite and PostgreSQL and time
-- bucketing is plain integer arithmetic.
CREATE TABLE customers (
    id UUID PRIMARY KEY,
    display_name TEXT,
    crm_id TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    merged_into UUID REFERENCES customers(id),
    created_ms BIGINT NOT NULL
);

CREATE TABLE identities (
    channel TEXT NOT NULL,
    external_user_id TEXT NOT NULL,
    customer_id UUID NOT NULL REFERENCES customers(id),
    handle TEXT,
    display_name TEXT,
    followers BIGINT,
    PRIMARY KEY (channel, external_user_id)
);
CREATE INDEX identities_customer ON identities(customer_id);

CREATE TABLE conversations (
    id UUID PRIMARY KEY,
    customer_id UUID NOT NULL REFERENCES customers(id),
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    queue TEXT NOT NULL,
    assignee TEXT,
    escalation_tier TEXT,
    topic TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    sentiment_first DOUBLE PRECISION,
    sentiment_last DOUBLE PRECISION,
    repeat_of UUID REFERENCES conversations(id),
    first_inbound_ms BIGINT NOT NULL,
    first_response_ms BIGINT,
    resolved_ms BIGINT,
    last_message_ms BIGINT NOT NULL,
    inbound_count BIGINT NOT NULL,
    outbound_count BIGINT NOT NULL
);
CREATE INDEX conversations_customer ON conversations(customer_id, first_inbound_ms);
CREATE INDEX conversations_first_inbound ON conversations(first_inbound_ms);
CREATE INDEX conversations_last_message ON conversations(last_message_ms);

CREATE TABLE messages (
    id UUID PRIMARY KEY,
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    conversation_id UUID REFERENCES conversations(id),
    customer_id UUID REFERENCES customers(id),
    direction TEXT NOT NULL,
    visibility TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_handle TEXT,
    author_name TEXT,
    author_followers BIGINT,
    brand_account TEXT,
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    in_reply_to TEXT,
    language TEXT,
    language_confidence DOUBLE PRECISION,
    sentiment TEXT,
    sentiment_score DOUBLE PRECISION,
    sentiment_confidence DOUBLE PRECISION,
    topic TEXT,
    topic_confidence DOUBLE PRECISION,
    influence DOUBLE PRECISION,
    sent_by TEXT,
    UNIQUE (channel, external_id)
);
CREATE INDEX messages_conversation ON messages(conversation_id, created_ms);
CREATE INDEX messages_created ON messages(created_ms);

CREATE TABLE notes (
    id UUID PRIMARY KEY,
    conversation_id UUID NOT NULL REFERENCES conversations(id),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX notes_conversation ON notes(conversation_id, created_ms);

-- Imported lifecycle records, kept by their source id so re-import is a no-op.
CREATE TABLE lifecycle_records (
    id TEXT PRIMARY KEY,
    conversation_id UUID NOT NULL REFERENCES conversations(id),
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);

CREATE TABLE surveys (
    id TEXT PRIMARY KEY,
    conversation_id UUID NOT NULL REFERENCES conversations(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    kind TEXT NOT NULL,
    score BIGINT NOT NULL,
    comment TEXT,
    at_ms BIGINT NOT NULL
);
CREATE INDEX surveys_at ON surveys(at_ms);

CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    author_id TEXT NOT NULL,
    body TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX feedback_at ON feedback(at_ms);

CREATE TABLE changes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    owner_team TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX changes_at ON changes(at_ms);

-- The append-only event log: the audit trail. Each row's hash covers the
-- previous row's hash, so any edit or deletion breaks the chain.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX events_subject ON events(subject_type, subject_id, seq);
