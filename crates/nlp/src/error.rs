//! The crate's error type.

use crate::model::Task;

/// Everything that can go wrong when configuring the enricher, loading a model or training one.
///
/// `Enricher::enrich` itself never fails: bad *input text* always produces a defined result.
#[derive(Debug, thiserror::Error)]
pub enum NlpError {
    /// A configuration value is out of range or inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A configured PII pattern is not a valid regular expression.
    #[error("invalid PII pattern {pattern:?}: {source}")]
    Pattern {
        pattern: String,
        #[source]
        source: Box<regex::Error>,
    },
    /// A per-brand rule is malformed.
    #[error("invalid rule: {0}")]
    Rule(String),
    /// A model trained for one task was offered where another task is needed.
    #[error("model was trained for task `{found}`, but a `{expected}` model is needed")]
    WrongTask { expected: Task, found: Task },
    /// A label that the task does not accept (for sentiment: negative, neutral, positive).
    #[error("{}invalid label {label:?} for task `{task}`{}", line.map(|l| format!("line {l}: ")).unwrap_or_default(), if allowed.is_empty() { String::new() } else { format!(" (allowed: {})", allowed.join(", ")) })]
    InvalidLabel {
        task: Task,
        label: String,
        line: Option<u64>,
        allowed: Vec<String>,
    },
    /// Training needs at least two distinct labels.
    #[error("training data has {found} distinct label(s) ({labels:?}); at least two are needed")]
    TooFewClasses { found: usize, labels: Vec<String> },
    /// No usable training or evaluation examples.
    #[error("no examples: {0}")]
    Empty(String),
    /// A CSV row or header problem.
    #[error("CSV error{}: {message}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Csv { line: Option<u64>, message: String },
    /// A required CSV column is missing from the header.
    #[error("CSV header has no column {column:?} (found: {found:?})")]
    MissingColumn { column: String, found: Vec<String> },
    /// Reading a file failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Bytes that are not a model of this crate (or of an incompatible format version).
    #[error("invalid model bytes: {0}")]
    ModelFormat(String),
    /// Training or evaluation options out of range.
    #[error("invalid options: {0}")]
    Options(String),
}
