//! Key phrases: runs of content words between stop words and punctuation (at most three words;
//! longer runs give their three-word windows), lower-cased and lightly stemmed.

use crate::lexicon::{Lexicon, NEGATOR, STOP};
use crate::token::{Kind, Tokens};

#[inline]
fn class(lex: &Lexicon, t: &Tokens, k: usize) -> u8 {
    // 0: breaks a phrase, 1: content word, 2: negator (kept inside a phrase)
    let tok = &t.toks[k];
    if !matches!(tok.kind, Kind::Word | Kind::Hashtag) {
        return 0;
    }
    let stem = t.stem(tok);
    let norm = t.norm(tok);
    if stem.chars().count() < 2 || !stem.chars().any(char::is_alphabetic) {
        return 0;
    }
    match t.info(tok, lex) {
        Some(i) if i.flags & NEGATOR != 0 => 2,
        _ if norm.ends_with("n't") => 2,
        Some(i) if i.flags & STOP != 0 => 0,
        _ => 1,
    }
}

pub(crate) fn extract(lex: &Lexicon, t: &Tokens, max: usize, out: &mut Vec<String>) {
    out.clear();
    if max == 0 {
        return;
    }
    let n = t.toks.len();
    let mut i = 0;
    while i < n && out.len() < max {
        if class(lex, t, i) == 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && class(lex, t, i) != 0 {
            i += 1;
        }
        // trailing negators say nothing on their own
        let mut end = i;
        while end > start && class(lex, t, end - 1) == 2 {
            end -= 1;
        }
        if end == start {
            continue;
        }
        let len = end - start;
        if len <= 3 {
            push_phrase(t, start, end, out);
        } else {
            for s in start..=end - 3 {
                if out.len() >= max {
                    break;
                }
                push_phrase(t, s, s + 3, out);
            }
        }
    }
}

fn push_phrase(t: &Tokens, start: usize, end: usize, out: &mut Vec<String>) {
    let mut p = String::new();
    for k in start..end {
        if !p.is_empty() {
            p.push(' ');
        }
        p.push_str(t.stem(&t.toks[k]));
    }
    if !out.contains(&p) {
        out.push(p);
    }
}
