//! The public "Customer Support on Twitter" CSV layout (`twcs.csv`):
//!
//! ```text
//! tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
//! 1,sprintcare,False,Tue Oct 31 22:10:47 +0000 2017,@115712 I understand...,2,3
//! ```
//!
//! Customers' rows have `inbound` = `True` and a pseudonymous numeric
//! `author_id`; brand rows have `False` and the brand's handle as
//! `author_id`. Every row becomes an X message:
//!
//! - a customer tweet: inbound, public, `author.id` = `author_id`,
//!   `brand_account` = the brand the thread is addressed to when it can be
//!   told (see [`rows_to_records`]), `in_reply_to` =
//!   `in_response_to_tweet_id`;
//! - a brand tweet: outbound, public, `author.id` = `brand_account` = the
//!   brand handle.
//!
//! Rows are read as bytes, so one row with invalid UTF-8 (or a bad date, or
//! a missing id) is reported with its line and column and the rest of the
//! file is still read. Records come back ordered so that every parent
//! precedes its replies.

use crate::error::{LineError, RecordError};
use domain::channel::{Channel, Direction, Visibility};
use domain::message::{Author, InboundMessage};
use domain::record::Record;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::io::Read;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// `Tue Oct 31 22:10:47 +0000 2017`. The weekday is read but not checked
/// against the date.
const CREATED_AT: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute] [year]"
);
const CREATED_AT_EXAMPLE: &str = "a date like 'Tue Oct 31 22:10:47 +0000 2017'";

const REQUIRED: [&str; 5] = ["tweet_id", "author_id", "inbound", "created_at", "text"];
const OPTIONAL: [&str; 2] = ["response_tweet_id", "in_response_to_tweet_id"];

/// One well-formed row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwcsRow {
    /// Line the row starts on (1-based; the header is line 1).
    pub line: usize,
    pub tweet_id: String,
    pub author_id: String,
    /// `true` for a customer, `false` for a brand account.
    pub inbound: bool,
    pub created_at: OffsetDateTime,
    /// The text with Twitter's HTML escapes (`&amp;`, `&lt;`, `&gt;`) undone.
    pub text: String,
    /// Ids listed as replies to this tweet (the column may hold several).
    pub response_tweet_ids: Vec<String>,
    pub in_response_to: Option<String>,
}

/// Reads a twcs CSV file into records (ordered parents first) and the
/// errors of the rows that could not be used.
pub fn read_twcs<R: Read>(reader: R) -> (Vec<Record>, Vec<LineError>) {
    let (rows, mut errors) = read_twcs_rows(reader);
    let (records, more) = rows_to_records(rows);
    errors.extend(more);
    errors.sort_by_key(|e| e.line);
    (records, errors)
}

/// Column positions found in the header.
struct Columns {
    index: [Option<usize>; 7],
    width: usize,
}

impl Columns {
    fn from_header(header: &csv::ByteRecord) -> Result<Self, RecordError> {
        let mut index = [None; 7];
        for (i, raw) in header.iter().enumerate() {
            let name = String::from_utf8_lossy(raw);
            let name = name
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase();
            if let Some(k) = REQUIRED.iter().chain(&OPTIONAL).position(|c| *c == name) {
                index[k].get_or_insert(i);
            }
        }
        if let Some(k) = (0..REQUIRED.len()).find(|&k| index[k].is_none()) {
            return Err(RecordError::Csv(format!(
                "the header has no '{}' column (expected {} and optionally {})",
                REQUIRED[k],
                REQUIRED.join(", "),
                OPTIONAL.join(", ")
            )));
        }
        Ok(Columns {
            index,
            width: header.len(),
        })
    }

    /// The text of column `k` (an index into REQUIRED ++ OPTIONAL); an
    /// absent optional column reads as empty.
    fn get<'r>(&self, row: &'r csv::ByteRecord, k: usize) -> Result<&'r str, RecordError> {
        let name = REQUIRED
            .iter()
            .chain(&OPTIONAL)
            .nth(k)
            .copied()
            .unwrap_or("?");
        let Some(i) = self.index[k] else {
            return Ok("");
        };
        let bytes = row.get(i).unwrap_or_default();
        std::str::from_utf8(bytes).map_err(|e| RecordError::InvalidUtf8 {
            field: format!("column '{name}'"),
            valid_up_to: e.valid_up_to(),
        })
    }
}

/// Reads and checks the rows, without linking them.
pub fn read_twcs_rows<R: Read>(reader: R) -> (Vec<TwcsRow>, Vec<LineError>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(reader);
    let columns = match csv.byte_headers() {
        Ok(h) if h.is_empty() => {
            errors.push(LineError {
                line: 1,
                error: RecordError::Csv("the file is empty (no header row)".into()),
            });
            return (rows, errors);
        }
        Ok(h) => match Columns::from_header(h) {
            Ok(c) => c,
            Err(error) => {
                errors.push(LineError { line: 1, error });
                return (rows, errors);
            }
        },
        Err(e) => {
            errors.push(LineError {
                line: 1,
                error: RecordError::Csv(e.to_string()),
            });
            return (rows, errors);
        }
    };
    let mut record = csv::ByteRecord::new();
    let mut last_line = 1;
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record
                    .position()
                    .and_then(|p| usize::try_from(p.line()).ok())
                    .unwrap_or(last_line + 1);
                last_line = line;
                match parse_row(&columns, &record, line) {
                    Ok(row) => rows.push(row),
                    Err(error) => errors.push(LineError { line, error }),
                }
            }
            Err(e) => {
                let line = e
                    .position()
                    .and_then(|p| usize::try_from(p.line()).ok())
                    .unwrap_or(last_line + 1);
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                errors.push(LineError {
                    line,
                    error: if fatal {
                        RecordError::Io(e.to_string())
                    } else {
                        RecordError::Csv(e.to_string())
                    },
                });
                if fatal {
                    break;
                }
            }
        }
    }
    (rows, errors)
}

fn parse_row(c: &Columns, row: &csv::ByteRecord, line: usize) -> Result<TwcsRow, RecordError> {
    if row.len() != c.width {
        return Err(RecordError::Csv(format!(
            "the row has {} fields, the header {}",
            row.len(),
            c.width
        )));
    }
    let tweet_id = clean_id(c.get(row, 0)?);
    if tweet_id.is_empty() {
        return Err(RecordError::missing("tweet_id"));
    }
    let author_id = c.get(row, 1)?.trim().to_string();
    if author_id.is_empty() {
        return Err(RecordError::missing("author_id"));
    }
    let inbound_text = c.get(row, 2)?.trim();
    let inbound = match inbound_text.to_ascii_lowercase().as_str() {
        "true" | "1" => true,
        "false" | "0" => false,
        _ => {
            return Err(RecordError::UnknownValue {
                field: "inbound".into(),
                value: inbound_text.to_string(),
                expected: "True, False",
            });
        }
    };
    let created_text = c.get(row, 3)?.trim();
    let created_at = OffsetDateTime::parse(created_text, CREATED_AT).map_err(|_| {
        RecordError::InvalidTimestamp {
            field: "created_at".into(),
            value: created_text.to_string(),
            expected: CREATED_AT_EXAMPLE,
        }
    })?;
    let text = unescape_html(c.get(row, 4)?);
    let response_tweet_ids = c
        .get(row, 5)?
        .split(',')
        .map(clean_id)
        .filter(|s| !s.is_empty())
        .collect();
    let in_response_to = Some(clean_id(c.get(row, 6)?)).filter(|s| !s.is_empty());
    Ok(TwcsRow {
        line,
        tweet_id,
        author_id,
        inbound,
        created_at,
        text,
        response_tweet_ids,
        in_response_to,
    })
}

/// Trims an id and drops the `.0` a spreadsheet or pandas export adds.
fn clean_id(s: &str) -> String {
    let s = s.trim();
    match s.strip_suffix(".0") {
        Some(int) if !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) => int.into(),
        _ => s.into(),
    }
}

/// Undoes the HTML escaping the Twitter API applies to tweet text.
fn unescape_html(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let entity = [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&quot;", '"'),
            ("&#39;", '\''),
        ]
        .into_iter()
        .find(|(e, _)| rest.starts_with(e));
        match entity {
            Some((e, c)) => {
                out.push(c);
                rest = &rest[e.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The handles a text @mentions, in order (`mail@host` is not a mention).
fn mentions(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('@').filter_map(move |(at, _)| {
        let before_ok = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let rest = &text[at + 1..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (before_ok && end > 0).then(|| &rest[..end])
    })
}

/// Turns rows into messages, ordered so that every parent precedes its
/// replies. A repeated `tweet_id` keeps its first row and reports the others.
///
/// The brand a customer tweet is addressed to is, in order of preference:
/// the author of the brand tweet it replies to; the brand that replied to
/// it; the nearest brand tweet up its reply chain; the first brand tweet
/// anywhere in its thread (by time); a brand handle the text @mentions (in
/// any letter case, written as the brand writes it); the
/// first @mention that is not a numeric (pseudonymous customer) id. When
/// none applies, `brand_account` stays empty.
pub fn rows_to_records(rows: Vec<TwcsRow>) -> (Vec<Record>, Vec<LineError>) {
    let mut errors = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(&first) = first_line.get(&row.tweet_id) {
            errors.push(LineError {
                line: row.line,
                error: RecordError::Duplicate {
                    field: "tweet_id",
                    value: row.tweet_id,
                    first_line: first,
                },
            });
        } else {
            first_line.insert(row.tweet_id.clone(), row.line);
            kept.push(row);
        }
    }
    let rows = kept;
    let by_id: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.tweet_id.as_str(), i))
        .collect();
    let parent: Vec<Option<usize>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.in_response_to
                .as_deref()
                .and_then(|p| by_id.get(p).copied())
                .filter(|&p| p != i)
        })
        .collect();
    // Children from both directions of the links.
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = p {
            children[*p].push(i);
        }
    }
    for (i, r) in rows.iter().enumerate() {
        for id in &r.response_tweet_ids {
            if let Some(&c) = by_id.get(id.as_str())
                && c != i
                && !children[i].contains(&c)
            {
                children[i].push(c);
            }
        }
    }
    // Brand handles by lower case: `@delta` names the brand `Delta`.
    let brands: HashMap<String, &str> = rows
        .iter()
        .filter(|r| !r.inbound)
        .map(|r| (r.author_id.to_lowercase(), r.author_id.as_str()))
        .collect();

    let brand_of = |i: usize| -> Option<String> {
        let is_brand = |j: usize| !rows[j].inbound;
        // 1. replying to a brand tweet
        if let Some(p) = parent[i]
            && is_brand(p)
        {
            return Some(rows[p].author_id.clone());
        }
        // 2. a brand replied to it (earliest reply first)
        if let Some(c) = children[i]
            .iter()
            .copied()
            .filter(|&c| is_brand(c))
            .min_by_key(|&c| (rows[c].created_at, c))
        {
            return Some(rows[c].author_id.clone());
        }
        // 3. up the reply chain (bounded: a malformed file may hold a cycle)
        let mut root = i;
        let mut seen = HashSet::from([i]);
        while let Some(p) = parent[root] {
            if !seen.insert(p) {
                break;
            }
            if is_brand(p) {
                return Some(rows[p].author_id.clone());
            }
            root = p;
        }
        // 4. anywhere in the thread under the root
        let mut stack = vec![root];
        let mut visited = HashSet::from([root]);
        let mut best: Option<usize> = None;
        while let Some(n) = stack.pop() {
            if is_brand(n) && best.is_none_or(|b| (rows[n].created_at, n) < (rows[b].created_at, b))
            {
                best = Some(n);
            }
            for &c in &children[n] {
                if visited.insert(c) {
                    stack.push(c);
                }
            }
        }
        if let Some(b) = best {
            return Some(rows[b].author_id.clone());
        }
        // 5./6. @mentions
        let text = &rows[i].text;
        mentions(text)
            .find_map(|m| brands.get(&m.to_lowercase()).copied())
            .or_else(|| mentions(text).find(|m| !m.bytes().all(|b| b.is_ascii_digit())))
            .map(str::to_string)
    };

    let mut messages: Vec<Option<InboundMessage>> = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let brand_account = if r.inbound {
            brand_of(i)
        } else {
            Some(r.author_id.clone())
        };
        let m = InboundMessage {
            channel: Channel::X,
            external_id: r.tweet_id.clone(),
            direction: if r.inbound {
                Direction::Inbound
            } else {
                Direction::Outbound
            },
            visibility: Visibility::Public,
            author: Author {
                id: r.author_id.clone(),
                handle: Some(format!("@{}", r.author_id)),
                name: None,
                followers: None,
            },
            brand_account,
            text: r.text.clone(),
            created_at: r.created_at,
            in_reply_to: r.in_response_to.clone(),
            language: None,
        };
        match m.validate() {
            Ok(()) => messages.push(Some(m)),
            Err(e) => {
                errors.push(LineError {
                    line: r.line,
                    error: e.into(),
                });
                messages.push(None);
            }
        }
    }

    let order = parents_first(&rows, &parent, |i| messages[i].is_some());
    let records = order
        .into_iter()
        .filter_map(|i| messages[i].take())
        .map(Record::Message)
        .collect();
    (records, errors)
}

/// Indices of the rows ordered by `created_at` (then file order), moved
/// where needed so that a parent always comes before its replies. Rows in a
/// reply cycle (a malformed file) come last, in time order.
fn parents_first(
    rows: &[TwcsRow],
    parent: &[Option<usize>],
    keep: impl Fn(usize) -> bool,
) -> Vec<usize> {
    // A dropped row does not hold its replies back.
    let parent: Vec<Option<usize>> = parent.iter().map(|p| p.filter(|&p| keep(p))).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let mut heap = BinaryHeap::new();
    for i in (0..rows.len()).filter(|&i| keep(i)) {
        match parent[i] {
            Some(p) => children[p].push(i),
            None => heap.push(Reverse((rows[i].created_at, i))),
        }
    }
    let mut order = Vec::with_capacity(rows.len());
    let mut done = vec![false; rows.len()];
    while let Some(Reverse((_, i))) = heap.pop() {
        done[i] = true;
        order.push(i);
        for &c in &children[i] {
            heap.push(Reverse((rows[c].created_at, c)));
        }
    }
    let mut rest: Vec<usize> = (0..rows.len()).filter(|&i| keep(i) && !done[i]).collect();
    rest.sort_by_key(|&i| (rows[i].created_at, i));
    order.extend(rest);
    order
}

#[cfg(test)]
mod tests;
