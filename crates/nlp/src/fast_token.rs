//! The scorer-only tokeniser: one pass over an ASCII text, producing just what the default
//! sentiment scorer reads (kind, flags, lexicon id, `!`/`?` counts) in 12-byte tokens, with no
//! normal-form strings, no offsets and no stems.
//!
//! It must tokenise exactly as [`crate::token::Tokens::tokenize`] does: the same tokens, kinds,
//! flags and lexicon entries, so that the scorer gives bit-for-bit the same result (checked by the
//! tests below and by the `scorer_diff` example on the evaluation sets). Texts with any non-ASCII
//! byte, and enrichers with per-brand rules, take the full tokeniser instead.
//!
//! The full tokeniser first splits the text at whitespace into chunks, then checks each chunk for
//! a URL or a whole-chunk emoticon before scanning it. Here the chunk is scanned directly (for
//! ASCII text a word, tag or punctuation run never crosses whitespace) and the whole-chunk
//! emoticon check happens at the chunk's end, rolling back the chunk's tokens in the rare case
//! that it is one.

use crate::lexicon::{CONTRAST, EXPECT, HAS_VALENCE, Lexicon, PhraseTable, TIME_UNIT, WordInfo};
use crate::sentiment::ScoreView;
use crate::token::{
    CLASS, F_CAPS, F_ELONG, JOIN, KIND_MASK, Kind, NO_INFO, NOT_NUM, SPACE, UPPER, WORD,
    punct_flags_ascii,
};

/// The token may carry a valence or mark a contrast (see `ScoreView::may_score`).
const F_MAY_SCORE: u8 = 16;
/// The normal form ends with "n't".
const F_NT: u8 = 32;
/// The normal form is "at" or "very" (only set on the general path; on the fast path the
/// lexicon id tells).
const F_AT_VERY: u8 = 64;
/// The token took the general word path (then `F_AT_VERY` tells, not the lexicon id: an
/// elongated word may be found under its collapsed form, "aaat" under "at").
const F_GENERAL: u8 = 128;

/// The byte repeated in every lane of a 16-byte word.
const fn splat(b: u8) -> u128 {
    u128::from_le_bytes([b; 16])
}
const HIGHS: u128 = splat(0x80);
/// "n't" as three little-endian bytes.
const NT: u128 = (b'n' as u128) | ((b'\'' as u128) << 8) | ((b't' as u128) << 16);

/// ASCII punctuation other than the apostrophe (an emoticon's edge).
const EDGE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = b.is_ascii_punctuation() && b != b'\'';
        c += 1;
    }
    t
};

#[derive(Clone, Copy, Debug)]
pub(crate) struct FastTok {
    /// The lexicon entry, copied (so that the scorer reads tokens in order).
    wi: WordInfo,
    info: u32,
    kind: Kind,
    flags: u8,
    excl: u16,
    qmark: u16,
}

/// Reusable buffers of the scorer-only tokeniser.
#[derive(Default, Debug)]
pub(crate) struct FastTokens {
    toks: Vec<FastTok>,
    lettered_words: u32,
    caps_words: u32,
    /// Normal form of a word that takes the general path (elongated or longer than 15 bytes).
    buf: Vec<u8>,
    /// Lexicon ids of "at" and "very".
    at_very: [u32; 2],
    /// Some token starts a cue phrase.
    any_cue: bool,
}

#[inline]
fn is_word_byte(b: u8) -> bool {
    CLASS[b as usize] & KIND_MASK == WORD
}

#[inline]
fn lower(b: u8) -> u8 {
    b | ((CLASS[b as usize] & UPPER) << 3)
}

const fn splat64(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

/// High bit of each lane of `x` (ASCII) holding a word byte: a letter, a digit or '_'.
#[inline]
fn word_lanes64(x: u64) -> u64 {
    let h = splat64(0x80);
    let upper = x.wrapping_add(splat64(0x3f)) & !x.wrapping_add(splat64(0x25));
    let lower = x.wrapping_add(splat64(0x1f)) & !x.wrapping_add(splat64(0x05));
    let digit = x.wrapping_add(splat64(0x50)) & !x.wrapping_add(splat64(0x46));
    let under = !(x ^ splat64(b'_')).wrapping_add(splat64(0x7f));
    (upper | lower | digit | under) & h
}

/// End of the word starting at the word byte `i`, byte by byte (the full tokeniser's rule:
/// word bytes, joined by an apostrophe or hyphen, or by '.' / ',' between digits).
fn word_end(b: &[u8], i: usize) -> usize {
    let n = b.len();
    let mut j = i + 1;
    loop {
        while j < n && CLASS[b[j] as usize] & KIND_MASK == WORD {
            j += 1;
        }
        if j + 1 < n {
            let (d, e) = (b[j], b[j + 1]);
            if CLASS[d as usize] & KIND_MASK == JOIN
                && CLASS[e as usize] & KIND_MASK == WORD
                && ((d != b'.' && d != b',') || (b[j - 1].is_ascii_digit() && e.is_ascii_digit()))
            {
                j += 2;
                continue;
            }
        }
        break;
    }
    j
}

/// Per-lane facts of a word of `len` (1..=8) bytes in `x` (zero past `len`; every lane below
/// 0x80, so no lane carries into the next): high bit of each upper-case lane, of each lower-case
/// lane, and whether a letter is repeated three times in a row ("sooo").
#[inline]
fn lanes64(x: u64, len: usize) -> (u64, u64, bool) {
    const fn splat(b: u8) -> u64 {
        u64::from_le_bytes([b; 8])
    }
    const HIGHS: u64 = splat(0x80);
    let upper = x.wrapping_add(splat(0x3f)) & !x.wrapping_add(splat(0x25)) & HIGHS;
    let lower = x.wrapping_add(splat(0x1f)) & !x.wrapping_add(splat(0x05)) & HIGHS;
    let mut elong = false;
    if len >= 3 {
        // lanes k where x[k] == x[k+1] == x[k+2], k + 2 < len
        let t = (x ^ (x >> 8)) | (x ^ (x >> 16));
        let triple = !t.wrapping_add(splat(0x7f)) & HIGHS;
        let valid = (1u64 << (8 * (len - 2))) - 1;
        elong = triple & (upper | lower) & valid != 0;
    }
    (upper, lower, elong)
}

/// [`lanes64`] for words of up to 15 bytes.
#[inline]
fn lanes128(x: u128, len: usize) -> (u128, u128, bool) {
    let upper = x.wrapping_add(splat(0x3f)) & !x.wrapping_add(splat(0x25)) & HIGHS;
    let lower = x.wrapping_add(splat(0x1f)) & !x.wrapping_add(splat(0x05)) & HIGHS;
    let mut elong = false;
    if len >= 3 {
        let t = (x ^ (x >> 8)) | (x ^ (x >> 16));
        let triple = !t.wrapping_add(splat(0x7f)) & HIGHS;
        let valid = (1u128 << (8 * (len - 2))) - 1;
        elong = triple & (upper | lower) & valid != 0;
    }
    (upper, lower, elong)
}

impl FastTokens {
    #[inline]
    fn push(&mut self, kind: Kind, flags: u8, info: u32, lex: &Lexicon) {
        let wi = if info == NO_INFO {
            WordInfo::default()
        } else {
            lex.info(info).copied().unwrap_or_default()
        };
        self.any_cue |= wi.cue != 0;
        let scoring = match kind {
            Kind::Emoticon | Kind::Emoji => true,
            Kind::Word | Kind::Hashtag => {
                info != NO_INFO && wi.flags & (CONTRAST | HAS_VALENCE | TIME_UNIT | EXPECT) != 0
            }
            _ => false,
        };
        self.toks.push(FastTok {
            wi,
            info,
            kind,
            flags: flags | if scoring { F_MAY_SCORE } else { 0 },
            excl: 0,
            qmark: 0,
        });
    }

    /// Tokenise `text`, which must be ASCII (returns `false`, with no tokens, otherwise).
    pub(crate) fn tokenize(&mut self, text: &str, lex: &Lexicon) -> bool {
        self.toks.clear();
        self.lettered_words = 0;
        self.caps_words = 0;
        self.any_cue = false;
        self.at_very = lex.at_very;
        if !text.is_ascii() {
            return false;
        }
        let b = text.as_bytes();
        let n = b.len();
        let mut i = 0;
        while i < n {
            if CLASS[b[i] as usize] & SPACE != 0 {
                i += 1;
                continue;
            }
            let start = i;
            // URL: the whole chunk
            if matches!(b[i], b'h' | b'H' | b'w' | b'W') {
                let rest = &b[i..];
                let starts_ci =
                    |p: &[u8]| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p);
                if starts_ci(b"http://") || starts_ci(b"https://") || starts_ci(b"www.") {
                    while i < n && CLASS[b[i] as usize] & SPACE == 0 {
                        i += 1;
                    }
                    self.push(Kind::Url, 0, NO_INFO, lex);
                    continue;
                }
            }
            let (toks0, lettered0, caps0) = (self.toks.len(), self.lettered_words, self.caps_words);
            i = self.scan_chunk(b, i, lex);
            // whole-chunk emoticon (":-)", "</3", ":D"): short, punctuation at an edge, at most
            // two letters
            let chunk = &b[start..i];
            if chunk.len() <= 8
                && (chunk.first().is_some_and(|c| EDGE[*c as usize])
                    || chunk.last().is_some_and(|c| EDGE[*c as usize]))
                && chunk.iter().filter(|c| c.is_ascii_alphabetic()).count() <= 2
            {
                let mut key = (chunk.len() as u128) << 120;
                for (k, &c) in chunk.iter().enumerate() {
                    key |= u128::from(lower(c)) << (8 * k);
                }
                if let Some(id) = lex.emoticon_packed(key) {
                    self.toks.truncate(toks0);
                    self.lettered_words = lettered0;
                    self.caps_words = caps0;
                    self.push(Kind::Emoticon, 0, id, lex);
                }
            }
        }
        true
    }

    /// Scan one whitespace-delimited chunk from `i`; returns its end.
    fn scan_chunk(&mut self, b: &[u8], mut i: usize, lex: &Lexicon) -> usize {
        let n = b.len();
        let mut prev_word = false;
        while i < n {
            let c = b[i];
            let f = CLASS[c as usize];
            if f & SPACE != 0 {
                break;
            }
            if f & KIND_MASK == WORD {
                i = self.ascii_word(b, i, lex);
                prev_word = true;
                continue;
            }
            if (c == b'@' || c == b'#') && !prev_word && i + 1 < n && is_word_byte(b[i + 1]) {
                let body_start = i + 1;
                let mut j = body_start;
                while j < n && is_word_byte(b[j]) {
                    j += 1;
                }
                if c == b'@' {
                    self.push(Kind::Mention, 0, NO_INFO, lex);
                } else {
                    self.hashtag(&b[body_start..j], lex);
                }
                prev_word = true;
                i = j;
                continue;
            }
            // punctuation / symbol run
            let mut j = i + 1;
            while j < n {
                let d = b[j];
                let fd = CLASS[d as usize];
                if fd & SPACE != 0 || fd & KIND_MASK == WORD {
                    break;
                }
                if (d == b'@' || d == b'#') && j + 1 < n && is_word_byte(b[j + 1]) {
                    break;
                }
                j += 1;
            }
            let run = &b[i..j];
            // a run holds no letters, so it is its own lower case
            let emo = if run.len() >= 2 && run.len() <= 8 {
                let mut key = (run.len() as u128) << 120;
                for (k, &c) in run.iter().enumerate() {
                    key |= u128::from(c) << (8 * k);
                }
                lex.emoticon_packed(key)
            } else {
                None
            };
            if let Some(id) = emo {
                self.push(Kind::Emoticon, 0, id, lex);
            } else {
                let (flags, excl, qmark) = punct_flags_ascii(run);
                self.toks.push(FastTok {
                    wi: WordInfo::default(),
                    info: NO_INFO,
                    kind: Kind::Punct,
                    flags,
                    excl,
                    qmark,
                });
            }
            prev_word = false;
            i = j;
        }
        i
    }

    /// A hashtag body: camel case split ("NeverAgain" -> never, again) into hashtag words.
    fn hashtag(&mut self, body: &[u8], lex: &Lexicon) {
        let mut seg_start = 0usize;
        let mut prev_lower = false;
        for (i, &c) in body.iter().enumerate() {
            if c.is_ascii_uppercase() && prev_lower && i > seg_start {
                self.word(&body[seg_start..i], Kind::Hashtag, lex);
                seg_start = i;
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
        if seg_start < body.len() {
            self.word(&body[seg_start..], Kind::Hashtag, lex);
        }
    }

    /// A word from byte `i` (which is a word byte), as the full tokeniser's `ascii_word` reads
    /// it: word bytes, joined by an apostrophe or hyphen, or by '.' / ',' between digits. Words
    /// of up to 15 bytes are examined 16 bytes at a time (SWAR on a `u128`; every byte is ASCII,
    /// so no lane carries into the next). Returns the word's end.
    #[inline]
    fn ascii_word(&mut self, b: &[u8], i: usize, lex: &Lexicon) -> usize {
        let n = b.len();
        // the word's end: the first byte of the next 8 that is no word byte, unless the word
        // is longer or that byte is a joiner followed by more (then byte by byte)
        let j = 'end: {
            if let Some(w) = b.get(i..i + 8) {
                let mut a = [0u8; 8];
                a.copy_from_slice(w);
                let nonword = !word_lanes64(u64::from_le_bytes(a)) & splat64(0x80);
                if nonword != 0 {
                    let e = i + (nonword.trailing_zeros() / 8) as usize;
                    if !(e + 1 < n && CLASS[b[e] as usize] & KIND_MASK == JOIN) {
                        break 'end e;
                    }
                }
            }
            word_end(b, i)
        };
        let len = j - i;
        if len > 15 {
            self.word(&b[i..j], Kind::Word, lex);
            return j;
        }
        // the word's bytes in one integer (u64 for up to 8 bytes, the common case)
        let (x, upper, lower, elong) = if len <= 8 {
            let mut a = [0u8; 8];
            match b.get(i..i + 8) {
                Some(w) => a.copy_from_slice(w),
                None => a[..len].copy_from_slice(&b[i..j]),
            }
            let x = u64::from_le_bytes(a) & (u64::MAX >> (64 - 8 * len));
            let (upper, lower, elong) = lanes64(x, len);
            (u128::from(x), u128::from(upper), u128::from(lower), elong)
        } else {
            let mut a = [0u8; 16];
            match b.get(i..i + 16) {
                Some(w) => a.copy_from_slice(w),
                None => a[..len].copy_from_slice(&b[i..j]),
            }
            let x = u128::from_le_bytes(a) & (u128::MAX >> (128 - 8 * len));
            let (upper, lower, elong) = lanes128(x, len);
            (x, upper, lower, elong)
        };
        if elong {
            self.word(&b[i..j], Kind::Word, lex);
            return j;
        }
        let letters = upper | lower;
        let mut flags = 0u8;
        if letters == 0 {
            if !b[i..j].iter().any(|&c| CLASS[c as usize] & NOT_NUM != 0) {
                self.push(Kind::Number, 0, NO_INFO, lex);
                return j;
            }
        } else {
            self.lettered_words += 1;
            if lower == 0 && upper.count_ones() >= 2 {
                flags |= F_CAPS;
                self.caps_words += 1;
            }
        }
        let key = x | (upper >> 2) | ((len as u128) << 120);
        if len >= 3 && b[j - 2] == b'\'' && (key >> (8 * (len - 3))) & 0xff_ffff == NT {
            flags |= F_NT;
        }
        let info = lex.id_packed(key).unwrap_or(NO_INFO);
        self.push(Kind::Word, flags, info, lex);
        j
    }

    /// The general word path (elongated or long words, hashtag words): the ASCII branch of the
    /// full tokeniser's `word`.
    fn word(&mut self, w: &[u8], kind: Kind, lex: &Lexicon) {
        let mut upper = 0u32;
        let mut lower = 0u32;
        let mut other = false;
        let mut elong = false;
        let (mut p1, mut p2) = (0u8, 0u8);
        for &c in w {
            upper += u32::from(c.is_ascii_uppercase());
            lower += u32::from(c.is_ascii_lowercase());
            other |= !(c.is_ascii_alphanumeric() || c == b'.' || c == b',');
            elong |= c == p1 && c == p2 && c.is_ascii_alphabetic();
            p2 = p1;
            p1 = c;
        }
        let digits_only = upper + lower == 0 && !other;
        self.buf.clear();
        if elong {
            let mut last = 0u8;
            let mut run = 0u32;
            for &c in w {
                let c = c.to_ascii_lowercase();
                if c == last && c.is_ascii_alphabetic() {
                    run += 1;
                } else {
                    run = 1;
                    last = c;
                }
                if run < 3 {
                    self.buf.push(c);
                }
            }
        } else {
            self.buf.extend(w.iter().map(u8::to_ascii_lowercase));
        }
        let mut flags = F_GENERAL;
        if elong {
            flags |= F_ELONG;
        }
        if upper + lower > 0 {
            self.lettered_words += 1;
            if upper >= 2 && lower == 0 {
                flags |= F_CAPS;
                self.caps_words += 1;
            }
        }
        if kind == Kind::Word && digits_only {
            self.push(Kind::Number, flags, NO_INFO, lex);
            return;
        }
        let norm = std::str::from_utf8(&self.buf).unwrap_or("");
        if norm.ends_with("n't") {
            flags |= F_NT;
        }
        if norm == "at" || norm == "very" {
            flags |= F_AT_VERY;
        }
        let mut id = lex.id(norm);
        if id.is_none() && elong {
            // "sooo" -> "soo" missed: try with every repeat collapsed ("so")
            let mut collapsed = String::with_capacity(norm.len());
            let mut last = None;
            for c in norm.chars() {
                if Some(c) != last {
                    collapsed.push(c);
                }
                last = Some(c);
            }
            id = lex.id(&collapsed);
        }
        self.push(kind, flags, id.unwrap_or(NO_INFO), lex);
    }
}

impl ScoreView for FastTokens {
    #[inline]
    fn len(&self) -> usize {
        self.toks.len()
    }
    #[inline]
    fn kind(&self, i: usize) -> Kind {
        self.toks[i].kind
    }
    #[inline]
    fn flags(&self, i: usize) -> u8 {
        self.toks[i].flags & !(F_NT | F_AT_VERY | F_GENERAL | F_MAY_SCORE)
    }
    #[inline]
    fn info_id(&self, i: usize) -> u32 {
        self.toks[i].info
    }
    #[inline]
    fn punct_counts(&self, i: usize) -> (u16, u16) {
        (self.toks[i].excl, self.toks[i].qmark)
    }
    #[inline]
    fn info(&self, i: usize, _lex: &Lexicon) -> Option<WordInfo> {
        let t = &self.toks[i];
        (t.info != NO_INFO).then_some(t.wi)
    }
    #[inline]
    fn may_have_cues(&self) -> bool {
        self.any_cue
    }
    #[inline]
    fn may_score(&self, i: usize) -> bool {
        self.toks[i].flags & F_MAY_SCORE != 0
    }
    #[inline]
    fn ends_with_nt(&self, i: usize) -> bool {
        self.toks[i].flags & F_NT != 0
    }
    #[inline]
    fn is_at_or_very(&self, i: usize) -> bool {
        let t = &self.toks[i];
        t.flags & F_AT_VERY != 0
            || (t.flags & F_GENERAL == 0
                && matches!(t.kind, Kind::Word | Kind::Hashtag)
                && t.info != NO_INFO
                && (t.info == self.at_very[0] || t.info == self.at_very[1]))
    }
    fn emoji_valence(&self, _i: usize, _lex: &Lexicon) -> f32 {
        // ASCII text has no emoji
        0.0
    }
    #[inline]
    fn caps_emphasis(&self) -> bool {
        self.caps_words > 0 && self.caps_words < self.lettered_words
    }
    fn rule_at(&self, _rules: &PhraseTable<f32>, _i: usize) -> Option<(usize, f32)> {
        // the scorer-only path is not taken when an enricher has per-brand rules
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Tokens;

    /// The fast tokens agree with the full tokeniser's in everything the scorer reads.
    fn check(text: &str) {
        let lex = crate::lexicon::global();
        let mut full = Tokens::default();
        full.tokenize(text, Some(lex));
        let mut fast = FastTokens::default();
        if !fast.tokenize(text, lex) {
            assert!(!text.is_ascii());
            return;
        }
        let view = |t: &dyn Fn(usize) -> String, n: usize| (0..n).map(t).collect::<Vec<_>>();
        let a = view(
            &|i| {
                format!(
                    "{:?} {} {} {:?} {} {}",
                    ScoreView::kind(&full, i),
                    ScoreView::flags(&full, i) & (F_CAPS | F_ELONG | crate::token::F_BOUNDARY),
                    ScoreView::info_id(&full, i),
                    ScoreView::punct_counts(&full, i),
                    ScoreView::ends_with_nt(&full, i),
                    ScoreView::is_at_or_very(&full, i),
                )
            },
            ScoreView::len(&full),
        );
        let b = view(
            &|i| {
                format!(
                    "{:?} {} {} {:?} {} {}",
                    fast.kind(i),
                    fast.flags(i) & (F_CAPS | F_ELONG | crate::token::F_BOUNDARY),
                    fast.info_id(i),
                    fast.punct_counts(i),
                    fast.ends_with_nt(i),
                    fast.is_at_or_very(i),
                )
            },
            fast.len(),
        );
        assert_eq!(a, b, "{text:?}");
        assert_eq!(
            ScoreView::caps_emphasis(&full),
            fast.caps_emphasis(),
            "{text:?}"
        );
    }

    #[test]
    fn agrees_with_the_full_tokeniser() {
        for text in [
            "",
            " ",
            "@United WHY is my flight #NeverAgain delayed?? http://t.co/x :) soooo bad 3.5 hrs",
            "great:) thanks!!! :-D xD </3 :D ;-P (: :P",
            "I can't log in, it DOESN'T work. Not at all good; very least at least",
            "AT least VERY least veeery least aat aaat least aaaat least #aaat least",
            "a@b #a#b @@x ## #_ @_ a_b 1,000 3.5. 1.2.3 -5 a-b a--b 'quoted' don''t",
            "wwwhat www.x.com HTTPS://X Http:/ waiting 3 hours for a refund... why?!?!",
            "Supercalifragilisticexpialidocious aaaaaaaaaaaaaaaaaaaaaaa LOOOOOOVE it SOOO much",
            "x:) :)x ::)) :-))) =) =D 8) <3 <333 :'( :-/ :/ http",
            "#SoooGood #NotHappy #at #VERY #100 #a1B2 #ABC #abcDEF",
            "\u{0}:) \u{1f}x \u{7f}!! ?? ... ,,, ;; a.b a,b 1.a",
            "customer service on hold no response never again thanks for nothing",
        ] {
            check(text);
        }
    }

    #[test]
    fn agrees_on_random_ascii() {
        // a deterministic xorshift over an alphabet rich in the tokeniser's special bytes
        let alphabet: &[u8] = b"aAbBnNtT'-.,!?:;()<>3D/_@#hw:xX \t\n0123456789eEsSoO";
        let enricher = crate::Enricher::new(crate::NlpConfig::default()).unwrap();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let mut s = Vec::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push(alphabet[(x % alphabet.len() as u64) as usize]);
            }
            let text = std::str::from_utf8(&s).unwrap_or("");
            check(text);
            same_sentiment(&enricher, text);
        }
    }

    fn same_sentiment(e: &crate::Enricher, text: &str) {
        let (a, b) = (e.sentiment(text), e.sentiment_reference(text));
        assert_eq!(a.label, b.label, "{text:?}");
        assert_eq!(a.score.to_bits(), b.score.to_bits(), "{text:?}");
        assert_eq!(a.confidence.to_bits(), b.confidence.to_bits(), "{text:?}");
    }

    #[test]
    fn scorer_only_path_gives_the_reference_results() {
        let e = crate::Enricher::new(crate::NlpConfig::default()).unwrap();
        for text in [
            "@united thanks, but my bag is LOST!!! never again :(",
            "not happy at all. SOOO bad #NeverAgain",
            "my parcel never arrived and I can't log in",
            "waiting 3 hours on hold, no response",
            "Où est mon colis? don’t care 😡",
            "hm",
            "ok?",
            "",
            "http://t.co/x @a 123",
        ] {
            same_sentiment(&e, text);
        }
    }
}
