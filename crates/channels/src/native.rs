//! Earshot's native import format: JSON Lines, one flat record per line,
//! told apart by `"type"`. The same objects are the items of an HTTP ingest
//! batch ([`parse_value`]). The format is documented for humans in
//! `docs/import-format.md` and as a JSON Schema in
//! `docs/import-format.schema.json`.
//!
//! Parsing is strict: unknown fields are rejected (a typo must not silently
//! drop data), every error names the field, and every record is checked with
//! [`Record::validate`] before it is returned.

use crate::error::{LineError, RecordError};
use domain::channel::{Channel, Direction, Visibility};
use domain::conversation::LifecycleAction;
use domain::message::{Author, InboundMessage, MAX_ID_BYTES, MAX_TEXT_BYTES};
use domain::record::{
    ChangeEntry, ChangeKind, Feedback, LifecycleEvent, Record, SurveyAnswer, SurveyKind,
};
use serde::Serialize;
use serde_json::{Map, Value};
use std::io::{self, BufRead};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Every accepted value of `"type"`.
pub const RECORD_TYPES: &str = "message, resolve, reopen, escalate, csat, nps, feedback, change";
/// Longest accepted title of a `change` record, in bytes.
pub const MAX_TITLE_BYTES: usize = 1024;
/// Longest line [`read_jsonl`] accepts, in bytes. A message at the text limit
/// fits even when every character is written as a `\uXXXX` escape.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

const CHANNELS: &str = "x, facebook, instagram, tiktok, linkedin, email, chat, phone, review";
const CHANGE_KINDS: &str = "release, policy, outage, comms, integration, other";
const RFC3339: &str = "RFC 3339, e.g. 2026-03-01T09:00:00Z";

const MESSAGE_FIELDS: &[&str] = &[
    "type",
    "channel",
    "id",
    "direction",
    "visibility",
    "author",
    "brand_account",
    "text",
    "at",
    "in_reply_to",
    "language",
];
/// The fields of an `author` object.
pub const AUTHOR_FIELDS: &[&str] = &["id", "handle", "name", "followers"];
const LIFECYCLE_FIELDS: &[&str] = &["type", "id", "channel", "message_id", "actor", "at"];
const ESCALATE_FIELDS: &[&str] = &["type", "id", "channel", "message_id", "actor", "tier", "at"];
const SURVEY_FIELDS: &[&str] = &[
    "type",
    "id",
    "channel",
    "message_id",
    "score",
    "comment",
    "at",
];
const FEEDBACK_FIELDS: &[&str] = &["type", "id", "channel", "author", "text", "at"];
const CHANGE_FIELDS: &[&str] = &["type", "id", "kind", "title", "owner_team", "at"];

/// The fields a record of `record_type` may have (`author` fields are
/// listed by [`AUTHOR_FIELDS`]), or `None` for an unknown type.
pub fn allowed_fields(record_type: &str) -> Option<&'static [&'static str]> {
    match record_type {
        "message" => Some(MESSAGE_FIELDS),
        "resolve" | "reopen" => Some(LIFECYCLE_FIELDS),
        "escalate" => Some(ESCALATE_FIELDS),
        "csat" | "nps" => Some(SURVEY_FIELDS),
        "feedback" => Some(FEEDBACK_FIELDS),
        "change" => Some(CHANGE_FIELDS),
        _ => None,
    }
}

/// Parses the JSON text of one record.
pub fn parse_line(line: &str) -> Result<Record, RecordError> {
    let value: Value = serde_json::from_str(line).map_err(|e| malformed(&e))?;
    parse_value(value)
}

/// Parses one record already decoded as JSON (an item of an HTTP batch).
pub fn parse_value(value: Value) -> Result<Record, RecordError> {
    let Value::Object(map) = value else {
        return Err(RecordError::NotAnObject {
            found: json_type(&value),
        });
    };
    let record_type = match map.get("type") {
        None => return Err(RecordError::missing("type")),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(RecordError::wrong_type("type", "a string", other)),
    };
    let fields = Fields {
        map,
        prefix: "",
        record_type: record_type.clone(),
    };
    let record = match record_type.as_str() {
        "message" => message(fields)?,
        "resolve" => lifecycle(fields, LifecycleAction::Resolve)?,
        "reopen" => lifecycle(fields, LifecycleAction::Reopen)?,
        "escalate" => lifecycle(
            fields,
            LifecycleAction::Escalate {
                tier: String::new(),
            },
        )?,
        "csat" => survey(fields, SurveyKind::Csat)?,
        "nps" => survey(fields, SurveyKind::Nps)?,
        "feedback" => feedback(fields)?,
        "change" => change(fields)?,
        _ => {
            return Err(RecordError::UnknownType {
                value: record_type,
                expected: RECORD_TYPES,
            });
        }
    };
    record.validate()?;
    Ok(record)
}

fn malformed(e: &serde_json::Error) -> RecordError {
    // serde's message ends with its position; keep it in the fields only.
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
    RecordError::MalformedJson {
        line: e.line(),
        column: e.column(),
        message,
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The fields of one JSON object, taken one by one with precise errors.
struct Fields {
    map: Map<String, Value>,
    /// Prefix of nested field names in errors, e.g. `author.`.
    prefix: &'static str,
    record_type: String,
}

impl Fields {
    fn name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Rejects any key not in `allowed`.
    fn only(&self, allowed: &[&str]) -> Result<(), RecordError> {
        if let Some(key) = self.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(RecordError::UnknownField {
                field: self.name(key),
                record_type: self.record_type.clone(),
                allowed: allowed.join(", "),
            });
        }
        Ok(())
    }

    /// The value of a field; `null` counts as absent.
    fn take(&mut self, key: &str) -> Option<Value> {
        match self.map.remove(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn required(&mut self, key: &str) -> Result<Value, RecordError> {
        self.take(key)
            .ok_or_else(|| RecordError::missing(self.name(key)))
    }

    fn opt_string(&mut self, key: &str, limit: usize) -> Result<Option<String>, RecordError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => {
                check_len(&self.name(key), &s, limit)?;
                Ok(Some(s))
            }
            Some(other) => Err(RecordError::wrong_type(self.name(key), "a string", &other)),
        }
    }

    fn string(&mut self, key: &str, limit: usize) -> Result<String, RecordError> {
        self.opt_string(key, limit)?
            .ok_or_else(|| RecordError::missing(self.name(key)))
    }

    /// A non-empty string that must have visible characters.
    fn nonblank(&mut self, key: &str, limit: usize) -> Result<String, RecordError> {
        let s = self.string(key, limit)?;
        if s.trim().is_empty() {
            return Err(RecordError::InvalidValue {
                field: self.name(key),
                reason: "must not be empty".into(),
            });
        }
        Ok(s)
    }

    /// An identifier: a non-empty string, or a non-negative integer (many
    /// systems emit numeric ids) which is kept as its decimal text.
    fn opt_id(&mut self, key: &str) -> Result<Option<String>, RecordError> {
        let s = match self.take(key) {
            None => return Ok(None),
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) if n.is_u64() => n.to_string(),
            Some(other) => {
                return Err(RecordError::wrong_type(
                    self.name(key),
                    "a string (or a non-negative integer)",
                    &other,
                ));
            }
        };
        if s.trim().is_empty() {
            return Err(RecordError::InvalidValue {
                field: self.name(key),
                reason: "must not be empty".into(),
            });
        }
        check_len(&self.name(key), &s, MAX_ID_BYTES)?;
        Ok(Some(s))
    }

    fn id(&mut self, key: &str) -> Result<String, RecordError> {
        self.opt_id(key)?
            .ok_or_else(|| RecordError::missing(self.name(key)))
    }

    fn time(&mut self, key: &str) -> Result<OffsetDateTime, RecordError> {
        match self.required(key)? {
            Value::String(s) => {
                OffsetDateTime::parse(&s, &Rfc3339).map_err(|_| RecordError::InvalidTimestamp {
                    field: self.name(key),
                    value: s,
                    expected: RFC3339,
                })
            }
            other => Err(RecordError::wrong_type(
                self.name(key),
                "an RFC 3339 timestamp string",
                &other,
            )),
        }
    }

    fn channel(&mut self) -> Result<Channel, RecordError> {
        let s = self.string("channel", MAX_ID_BYTES)?;
        s.parse().map_err(|_| RecordError::UnknownValue {
            field: self.name("channel"),
            value: s,
            expected: CHANNELS,
        })
    }

    fn author(&mut self) -> Result<Author, RecordError> {
        let map = match self.required("author")? {
            Value::Object(map) => map,
            other => return Err(RecordError::wrong_type("author", "an object", &other)),
        };
        let mut a = Fields {
            map,
            prefix: "author.",
            record_type: self.record_type.clone(),
        };
        a.only(AUTHOR_FIELDS)?;
        let id = a.id("id")?;
        let handle = a.opt_string("handle", MAX_ID_BYTES)?;
        let name = a.opt_string("name", MAX_ID_BYTES)?;
        let followers = match a.take("followers") {
            None => None,
            Some(Value::Number(n)) if n.is_u64() => n.as_u64(),
            Some(other) => {
                return Err(RecordError::wrong_type(
                    "author.followers",
                    "a non-negative integer",
                    &other,
                ));
            }
        };
        Ok(Author {
            id,
            handle,
            name,
            followers,
        })
    }
}

fn check_len(field: &str, value: &str, limit: usize) -> Result<(), RecordError> {
    if value.len() > limit {
        return Err(RecordError::TooLong {
            field: field.to_string(),
            len: value.len(),
            limit,
        });
    }
    Ok(())
}

/// A language tag: ISO 639-1/-2 code, optionally with subtags (`pt-BR`).
fn check_language(tag: &str) -> Result<(), RecordError> {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    let primary_ok =
        (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if primary_ok && rest_ok {
        Ok(())
    } else {
        Err(RecordError::InvalidValue {
            field: "language".into(),
            reason: format!("'{tag}' is not a language code such as 'en' or 'pt-BR'"),
        })
    }
}

fn message(mut f: Fields) -> Result<Record, RecordError> {
    f.only(MESSAGE_FIELDS)?;
    let channel = f.channel()?;
    let external_id = f.id("id")?;
    let direction = match f.opt_string("direction", MAX_ID_BYTES)? {
        None => Direction::Inbound,
        Some(s) => s.parse().map_err(|_| RecordError::UnknownValue {
            field: "direction".into(),
            value: s,
            expected: "inbound, outbound",
        })?,
    };
    let visibility = match f.opt_string("visibility", MAX_ID_BYTES)? {
        None => Visibility::Public,
        Some(s) => s.parse().map_err(|_| RecordError::UnknownValue {
            field: "visibility".into(),
            value: s,
            expected: "public, private",
        })?,
    };
    let author = f.author()?;
    let brand_account = f.opt_string("brand_account", MAX_ID_BYTES)?;
    let text = f.string("text", MAX_TEXT_BYTES)?;
    let created_at = f.time("at")?;
    let in_reply_to = f.opt_id("in_reply_to")?;
    let language = f.opt_string("language", MAX_ID_BYTES)?;
    if let Some(l) = &language {
        check_language(l)?;
    }
    Ok(Record::Message(InboundMessage {
        channel,
        external_id,
        direction,
        visibility,
        author,
        brand_account,
        text,
        created_at,
        in_reply_to,
        language,
    }))
}

fn lifecycle(mut f: Fields, action: LifecycleAction) -> Result<Record, RecordError> {
    let escalate = matches!(action, LifecycleAction::Escalate { .. });
    f.only(if escalate {
        ESCALATE_FIELDS
    } else {
        LIFECYCLE_FIELDS
    })?;
    let id = f.id("id")?;
    let channel = f.channel()?;
    let message_id = f.id("message_id")?;
    let actor = f.nonblank("actor", MAX_ID_BYTES)?;
    let at = f.time("at")?;
    let action = if escalate {
        LifecycleAction::Escalate {
            tier: f.nonblank("tier", MAX_ID_BYTES)?,
        }
    } else {
        action
    };
    Ok(Record::Lifecycle(LifecycleEvent {
        id,
        channel,
        message_id,
        action,
        actor,
        at,
    }))
}

fn survey(mut f: Fields, kind: SurveyKind) -> Result<Record, RecordError> {
    f.only(SURVEY_FIELDS)?;
    let id = f.id("id")?;
    let channel = f.channel()?;
    let message_id = f.id("message_id")?;
    let (min, max) = (kind.min_score(), kind.max_score());
    let out_of_range = |value: String| RecordError::ScoreOutOfRange {
        field: "score".into(),
        kind: kind.as_str(),
        value,
        min,
        max,
    };
    let score = match f.required("score")? {
        Value::Number(n) => match n.as_i64() {
            Some(i) if i >= i64::from(min) && i <= i64::from(max) => {
                u8::try_from(i).map_err(|_| out_of_range(n.to_string()))?
            }
            Some(_) => return Err(out_of_range(n.to_string())),
            // A whole number written as 4.0 is accepted; 4.5 is not.
            None => match n.as_f64() {
                Some(x) if x.fract() == 0.0 && x >= f64::from(min) && x <= f64::from(max) => {
                    // In range 0..=10 and whole, so the cast is exact.
                    x as u8
                }
                Some(x) if x.fract() == 0.0 => return Err(out_of_range(n.to_string())),
                _ => {
                    return Err(RecordError::wrong_type(
                        "score",
                        "a whole number",
                        &Value::Number(n),
                    ));
                }
            },
        },
        other => return Err(RecordError::wrong_type("score", "a whole number", &other)),
    };
    let comment = f.opt_string("comment", MAX_TEXT_BYTES)?;
    let at = f.time("at")?;
    Ok(Record::Survey(SurveyAnswer {
        id,
        channel,
        message_id,
        kind,
        score,
        comment,
        at,
    }))
}

fn feedback(mut f: Fields) -> Result<Record, RecordError> {
    f.only(FEEDBACK_FIELDS)?;
    let id = f.id("id")?;
    let channel = f.channel()?;
    let author = f.author()?;
    let text = f.nonblank("text", MAX_TEXT_BYTES)?;
    let at = f.time("at")?;
    Ok(Record::Feedback(Feedback {
        id,
        channel,
        author,
        text,
        at,
    }))
}

fn change(mut f: Fields) -> Result<Record, RecordError> {
    f.only(CHANGE_FIELDS)?;
    let id = f.id("id")?;
    let kind_text = f.string("kind", MAX_ID_BYTES)?;
    let kind = match kind_text.as_str() {
        "release" => ChangeKind::Release,
        "policy" => ChangeKind::Policy,
        "outage" => ChangeKind::Outage,
        "comms" => ChangeKind::Comms,
        "integration" => ChangeKind::Integration,
        "other" => ChangeKind::Other,
        _ => {
            return Err(RecordError::UnknownValue {
                field: "kind".into(),
                value: kind_text,
                expected: CHANGE_KINDS,
            });
        }
    };
    let title = f.nonblank("title", MAX_TITLE_BYTES)?;
    let owner_team = f.nonblank("owner_team", MAX_ID_BYTES)?;
    let at = f.time("at")?;
    Ok(Record::Change(ChangeEntry {
        id,
        kind,
        title,
        owner_team,
        at,
    }))
}

// ---------------------------------------------------------------- writing

#[derive(Serialize)]
struct AuthorOut<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    handle: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    followers: Option<u64>,
}

impl<'a> From<&'a Author> for AuthorOut<'a> {
    fn from(a: &'a Author) -> Self {
        AuthorOut {
            id: &a.id,
            handle: a.handle.as_deref(),
            name: a.name.as_deref(),
            followers: a.followers,
        }
    }
}

#[derive(Serialize)]
struct MessageOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    channel: &'static str,
    id: &'a str,
    direction: &'static str,
    visibility: &'static str,
    author: AuthorOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    brand_account: Option<&'a str>,
    text: &'a str,
    at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_reply_to: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
}

#[derive(Serialize)]
struct LifecycleOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    channel: &'static str,
    message_id: &'a str,
    actor: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<&'a str>,
    at: String,
}

#[derive(Serialize)]
struct SurveyOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    channel: &'static str,
    message_id: &'a str,
    score: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
    at: String,
}

#[derive(Serialize)]
struct FeedbackOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    channel: &'static str,
    author: AuthorOut<'a>,
    text: &'a str,
    at: String,
}

#[derive(Serialize)]
struct ChangeOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    #[serde(rename = "kind")]
    change_kind: &'static str,
    title: &'a str,
    owner_team: &'a str,
    at: String,
}

/// RFC 3339 text of a time. Times RFC 3339 cannot express (an offset with
/// seconds) are written in UTC; a year outside 0000..=9999 falls back to a
/// text that [`parse_line`] rejects with a clear error rather than panicking.
fn format_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .or_else(|_| t.to_offset(UtcOffset::UTC).format(&Rfc3339))
        .unwrap_or_else(|_| t.to_string())
}

/// Writes one record as a line of the native format (without the newline).
/// For every record that passes [`Record::validate`],
/// `parse_line(&to_line(r)) == Ok(r)`.
pub fn to_line(record: &Record) -> String {
    let json = match record {
        Record::Message(m) => serde_json::to_string(&MessageOut {
            kind: "message",
            channel: m.channel.as_str(),
            id: &m.external_id,
            direction: m.direction.as_str(),
            visibility: m.visibility.as_str(),
            author: (&m.author).into(),
            brand_account: m.brand_account.as_deref(),
            text: &m.text,
            at: format_time(m.created_at),
            in_reply_to: m.in_reply_to.as_deref(),
            language: m.language.as_deref(),
        }),
        Record::Lifecycle(l) => serde_json::to_string(&LifecycleOut {
            kind: l.action.name(),
            id: &l.id,
            channel: l.channel.as_str(),
            message_id: &l.message_id,
            actor: &l.actor,
            at: format_time(l.at),
            tier: match &l.action {
                LifecycleAction::Escalate { tier } => Some(tier),
                _ => None,
            },
        }),
        Record::Survey(s) => serde_json::to_string(&SurveyOut {
            kind: s.kind.as_str(),
            id: &s.id,
            channel: s.channel.as_str(),
            message_id: &s.message_id,
            score: s.score,
            comment: s.comment.as_deref(),
            at: format_time(s.at),
        }),
        Record::Feedback(fb) => serde_json::to_string(&FeedbackOut {
            kind: "feedback",
            id: &fb.id,
            channel: fb.channel.as_str(),
            author: (&fb.author).into(),
            text: &fb.text,
            at: format_time(fb.at),
        }),
        Record::Change(c) => serde_json::to_string(&ChangeOut {
            kind: "change",
            id: &c.id,
            change_kind: c.kind.as_str(),
            title: &c.title,
            owner_team: &c.owner_team,
            at: format_time(c.at),
        }),
    };
    // Serialising structs of strings and integers cannot fail.
    json.unwrap_or_default()
}

// ---------------------------------------------------------------- reading

/// Reads JSON Lines: one record per line, blank lines skipped. Each bad line
/// yields a [`LineError`] and reading goes on; an I/O error is reported once
/// and ends the iteration. Returned by [`read_jsonl`].
pub struct JsonlRecords<R> {
    reader: R,
    line: usize,
    done: bool,
    buf: Vec<u8>,
}

/// Streams the records of a JSON Lines input (see [`JsonlRecords`]).
pub fn read_jsonl<R: BufRead>(reader: R) -> JsonlRecords<R> {
    JsonlRecords {
        reader,
        line: 0,
        done: false,
        buf: Vec::new(),
    }
}

impl<R: BufRead> JsonlRecords<R> {
    /// The 1-based number of the line last read (0 before the first).
    pub fn line(&self) -> usize {
        self.line
    }

    /// Reads the next line into `buf` without its `\n`. `Ok(None)` at the
    /// end; `Ok(Some(true))` when the line was over [`MAX_LINE_BYTES`] (its
    /// bytes are then skipped, not kept).
    fn next_line(&mut self) -> io::Result<Option<bool>> {
        self.buf.clear();
        let mut too_long = false;
        let mut read_any = false;
        loop {
            let (used, ended) = {
                let available = match self.reader.fill_buf() {
                    Ok(b) => b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if available.is_empty() {
                    return Ok(read_any.then_some(too_long));
                }
                read_any = true;
                let (chunk, used, ended) = match available.iter().position(|&b| b == b'\n') {
                    Some(i) => (&available[..i], i + 1, true),
                    None => (available, available.len(), false),
                };
                if !too_long {
                    if self.buf.len() + chunk.len() > MAX_LINE_BYTES {
                        too_long = true;
                        self.buf = Vec::new();
                    } else {
                        self.buf.extend_from_slice(chunk);
                    }
                }
                (used, ended)
            };
            self.reader.consume(used);
            if ended {
                return Ok(Some(too_long));
            }
        }
    }
}

impl<R: BufRead> Iterator for JsonlRecords<R> {
    type Item = Result<Record, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let too_long = match self.next_line() {
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Ok(Some(too_long)) => too_long,
                Err(e) => {
                    self.done = true;
                    return Some(Err(LineError {
                        line: self.line + 1,
                        error: RecordError::Io(e.to_string()),
                    }));
                }
            };
            self.line += 1;
            let line = self.line;
            let fail = |error| Some(Err(LineError { line, error }));
            if too_long {
                return fail(RecordError::LineTooLong {
                    limit: MAX_LINE_BYTES,
                });
            }
            let mut bytes = self.buf.as_slice();
            if let Some(rest) = bytes.strip_suffix(b"\r") {
                bytes = rest;
            }
            if line == 1
                && let Some(rest) = bytes.strip_prefix("\u{feff}".as_bytes())
            {
                bytes = rest;
            }
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    return fail(RecordError::InvalidUtf8 {
                        field: "line".into(),
                        valid_up_to: e.valid_up_to(),
                    });
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            return Some(parse_line(text).map_err(|error| LineError { line, error }));
        }
        None
    }
}

#[cfg(test)]
mod tests;
