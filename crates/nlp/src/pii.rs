//! Personal data spans: e-mail addresses, phone numbers, payment cards (Luhn-checked) and
//! order/account numbers found by configurable patterns; and redaction.

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::NlpError;

/// What a PII span holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Email,
    Phone,
    PaymentCard,
    OrderNumber,
    AccountNumber,
}

impl PiiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::PaymentCard => "payment_card",
            PiiKind::OrderNumber => "order_number",
            PiiKind::AccountNumber => "account_number",
        }
    }

    /// The placeholder that [`redact`] writes.
    pub fn placeholder(self) -> &'static str {
        match self {
            PiiKind::Email => "[EMAIL]",
            PiiKind::Phone => "[PHONE]",
            PiiKind::PaymentCard => "[CARD]",
            PiiKind::OrderNumber => "[ORDER]",
            PiiKind::AccountNumber => "[ACCOUNT]",
        }
    }

    /// When two spans overlap, the higher priority wins.
    fn priority(self) -> u8 {
        match self {
            PiiKind::PaymentCard => 5,
            PiiKind::Email => 4,
            PiiKind::AccountNumber => 3,
            PiiKind::OrderNumber => 2,
            PiiKind::Phone => 1,
        }
    }
}

/// A span of personal data: byte offsets into the text given to `enrich` (`start..end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiiSpan {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

/// A configurable pattern for identifiers such as order or account numbers.
///
/// When the regular expression has a capture group, group 1 is the span; otherwise the whole
/// match. With `require_digit`, a candidate without any digit is ignored (so "order status" is
/// not an order number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PiiPattern {
    pub kind: PiiKind,
    pub regex: String,
    #[serde(default = "yes")]
    pub require_digit: bool,
}

fn yes() -> bool {
    true
}

/// The default identifier patterns: a keyword ("order", "booking", "confirmation", "account",
/// ...) followed by an identifier of at least five letters/digits containing a digit.
pub fn default_pii_patterns() -> Vec<PiiPattern> {
    vec![
        PiiPattern {
            kind: PiiKind::OrderNumber,
            regex: r"(?i)\b(?:order|booking|reservation|confirmation|conf|tracking|ticket|case|ref|reference|pnr|invoice|parcel|package|shipment)(?:\s+(?:no\.?|nr\.?|num(?:ber)?|id|code|ref))?\s*(?:is\s+)?[:#]?\s*#?([A-Z0-9][A-Z0-9-]{3,}[A-Z0-9])\b".into(),
            require_digit: true,
        },
        PiiPattern {
            kind: PiiKind::AccountNumber,
            regex: r"(?i)\b(?:account|acct|a/c|customer|member(?:ship)?|loyalty|frequent\s+flyer|mileage\s*plus|advantage|rewards?|iban)(?:\s+(?:no\.?|nr\.?|num(?:ber)?|id|code))?\s*(?:is\s+)?[:#]?\s*#?([A-Z0-9][A-Z0-9-]{3,}[A-Z0-9])\b".into(),
            require_digit: true,
        },
    ]
}

#[derive(Debug, Clone)]
pub(crate) struct PiiDetector {
    patterns: Vec<(PiiKind, Regex, bool)>,
}

impl PiiDetector {
    pub(crate) fn new(patterns: &[PiiPattern]) -> Result<Self, NlpError> {
        let mut out = Vec::with_capacity(patterns.len());
        for p in patterns {
            let re = regex::RegexBuilder::new(&p.regex)
                .size_limit(1 << 22)
                .build()
                .map_err(|e| NlpError::Pattern {
                    pattern: p.regex.clone(),
                    source: Box::new(e),
                })?;
            out.push((p.kind, re, p.require_digit));
        }
        Ok(PiiDetector { patterns: out })
    }

    /// All PII spans in `text`, sorted by start, non-overlapping.
    pub(crate) fn detect(&self, text: &str, out: &mut Vec<PiiSpan>) {
        out.clear();
        let bytes = text.as_bytes();
        if bytes.contains(&b'@') {
            emails(text, out);
        }
        if bytes.iter().any(u8::is_ascii_digit) {
            digit_runs(text, out);
            for (kind, re, need_digit) in &self.patterns {
                for caps in re.captures_iter(text) {
                    let m = caps.get(1).or_else(|| caps.get(0));
                    if let Some(m) = m {
                        if m.is_empty()
                            || (*need_digit && !m.as_str().bytes().any(|b| b.is_ascii_digit()))
                        {
                            continue;
                        }
                        out.push(PiiSpan {
                            kind: *kind,
                            start: m.start(),
                            end: m.end(),
                        });
                    }
                }
            }
        } else {
            for (kind, re, need_digit) in &self.patterns {
                if *need_digit {
                    continue;
                }
                for caps in re.captures_iter(text) {
                    if let Some(m) = caps.get(1).or_else(|| caps.get(0)) {
                        if !m.is_empty() {
                            out.push(PiiSpan {
                                kind: *kind,
                                start: m.start(),
                                end: m.end(),
                            });
                        }
                    }
                }
            }
        }
        resolve_overlaps(out);
    }
}

/// Sort by start and drop spans that overlap a higher-priority (or, at equal priority, longer or
/// earlier) span.
fn resolve_overlaps(spans: &mut Vec<PiiSpan>) {
    if spans.len() < 2 {
        return;
    }
    let mut order: Vec<PiiSpan> = spans.clone();
    order.sort_by(|a, b| {
        b.kind
            .priority()
            .cmp(&a.kind.priority())
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<PiiSpan> = Vec::with_capacity(order.len());
    for s in order {
        if kept.iter().all(|k| s.end <= k.start || s.start >= k.end) {
            kept.push(s);
        }
    }
    kept.sort_by_key(|s| s.start);
    *spans = kept;
}

fn is_local_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_domain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

fn emails(text: &str, out: &mut Vec<PiiSpan>) {
    let b = text.as_bytes();
    for (at, _) in b.iter().enumerate().filter(|(_, c)| **c == b'@') {
        let mut s = at;
        while s > 0 && is_local_char(b[s - 1]) {
            s -= 1;
        }
        while s < at && b[s] == b'.' {
            s += 1;
        }
        if s == at {
            continue; // an @mention, not an address
        }
        let mut e = at + 1;
        while e < b.len() && is_domain_char(b[e]) {
            e += 1;
        }
        while e > at + 1 && matches!(b[e - 1], b'.' | b'-') {
            e -= 1;
        }
        let domain = &b[at + 1..e];
        let Some(dot) = domain.iter().rposition(|c| *c == b'.') else {
            continue;
        };
        let tld = &domain[dot + 1..];
        if dot == 0 || tld.len() < 2 || !tld.iter().all(u8::is_ascii_alphabetic) {
            continue;
        }
        out.push(PiiSpan {
            kind: PiiKind::Email,
            start: s,
            end: e,
        });
    }
}

/// Luhn checksum over the digits of `s` (other characters ignored).
pub fn luhn_valid(s: &str) -> bool {
    let mut sum = 0u32;
    let mut n = 0usize;
    for d in s.bytes().rev().filter(u8::is_ascii_digit) {
        let mut v = u32::from(d - b'0');
        if n % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
        n += 1;
    }
    n > 0 && sum % 10 == 0
}

/// Phone numbers and payment cards: runs of digits joined by single separators.
fn digit_runs(text: &str, out: &mut Vec<PiiSpan>) {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        if !b[i].is_ascii_digit()
            || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            i += 1;
            continue;
        }
        // optional "+" or "(" just before
        let mut start = i;
        let mut plus = false;
        if start > 0 && (b[start - 1] == b'+' || b[start - 1] == b'(') {
            plus = b[start - 1] == b'+';
            start -= 1;
        }
        let mut digits = 0usize;
        let mut only_card_seps = true;
        let mut j = i;
        let mut end = i;
        while j < n {
            if b[j].is_ascii_digit() {
                digits += 1;
                j += 1;
                end = j;
                continue;
            }
            // up to two separator characters between digit groups: " ", "-", ".", "(", ")"
            let mut k = j;
            let mut seps = 0;
            while k < n && seps < 2 && matches!(b[k], b' ' | b'-' | b'.' | b'(' | b')') {
                k += 1;
                seps += 1;
            }
            if seps == 0 || k >= n || !b[k].is_ascii_digit() {
                break;
            }
            if b[j..k].iter().any(|c| !matches!(c, b' ' | b'-')) || seps > 1 {
                only_card_seps = false;
            }
            j = k;
        }
        // a run followed directly by a letter is part of a word ("123abc")
        let followed_by_word = end < n && (b[end].is_ascii_alphabetic() || b[end] == b'_');
        if !followed_by_word {
            let run = &text[i..end];
            if (13..=19).contains(&digits) && only_card_seps && !plus && luhn_valid(run) {
                out.push(PiiSpan {
                    kind: PiiKind::PaymentCard,
                    start: i,
                    end,
                });
            } else if (10..=15).contains(&digits) || (plus && (8..=15).contains(&digits)) {
                let s = if plus { start } else { i };
                out.push(PiiSpan {
                    kind: PiiKind::Phone,
                    start: s,
                    end,
                });
            }
        }
        i = end.max(i + 1);
    }
}

/// Replace each span with its kind's placeholder (e.g. `[EMAIL]`). Spans that are out of range,
/// not on character boundaries or overlapping an earlier span are ignored; the order of `spans`
/// does not matter.
pub fn redact(text: &str, spans: &[PiiSpan]) -> String {
    let mut sorted: Vec<&PiiSpan> = spans
        .iter()
        .filter(|s| {
            s.start < s.end
                && s.end <= text.len()
                && text.is_char_boundary(s.start)
                && text.is_char_boundary(s.end)
        })
        .collect();
    sorted.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0usize;
    for s in sorted {
        if s.start < pos {
            continue;
        }
        out.push_str(&text[pos..s.start]);
        out.push_str(s.kind.placeholder());
        pos = s.end;
    }
    out.push_str(&text[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(PiiKind, &str)> {
        let d = PiiDetector::new(&default_pii_patterns()).unwrap();
        let mut out = Vec::new();
        d.detect(text, &mut out);
        out.iter()
            .map(|s| (s.kind, &text[s.start..s.end]))
            .collect()
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid("4111 1111 1111 1111"));
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("4111 1111 1111 1112"));
        assert!(!luhn_valid(""));
    }

    #[test]
    fn finds_each_kind() {
        let t = "mail jane.doe+x@example.co.uk or call +1 (555) 123-4567, card 4111-1111-1111-1111, order #AB12345";
        assert_eq!(
            spans(t),
            vec![
                (PiiKind::Email, "jane.doe+x@example.co.uk"),
                (PiiKind::Phone, "+1 (555) 123-4567"),
                (PiiKind::PaymentCard, "4111-1111-1111-1111"),
                (PiiKind::OrderNumber, "AB12345"),
            ]
        );
    }

    #[test]
    fn card_needs_luhn_and_mentions_are_not_emails() {
        assert_eq!(spans("card 4111 1111 1111 1112 please"), vec![]);
        assert_eq!(spans("@united hi @ me"), vec![]);
        assert_eq!(
            spans("account number: 99887766"),
            vec![(PiiKind::AccountNumber, "99887766")]
        );
        assert_eq!(spans("order status please"), vec![]);
        assert_eq!(spans("flight 1234 at 11:35:52 on 2015-02-24"), vec![]);
    }

    #[test]
    fn redact_replaces_by_offsets() {
        let t = "é me at a@b.io or 555-123-4567";
        let s = spans(t);
        assert_eq!(s.len(), 2);
        let d = PiiDetector::new(&default_pii_patterns()).unwrap();
        let mut out = Vec::new();
        d.detect(t, &mut out);
        assert_eq!(redact(t, &out), "é me at [EMAIL] or [PHONE]");
        // invalid spans are ignored rather than panicking
        let bad = [
            PiiSpan {
                kind: PiiKind::Email,
                start: 1,
                end: 2,
            },
            PiiSpan {
                kind: PiiKind::Email,
                start: 5,
                end: 500,
            },
            PiiSpan {
                kind: PiiKind::Email,
                start: 3,
                end: 3,
            },
        ];
        assert_eq!(redact(t, &bad), t);
        let overlapping = [
            PiiSpan {
                kind: PiiKind::Phone,
                start: 3,
                end: 6,
            },
            PiiSpan {
                kind: PiiKind::Email,
                start: 4,
                end: 8,
            },
        ];
        assert_eq!(redact("0123456789", &overlapping), "012[PHONE]6789");
    }

    #[test]
    fn bad_pattern_is_an_error() {
        let p = PiiPattern {
            kind: PiiKind::OrderNumber,
            regex: "(".into(),
            require_digit: true,
        };
        assert!(matches!(
            PiiDetector::new(&[p]),
            Err(NlpError::Pattern { .. })
        ));
    }
}
