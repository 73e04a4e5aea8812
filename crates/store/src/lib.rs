//! Earshot's persistence. The only crate that writes SQL.
//!
//! SQLite is the embedded default, PostgreSQL is chosen by a `postgres://`
//! URL. Both run the same SQL (`$n` placeholders, `ON CONFLICT`, integer
//! epoch-millisecond times), written once in [`backend`] and instantiated for
//! each database, so one contract test suite covers both.

mod backend;
mod cell_cache;
mod checkpoint;
pub mod event_log;
pub mod ingest;
mod migrations;
pub mod rows;
pub mod scratch;

use std::path::PathBuf;

pub use backend::{PgStore, SqliteStore, TableHealth};
pub use ingest::{IngestContext, IngestKeys, IngestPlan};
pub use rows::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://...")]
    BadUrl(String),
    #[error("could not create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("a change to {0} came without an event recording it")]
    Unrecorded(String),
    #[error("background task failed: {0}")]
    Task(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::BadUrl(url.to_string()))
        }
    }
}

/// A store on either database, chosen from the URL.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Calls the same method on whichever backend this store is.
macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Store::Sqlite($s) => $call,
            Store::Postgres($s) => $call,
        }
    };
}

impl Store {
    /// Opens (creating if needed) the database and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self> {
        let store = match Backend::from_url(url)? {
            Backend::Sqlite => Store::Sqlite(SqliteStore::connect(url).await?),
            Backend::Postgres => Store::Postgres(PgStore::connect(url).await?),
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        dispatch!(self, s => s.migrate().await)
    }

    /// Runs one ingest batch in one write transaction: loads what the keys
    /// name, lets `plan` decide, and writes the plan with its events.
    pub async fn ingest<T>(
        &self,
        keys: &IngestKeys,
        plan: impl FnOnce(IngestContext) -> (IngestPlan, T),
    ) -> Result<T> {
        dispatch!(self, s => s.ingest(keys, plan).await)
    }

    /// Loads the context for `keys` on a read connection, outside the write
    /// lock, for a plan made ahead and checked by [`Store::ingest_planned`].
    pub async fn read_context(&self, keys: &IngestKeys) -> Result<IngestContext> {
        dispatch!(self, s => s.read_context(keys).await)
    }

    /// Like [`Store::ingest`], with a plan possibly made in advance: it is
    /// written when the event chain's head is still the one it assumed, and
    /// otherwise the batch is planned again inside the transaction. `fixed`
    /// hears the chain head this batch leaves once its plan is final, before
    /// its rows are written.
    pub async fn ingest_planned<T>(
        &self,
        keys: &IngestKeys,
        premade: Option<ingest::Premade<T>>,
        plan: impl FnOnce(IngestContext) -> (IngestPlan, T),
        fixed: impl FnOnce(i64, &mut T),
    ) -> Result<T> {
        dispatch!(self, s => s.ingest_planned(keys, premade, plan, fixed).await)
    }

    /// Loads a conversation (and the one it repeats, if any), lets `change`
    /// mutate it, and stores the result with the events and rollup deltas
    /// `change` returns, in one transaction.
    pub async fn update_conversation<E>(
        &self,
        id: domain::ConversationId,
        change: impl FnOnce(
            &mut domain::Conversation,
            Option<&domain::Conversation>,
        ) -> std::result::Result<ConversationChange, E>,
    ) -> Result<std::result::Result<domain::Conversation, E>> {
        dispatch!(self, s => s.update_conversation(id, change).await)
    }

    pub async fn get_conversation(
        &self,
        id: domain::ConversationId,
    ) -> Result<Option<ConversationDetail>> {
        dispatch!(self, s => s.get_conversation(id).await)
    }

    pub async fn list_conversations(
        &self,
        filter: &ConversationFilter,
    ) -> Result<Vec<ConversationSummary>> {
        dispatch!(self, s => s.list_conversations(filter).await)
    }

    /// Timelines of the conversations whose first customer message falls in
    /// `[from_ms, to_ms)`, optionally on one channel.
    pub async fn timelines(
        &self,
        from_ms: i64,
        to_ms: i64,
        channel: Option<domain::Channel>,
    ) -> Result<Vec<domain::metrics::Timeline>> {
        dispatch!(self, s => s.timelines(from_ms, to_ms, channel).await)
    }

    /// Inbound message counts in `[from_ms, to_ms)` grouped by `dimension`.
    pub async fn volume(
        &self,
        from_ms: i64,
        to_ms: i64,
        dimension: VolumeDimension,
    ) -> Result<domain::metrics::Volume> {
        dispatch!(self, s => s.volume(from_ms, to_ms, dimension).await)
    }

    pub async fn tag_customer(
        &self,
        id: domain::CustomerId,
        tag: &str,
        actor: &str,
    ) -> Result<Vec<String>> {
        dispatch!(self, s => s.tag_customer(id, tag, actor).await)
    }

    /// Moves every identity and conversation of `from` to `into` and marks
    /// `from` as merged.
    pub async fn merge_customers(
        &self,
        into: domain::CustomerId,
        from: domain::CustomerId,
        actor: &str,
    ) -> Result<()> {
        dispatch!(self, s => s.merge_customers(into, from, actor).await)
    }

    pub async fn get_customer(&self, id: domain::CustomerId) -> Result<Option<CustomerDetail>> {
        dispatch!(self, s => s.get_customer(id).await)
    }

    pub async fn events(&self, after_seq: i64, limit: i64) -> Result<Vec<EventRow>> {
        dispatch!(self, s => s.events(after_seq, limit).await)
    }

    /// Re-computes the hash chain of the whole log; the first broken link is an error.
    pub async fn verify_event_chain(&self) -> Result<u64> {
        dispatch!(self, s => s.verify_event_chain().await)
    }

    pub async fn counts(&self) -> Result<Counts> {
        dispatch!(self, s => s.counts().await)
    }

    /// Writes message rows straight into the messages table in large
    /// transactions, with no threading or events: the storage limit that the
    /// ingest benchmark compares against.
    pub async fn messages_page(
        &self,
        after: Option<domain::MessageId>,
        limit: i64,
    ) -> Result<Vec<MessageRow>> {
        dispatch!(self, s => s.messages_page(after, limit).await)
    }

    pub async fn raw_insert_referenced(
        &self,
        customers: &[ingest::NewCustomer],
        conversations: &[domain::Conversation],
    ) -> Result<()> {
        dispatch!(self, s => s.raw_insert_referenced(customers, conversations).await)
    }

    pub async fn raw_insert_messages(&self, rows: &[MessageRow]) -> Result<()> {
        dispatch!(self, s => s.raw_insert_messages(rows).await)
    }

    pub async fn save_model(&self, row: &ModelRow, actor: &str) -> Result<()> {
        dispatch!(self, s => s.save_model(row, actor).await)
    }

    /// The newest model of each (brand, task).
    pub async fn latest_models(&self) -> Result<Vec<ModelRow>> {
        dispatch!(self, s => s.latest_models().await)
    }

    /// Replaces a brand's NLP override rules (audited).
    pub async fn set_rules(
        &self,
        brand: &str,
        rules: &serde_json::Value,
        actor: &str,
    ) -> Result<()> {
        dispatch!(self, s => s.set_rules(brand, rules, actor).await)
    }

    pub async fn all_rules(&self) -> Result<Vec<(String, serde_json::Value)>> {
        dispatch!(self, s => s.all_rules().await)
    }

    /// Replaces a message's stored text with its redacted form (audited).
    pub async fn redact_message(
        &self,
        message: domain::MessageId,
        redacted: &str,
        actor: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        dispatch!(self, s => s.redact_message(message, redacted, actor, detail).await)
    }

    pub async fn message_text(&self, message: domain::MessageId) -> Result<Option<String>> {
        dispatch!(self, s => s.message_text(message).await)
    }

    /// Stores an agent's sentiment correction of a message (audited).
    pub async fn correct_sentiment(
        &self,
        message: domain::MessageId,
        label: &str,
        actor: &str,
    ) -> Result<()> {
        dispatch!(self, s => s.correct_sentiment(message, label, actor).await)
    }

    /// Corrections joined with their message texts, as training examples.
    pub async fn corrections(&self) -> Result<Vec<CorrectionRow>> {
        dispatch!(self, s => s.corrections().await)
    }

    /// Stored rollup cells of one grain and dimension in `[from_ms, to_ms)`, each handed to
    /// `f` as it is read, with only the `sketches` decoded (for queries: such cells must not
    /// be written back).
    pub async fn for_each_cell<F>(
        &self,
        grain: analytics::rollup::Grain,
        dim: analytics::rollup::Dim,
        from_ms: i64,
        to_ms: i64,
        sketches: analytics::SketchSet,
        f: F,
    ) -> Result<()>
    where
        F: FnMut(analytics::rollup::CellKey, analytics::Cell) + Send,
    {
        dispatch!(self, s => s.for_each_cell(grain, dim, from_ms, to_ms, sketches, f).await)
    }

    /// Conversations in id order after `after` (full scans in pages).
    pub async fn conversations_page(
        &self,
        after: Option<domain::ConversationId>,
        limit: i64,
    ) -> Result<Vec<domain::Conversation>> {
        dispatch!(self, s => s.conversations_page(after, limit).await)
    }

    pub async fn conversations_by_ids(
        &self,
        ids: &[domain::ConversationId],
    ) -> Result<Vec<domain::Conversation>> {
        dispatch!(self, s => s.conversations_by_ids(ids).await)
    }

    /// Customer messages with their signals, in id order after `after`.
    pub async fn inbound_page(
        &self,
        after: Option<domain::MessageId>,
        limit: i64,
    ) -> Result<Vec<InboundSignal>> {
        dispatch!(self, s => s.inbound_page(after, limit).await)
    }

    /// Survey answers with their conversation, in id order after `after`.
    pub async fn surveys_page(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(domain::ConversationId, domain::record::SurveyAnswer)>> {
        dispatch!(self, s => s.surveys_page(after, limit).await)
    }

    /// Stores findings; returns the ids of newly raised insights.
    pub async fn upsert_insights(&self, found: &[NewInsight], actor: &str) -> Result<Vec<String>> {
        dispatch!(self, s => s.upsert_insights(found, actor).await)
    }

    pub async fn list_insights(&self, f: &InsightFilter) -> Result<Vec<InsightRow>> {
        dispatch!(self, s => s.list_insights(f).await)
    }

    pub async fn get_insight(&self, id: &str) -> Result<Option<InsightRow>> {
        dispatch!(self, s => s.get_insight(id).await)
    }

    /// Moves an insight to `to` when `check(current status)` allows it (audited).
    pub async fn set_insight_status<E>(
        &self,
        id: &str,
        to: &str,
        actor: &str,
        note: Option<&str>,
        check: impl FnOnce(&str) -> std::result::Result<(), E>,
    ) -> Result<std::result::Result<(), E>> {
        dispatch!(self, s => s.set_insight_status(id, to, actor, note, check).await)
    }

    pub async fn due_webhooks(&self, now_ms: i64, limit: i64) -> Result<Vec<OutboxRow>> {
        dispatch!(self, s => s.due_webhooks(now_ms, limit).await)
    }

    pub async fn webhook_attempted(
        &self,
        id: &str,
        delivered_ms: Option<i64>,
        next_attempt_ms: i64,
        error: Option<&str>,
    ) -> Result<()> {
        dispatch!(self, s => s.webhook_attempted(id, delivered_ms, next_attempt_ms, error).await)
    }

    pub async fn changes(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<domain::record::ChangeEntry>> {
        dispatch!(self, s => s.changes(from_ms, to_ms).await)
    }

    /// Feedback texts and survey comments, with their times.
    pub async fn comments(&self, from_ms: i64, to_ms: i64) -> Result<Vec<(i64, String)>> {
        dispatch!(self, s => s.comments(from_ms, to_ms).await)
    }

    /// Replaces every rollup cell (a rebuild), audited.
    pub async fn replace_cells(
        &self,
        cells: &[(analytics::rollup::CellKey, analytics::Cell)],
        actor: &str,
    ) -> Result<()> {
        dispatch!(self, s => s.replace_cells(cells, actor).await)
    }

    /// After a bulk write (import, rebuild): clears dead row versions and refreshes the
    /// planner's statistics where the backend needs it (PostgreSQL), so that reads do not
    /// wait for autovacuum. `Some` with the rollup table's state on PostgreSQL.
    pub async fn tidy(&self) -> Result<Option<TableHealth>> {
        dispatch!(self, s => s.tidy().await)
    }

    /// The rollup table's pages as PostgreSQL last recorded them (`None` on SQLite).
    pub async fn table_health(&self) -> Result<Option<TableHealth>> {
        dispatch!(self, s => s.table_health().await)
    }

    pub async fn close(&self) {
        dispatch!(self, s => s.close().await)
    }
}
