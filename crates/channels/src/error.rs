//! What is wrong with one record, and where in the input it was.

use domain::message::ValidationError;

/// Why one record (a JSON line, an HTTP batch item or a CSV row) was
/// rejected. Every variant names the field or column at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The text is not JSON; `line`/`column` are serde's position inside the
    /// record's own text (1-based).
    #[error("malformed JSON at line {line}, column {column}: {message}")]
    MalformedJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// The JSON is valid but not an object.
    #[error("a record must be a JSON object, found {found}")]
    NotAnObject { found: &'static str },
    #[error("missing required field '{field}'")]
    MissingField { field: String },
    #[error("unknown field '{field}' in a '{record_type}' record (allowed: {allowed})")]
    UnknownField {
        field: String,
        record_type: String,
        allowed: String,
    },
    #[error("unknown record type '{value}' (expected one of: {expected})")]
    UnknownType {
        value: String,
        expected: &'static str,
    },
    /// A value outside a fixed set (channel, direction, visibility, kind...).
    #[error("field '{field}' has unknown value '{value}' (expected one of: {expected})")]
    UnknownValue {
        field: String,
        value: String,
        expected: &'static str,
    },
    #[error("field '{field}' must be {expected}, found {found}")]
    WrongType {
        field: String,
        expected: &'static str,
        found: String,
    },
    #[error("field '{field}' is not a valid timestamp: '{value}' (expected {expected})")]
    InvalidTimestamp {
        field: String,
        value: String,
        expected: &'static str,
    },
    #[error("field '{field}' is {len} bytes, over the limit of {limit}")]
    TooLong {
        field: String,
        len: usize,
        limit: usize,
    },
    #[error("field '{field}' is {value}, outside {min}..={max} for a {kind} answer")]
    ScoreOutOfRange {
        field: String,
        kind: &'static str,
        value: String,
        min: u8,
        max: u8,
    },
    #[error("field '{field}' is invalid: {reason}")]
    InvalidValue { field: String, reason: String },
    /// The bytes of a line or a CSV field are not UTF-8.
    #[error("{field} is not valid UTF-8 (invalid byte at offset {valid_up_to})")]
    InvalidUtf8 { field: String, valid_up_to: usize },
    /// A line longer than the reader accepts; the rest of it was skipped.
    #[error("line is longer than the limit of {limit} bytes")]
    LineTooLong { limit: usize },
    /// A CSV-level problem (missing header column, wrong field count...).
    #[error("CSV: {0}")]
    Csv(String),
    /// The same record id appeared earlier in the same input.
    #[error("duplicate {field} '{value}' (first seen at line {first_line})")]
    Duplicate {
        field: &'static str,
        value: String,
        first_line: usize,
    },
    /// Reading the input failed; reading stops after this error.
    #[error("read error: {0}")]
    Io(String),
    /// The record parsed but breaks a domain rule.
    #[error("invalid record: {0}")]
    Invalid(#[from] ValidationError),
}

impl RecordError {
    pub(crate) fn missing(field: impl Into<String>) -> Self {
        RecordError::MissingField {
            field: field.into(),
        }
    }

    pub(crate) fn wrong_type(
        field: impl Into<String>,
        expected: &'static str,
        found: &serde_json::Value,
    ) -> Self {
        RecordError::WrongType {
            field: field.into(),
            expected,
            found: describe(found),
        }
    }
}

/// A short description of a JSON value for error messages: its type, and
/// the value itself when it is short.
pub(crate) fn describe(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => {
            let shown: String = s.chars().take(40).collect();
            if shown.len() < s.len() {
                format!("string \"{shown}…\"")
            } else {
                format!("string \"{shown}\"")
            }
        }
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A rejected record and where it was in the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {error}")]
pub struct LineError {
    /// 1-based line number (for CSV: the line the row starts on).
    pub line: usize,
    pub error: RecordError,
}
