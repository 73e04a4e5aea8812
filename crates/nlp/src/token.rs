//! One-pass tokeniser for social posts.
//!
//! Produces words, numbers, @mentions, #hashtags (camel-case tags are split into their words), URLs,
//! emoji, emoticons and punctuation runs, with byte offsets into the source text and a normalised
//! form (lower case, curly apostrophes straightened, letters repeated three or more times collapsed
//! to two) written into one reusable buffer, so that tokenising allocates nothing once the buffers
//! have grown. ASCII text takes a byte-level fast path; other text is decoded char by char. Each
//! word is looked up in the lexicon once, here, and every later stage reads the cached entry.

use std::borrow::Cow;

use crate::lexicon::{Lexicon, WordInfo};

/// The kind of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Number,
    Mention,
    Hashtag,
    Url,
    Emoji,
    Emoticon,
    Punct,
}

/// All letters upper case (and at least two letters).
pub(crate) const F_CAPS: u8 = 1;
/// A letter was repeated three or more times ("soooo").
pub(crate) const F_ELONG: u8 = 2;
/// A punctuation run that ends a clause (`.`, `!`, `?`, `;`, `:`).
pub(crate) const F_BOUNDARY: u8 = 4;
/// A punctuation run containing a comma (weak boundary).
pub(crate) const F_COMMA: u8 = 8;
/// The normal form is the token's own text (a lower-case ASCII word): `n_start..n_end` index
/// [`Tokens::src`] instead of [`Tokens::norm`], which saves a copy per word.
const F_SRC: u8 = 16;

/// No lexicon entry.
pub(crate) const NO_INFO: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub kind: Kind,
    pub flags: u8,
    /// `!` count (punctuation runs only).
    pub excl: u16,
    /// `?` count (punctuation runs only).
    pub qmark: u16,
    /// Lexicon entry id of the normalised form (words, hashtag words, emoticons), or `NO_INFO`.
    pub info: u32,
    /// Byte range in the analysed text (checked by the tokeniser's tests; kept for span-level
    /// features such as highlighting). Offsets are `u32`: the analysed text is capped well below
    /// 4 GiB by the configuration.
    #[allow(dead_code)]
    pub start: u32,
    #[allow(dead_code)]
    pub end: u32,
    /// Range of the normalised form in [`Tokens::norm`].
    pub n_start: u32,
    pub n_end: u32,
    /// Range of the lightly stemmed form in [`Tokens::stems`] (words, hashtags, numbers; after
    /// [`Tokens::ensure_stems`]).
    pub s_start: u32,
    pub s_end: u32,
}

impl Token {
    pub(crate) fn is_wordlike(&self) -> bool {
        matches!(self.kind, Kind::Word | Kind::Hashtag | Kind::Number)
    }
}

/// Reusable token buffers.
#[derive(Default, Debug)]
pub(crate) struct Tokens {
    pub toks: Vec<Token>,
    /// The analysed text.
    src: String,
    pub norm: String,
    pub stems: String,
    stems_ready: bool,
    tmp: String,
    /// Words with at least one letter.
    pub lettered_words: u32,
    /// Words written all in capitals.
    pub caps_words: u32,
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

fn is_emoji_modifier(c: char) -> bool {
    matches!(c as u32, 0xFE0E | 0xFE0F | 0x200D | 0x20E3 | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F)
}

#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        c.is_alphanumeric()
    }
}

#[inline]
fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}' || c == '\u{2018}'
}

/// ASCII byte classes for the word loop (low two bits) and per-byte facts (the other bits).
pub(crate) const WORD: u8 = 1;
pub(crate) const JOIN: u8 = 2;
pub(crate) const KIND_MASK: u8 = 3;
pub(crate) const UPPER: u8 = 4;
pub(crate) const LOWER: u8 = 8;
/// Not a digit, '.' or ',' (a word with such a byte is not a number).
pub(crate) const NOT_NUM: u8 = 16;
/// ASCII whitespace.
pub(crate) const SPACE: u8 = 32;
/// A byte of a multi-byte UTF-8 character.
const HIGH: u8 = 64;
pub(crate) const CLASS: [u8; 256] = {
    let mut t = [HIGH | NOT_NUM; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        let mut f = 0u8;
        if b.is_ascii_alphanumeric() || b == b'_' {
            f |= WORD;
        } else if b == b'\'' || b == b'-' || b == b'.' || b == b',' {
            f |= JOIN;
        }
        if b.is_ascii_uppercase() {
            f |= UPPER;
        }
        if b.is_ascii_lowercase() {
            f |= LOWER;
        }
        if !(b.is_ascii_digit() || b == b'.' || b == b',') {
            f |= NOT_NUM;
        }
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            f |= SPACE;
        }
        t[c] = f;
        c += 1;
    }
    t
};

/// The char at byte `i` of `s` and its length (a space past the end or off a boundary).
#[inline]
fn char_at(s: &str, i: usize) -> (char, usize) {
    match s.as_bytes().get(i) {
        Some(&b) if b < 128 => (b as char, 1),
        Some(_) => match s.get(i..).and_then(|r| r.chars().next()) {
            Some(c) => (c, c.len_utf8()),
            None => (' ', 1),
        },
        None => (' ', 1),
    }
}

/// A run of punctuation characters: strong boundary / comma flags and counts.
pub(crate) fn punct_flags(run: &str) -> (u8, u16, u16) {
    let mut flags = 0u8;
    if !run.is_ascii()
        && run.chars().any(|c| {
            matches!(
                c,
                '\u{2026}' | '\u{3002}' | '\u{ff01}' | '\u{ff1f}' | '\u{00a1}' | '\u{00bf}'
            )
        })
    {
        // ellipsis, ideographic full stop, full-width '!' / '?', inverted '!' / '?'
        flags |= F_BOUNDARY;
    }
    let (f, excl, q) = punct_flags_ascii(run.as_bytes());
    (flags | f, excl, q)
}

/// [`punct_flags`] of the ASCII bytes of a run.
#[inline]
pub(crate) fn punct_flags_ascii(run: &[u8]) -> (u8, u16, u16) {
    let mut flags = 0u8;
    let mut excl = 0u16;
    let mut q = 0u16;
    for &c in run {
        match c {
            b'!' => {
                excl = excl.saturating_add(1);
                flags |= F_BOUNDARY;
            }
            b'?' => {
                q = q.saturating_add(1);
                flags |= F_BOUNDARY;
            }
            b'.' | b';' | b':' => flags |= F_BOUNDARY,
            b',' => flags |= F_COMMA,
            _ => {}
        }
    }
    (flags, excl, q)
}

#[inline]
fn norm_of<'a>(src: &'a str, norm: &'a str, t: &Token) -> &'a str {
    let buf = if t.flags & F_SRC != 0 { src } else { norm };
    buf.get(t.n_start as usize..t.n_end as usize).unwrap_or("")
}

impl Tokens {
    pub(crate) fn clear(&mut self) {
        self.toks.clear();
        self.src.clear();
        self.norm.clear();
        self.stems.clear();
        self.stems_ready = false;
        self.lettered_words = 0;
        self.caps_words = 0;
    }

    #[inline]
    pub(crate) fn norm(&self, t: &Token) -> &str {
        norm_of(&self.src, &self.norm, t)
    }

    #[inline]
    pub(crate) fn stem(&self, t: &Token) -> &str {
        self.stems
            .get(t.s_start as usize..t.s_end as usize)
            .unwrap_or("")
    }

    /// The cached lexicon entry of token `t`.
    #[inline]
    pub(crate) fn info<'l>(&self, t: &Token, lex: &'l Lexicon) -> Option<&'l WordInfo> {
        if t.info == NO_INFO {
            None
        } else {
            lex.info(t.info)
        }
    }

    /// True when some words are written in capitals and others are not (VADER's "cap diff"):
    /// capitals then signal emphasis rather than a caps-lock habit.
    pub(crate) fn caps_emphasis(&self) -> bool {
        self.caps_words > 0 && self.caps_words < self.lettered_words
    }

    /// Tokenise `text`; with a lexicon, emoticons are recognised and words looked up.
    pub(crate) fn tokenize(&mut self, text: &str, lex: Option<&Lexicon>) {
        self.clear();
        self.src.push_str(text);
        let b = text.as_bytes();
        let n = b.len();
        let mut i = 0;
        while i < n {
            let f = CLASS[b[i] as usize];
            if f & SPACE != 0 {
                i += 1;
                continue;
            }
            if f & HIGH != 0 {
                let (c, l) = char_at(text, i);
                if c.is_whitespace() {
                    i += l;
                    continue;
                }
            }
            let start = i;
            while i < n {
                let f = CLASS[b[i] as usize];
                if f & (SPACE | HIGH) == 0 {
                    i += 1;
                    continue;
                }
                if f & SPACE != 0 {
                    break;
                }
                let (c, l) = char_at(text, i);
                if c.is_whitespace() {
                    break;
                }
                i += l;
            }
            self.chunk(text, start, i, lex);
        }
    }

    fn push(&mut self, kind: Kind, start: usize, end: usize, n_start: usize, flags: u8) {
        let n_end = self.norm.len();
        self.toks.push(Token {
            kind,
            flags,
            excl: 0,
            qmark: 0,
            info: NO_INFO,
            start: start as u32,
            end: end as u32,
            n_start: n_start as u32,
            n_end: n_end as u32,
            s_start: 0,
            s_end: 0,
        });
    }

    fn push_lower(&mut self, s: &str) {
        if s.is_ascii() {
            let ns = self.norm.len();
            self.norm.push_str(s);
            if let Some(tail) = self.norm.get_mut(ns..) {
                tail.make_ascii_lowercase();
            }
        } else {
            for c in s.chars() {
                self.push_lower_char(c);
            }
        }
    }

    #[inline]
    fn push_lower_char(&mut self, c: char) {
        if c.is_ascii() {
            self.norm.push(c.to_ascii_lowercase());
        } else if is_apostrophe(c) {
            self.norm.push('\'');
        } else {
            for l in c.to_lowercase() {
                self.norm.push(l);
            }
        }
    }

    fn chunk(&mut self, text: &str, start: usize, end: usize, lex: Option<&Lexicon>) {
        let Some(chunk) = text.get(start..end) else {
            return;
        };
        let b = chunk.as_bytes();
        let starts_ci =
            |p: &str| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes());
        if matches!(b.first(), Some(b'h' | b'H' | b'w' | b'W'))
            && (starts_ci("http://") || starts_ci("https://") || starts_ci("www."))
        {
            let n = self.norm.len();
            self.norm.push_str("<url>");
            self.push(Kind::Url, start, end, n, 0);
            return;
        }
        // Whole-chunk emoticons such as ":-)", "</3", ":D": short, with ASCII punctuation and at
        // most two letters.
        if let Some(lex) = lex {
            let edge_punct =
                |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_punctuation() && *c != b'\'');
            if chunk.len() <= 8
                && (edge_punct(b.first()) || edge_punct(b.last()))
                && b.iter().filter(|c| c.is_ascii_alphabetic()).count() <= 2
            {
                let n = self.norm.len();
                self.push_lower(chunk);
                let id = self.norm.get(n..).and_then(|s| lex.emoticon_id(s));
                if let Some(id) = id {
                    self.push(Kind::Emoticon, start, end, n, 0);
                    if let Some(t) = self.toks.last_mut() {
                        t.info = id;
                    }
                    return;
                }
                self.norm.truncate(n);
            }
        }
        self.scan(chunk, start, lex);
    }

    fn scan(&mut self, chunk: &str, base: usize, lex: Option<&Lexicon>) {
        let n = chunk.len();
        let mut i = 0usize;
        let mut prev_word = false;
        while i < n {
            let (c, l) = char_at(chunk, i);
            if (c == '@' || c == '#')
                && !prev_word
                && i + l < n
                && is_word_char(char_at(chunk, i + l).0)
            {
                let body_start = i + l;
                let mut j = body_start;
                while j < n {
                    let (d, dl) = char_at(chunk, j);
                    if !is_word_char(d) {
                        break;
                    }
                    j += dl;
                }
                let body = chunk.get(body_start..j).unwrap_or("");
                if c == '@' {
                    let ns = self.norm.len();
                    self.norm.push('@');
                    self.push_lower(body);
                    self.push(Kind::Mention, base + i, base + j, ns, 0);
                } else {
                    self.hashtag(body, base + body_start, lex);
                }
                prev_word = true;
                i = j;
                continue;
            }
            if c.is_ascii() {
                if let Some(j) = self.ascii_word(chunk, i, base, lex) {
                    prev_word = true;
                    i = j;
                    continue;
                }
            }
            if is_word_char(c) {
                let mut j = i + l;
                let mut last = c;
                let bytes = chunk.as_bytes();
                while j < n {
                    let d = bytes[j];
                    if d < 128 {
                        match CLASS[d as usize] & KIND_MASK {
                            WORD => {
                                last = d as char;
                                j += 1;
                                continue;
                            }
                            JOIN => {
                                let e = if j + 1 < n {
                                    char_at(chunk, j + 1).0
                                } else {
                                    ' '
                                };
                                if is_word_char(e)
                                    && ((d != b'.' && d != b',')
                                        || (last.is_ascii_digit() && e.is_ascii_digit()))
                                {
                                    j += 1;
                                    continue;
                                }
                                break;
                            }
                            _ => break,
                        }
                    }
                    let (d, dl) = char_at(chunk, j);
                    if is_word_char(d) {
                        last = d;
                        j += dl;
                        continue;
                    }
                    // joiners: apostrophes and hyphens between word characters; '.' and ','
                    // only inside numbers ("3.5", "1,000")
                    if is_apostrophe(d) || d == '-' || d == '.' || d == ',' {
                        let (e, _) = if j + dl < n {
                            char_at(chunk, j + dl)
                        } else {
                            (' ', 1)
                        };
                        if is_word_char(e)
                            && ((d != '.' && d != ',')
                                || (last.is_ascii_digit() && e.is_ascii_digit()))
                        {
                            j += dl;
                            continue;
                        }
                    }
                    break;
                }
                let word = chunk.get(i..j).unwrap_or("");
                self.word(word, base + i, base + j, Kind::Word, lex);
                prev_word = true;
                i = j;
                continue;
            }
            if is_emoji(c) {
                let ns = self.norm.len();
                self.norm.push(c);
                let mut j = i + l;
                // swallow modifiers and zero-width-joined sequences into one token
                while j < n {
                    let (m, ml) = char_at(chunk, j);
                    if !is_emoji_modifier(m) {
                        break;
                    }
                    j += ml;
                    if m == '\u{200D}' && j < n {
                        let (e, el) = char_at(chunk, j);
                        if is_emoji(e) {
                            j += el;
                        }
                    }
                }
                self.push(Kind::Emoji, base + i, base + j, ns, 0);
                prev_word = false;
                i = j;
                continue;
            }
            if is_emoji_modifier(c) {
                prev_word = false;
                i += l;
                continue;
            }
            // punctuation / symbol run
            let mut j = i + l;
            while j < n {
                let (d, dl) = char_at(chunk, j);
                let tag_start =
                    (d == '@' || d == '#') && j + dl < n && is_word_char(char_at(chunk, j + dl).0);
                if is_word_char(d) || is_emoji(d) || is_emoji_modifier(d) || tag_start {
                    break;
                }
                j += dl;
            }
            let run = chunk.get(i..j).unwrap_or("");
            let ns = self.norm.len();
            self.push_lower(run);
            let emo = if run.len() >= 2 && run.len() <= 8 {
                lex.and_then(|lx| self.norm.get(ns..).and_then(|s| lx.emoticon_id(s)))
            } else {
                None
            };
            if let Some(id) = emo {
                self.push(Kind::Emoticon, base + i, base + j, ns, 0);
                if let Some(t) = self.toks.last_mut() {
                    t.info = id;
                }
            } else {
                let (flags, excl, q) = punct_flags(run);
                self.push(Kind::Punct, base + i, base + j, ns, flags);
                if let Some(t) = self.toks.last_mut() {
                    t.excl = excl;
                    t.qmark = q;
                }
            }
            prev_word = false;
            i = j;
        }
    }

    /// A hashtag body: split camel case ("NeverAgain" -> never, again) into hashtag tokens.
    fn hashtag(&mut self, body: &str, base: usize, lex: Option<&Lexicon>) {
        let mut seg_start = 0usize;
        let mut prev_lower = false;
        for (i, c) in body.char_indices() {
            if c.is_uppercase() && prev_lower && i > seg_start {
                if let Some(seg) = body.get(seg_start..i) {
                    self.word(seg, base + seg_start, base + i, Kind::Hashtag, lex);
                }
                seg_start = i;
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
        if let Some(seg) = body.get(seg_start..) {
            if !seg.is_empty() {
                self.word(seg, base + seg_start, base + body.len(), Kind::Hashtag, lex);
            }
        }
    }

    /// Fast path for a word made only of ASCII bytes starting at `i`: scans, normalises, flags
    /// and looks it up in one pass. `None` (nothing consumed) when the word is not plain ASCII
    /// or not a word, so that the general path handles it.
    #[inline]
    fn ascii_word(
        &mut self,
        chunk: &str,
        i: usize,
        base: usize,
        lex: Option<&Lexicon>,
    ) -> Option<usize> {
        let b = chunk.as_bytes();
        let n = b.len();
        let first = *b.get(i)?;
        if CLASS[first as usize] & KIND_MASK != WORD {
            return None;
        }
        // the lower-cased word packed into two registers (see `Lexicon::id_packed`); built with
        // shifts rather than a byte array, which would stall on the wide reload
        let (mut lo, mut hi) = (0u64, 0u64);
        let mut upper = 0u32;
        let mut any = 0u8;
        let mut repeat = false;
        let (mut p1, mut p2) = (0u8, 0u8);
        let mut j = i;
        while j < n {
            let d = b[j];
            let f = CLASS[d as usize];
            if f & KIND_MASK != WORD {
                if f & HIGH != 0 {
                    return None;
                }
                if f & KIND_MASK != JOIN {
                    break;
                }
                let e = *b.get(j + 1).unwrap_or(&b' ');
                let fe = CLASS[e as usize];
                if fe & HIGH != 0 {
                    return None;
                }
                let digits = p1.is_ascii_digit() && e.is_ascii_digit();
                if fe & KIND_MASK != WORD || ((d == b'.' || d == b',') && !digits) {
                    break;
                }
            }
            upper += u32::from((f & UPPER) >> 2);
            any |= f;
            repeat |= (d == p1) & (d == p2);
            p2 = p1;
            p1 = d;
            let k = j - i;
            let lc = u64::from(d | ((f & UPPER) << 3));
            if k < 8 {
                lo |= lc << (8 * k);
            } else if k < 15 {
                hi |= lc << (8 * (k - 8));
            }
            j += 1;
        }
        let lower = u32::from(any & LOWER != 0);
        let other = any & NOT_NUM != 0;
        // a letter repeated three times ("sooo"); repeated digits or joiners are not elongation
        let elong = repeat
            && b.get(i..j).is_some_and(|w| {
                w.windows(3)
                    .any(|x| x[0] == x[1] && x[1] == x[2] && x[0].is_ascii_alphabetic())
            });
        let word = chunk.get(i..j)?;
        if elong || word.len() > 15 {
            // rare: let the general path collapse the repeats and look it up
            self.word(word, base + i, base + j, Kind::Word, lex);
            return Some(j);
        }
        let mut flags = 0u8;
        let ns = if upper == 0 {
            // already lower case: the source text is the normal form
            flags |= F_SRC;
            base + i
        } else {
            let ns = self.norm.len();
            self.norm.push_str(word);
            if let Some(tail) = self.norm.get_mut(ns..) {
                tail.make_ascii_lowercase();
            }
            ns
        };
        if upper + lower > 0 {
            self.lettered_words += 1;
            if upper >= 2 && lower == 0 {
                flags |= F_CAPS;
                self.caps_words += 1;
            }
        }
        let number = upper + lower == 0 && !other;
        let kind = if number { Kind::Number } else { Kind::Word };
        if flags & F_SRC != 0 {
            self.toks.push(Token {
                kind,
                flags,
                excl: 0,
                qmark: 0,
                info: NO_INFO,
                start: (base + i) as u32,
                end: (base + j) as u32,
                n_start: ns as u32,
                n_end: (base + j) as u32,
                s_start: 0,
                s_end: 0,
            });
        } else {
            self.push(kind, base + i, base + j, ns, flags);
        }
        if !number {
            if let Some(lex) = lex {
                hi |= (word.len() as u64) << 56;
                if let (Some(id), Some(t)) = (
                    lex.id_packed(u128::from(lo) | (u128::from(hi) << 64)),
                    self.toks.last_mut(),
                ) {
                    t.info = id;
                }
            }
        }
        Some(j)
    }

    fn word(&mut self, word: &str, start: usize, end: usize, kind: Kind, lex: Option<&Lexicon>) {
        let ns = self.norm.len();
        let mut upper = 0u32;
        let mut lower = 0u32;
        let digits_only;
        let mut elong = false;
        if word.is_ascii() {
            let b = word.as_bytes();
            let mut other = false;
            let (mut p1, mut p2) = (0u8, 0u8);
            for &c in b {
                upper += u32::from(c.is_ascii_uppercase());
                lower += u32::from(c.is_ascii_lowercase());
                other |= !(c.is_ascii_alphanumeric() || c == b'.' || c == b',');
                elong |= c == p1 && c == p2 && c.is_ascii_alphabetic();
                p2 = p1;
                p1 = c;
            }
            digits_only = upper + lower == 0 && !other;
            if elong {
                let mut last = 0u8;
                let mut run = 0u32;
                for &c in b {
                    let c = c.to_ascii_lowercase();
                    if c == last && c.is_ascii_alphabetic() {
                        run += 1;
                    } else {
                        run = 1;
                        last = c;
                    }
                    if run < 3 {
                        self.norm.push(c as char);
                    }
                }
            } else {
                self.norm.push_str(word);
                if upper > 0 {
                    if let Some(tail) = self.norm.get_mut(ns..) {
                        tail.make_ascii_lowercase();
                    }
                }
            }
        } else {
            let mut last: Option<char> = None;
            let mut run = 0u32;
            let mut digits = true;
            for c in word.chars() {
                if c.is_uppercase() {
                    upper += 1;
                } else if c.is_lowercase() {
                    lower += 1;
                }
                if !(c.is_ascii_digit() || c == '.' || c == ',') {
                    digits = false;
                }
                if Some(c) == last && c.is_alphabetic() {
                    run += 1;
                } else {
                    run = 1;
                    last = Some(c);
                }
                if run >= 3 {
                    elong = true;
                    continue;
                }
                self.push_lower_char(c);
            }
            digits_only = digits;
        }
        let mut flags = 0u8;
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
        let kind = if kind == Kind::Word && digits_only {
            Kind::Number
        } else {
            kind
        };
        self.push(kind, start, end, ns, flags);
        if kind == Kind::Number {
            return;
        }
        if let Some(lex) = lex {
            let w = self.norm.get(ns..).unwrap_or("");
            let mut id = lex.id(w);
            if id.is_none() && elong {
                // "sooo" -> "soo" missed: try with every repeat collapsed ("so")
                self.tmp.clear();
                let mut last = None;
                for c in w.chars() {
                    if Some(c) != last {
                        self.tmp.push(c);
                    }
                    last = Some(c);
                }
                id = lex.id(&self.tmp);
            }
            if let (Some(id), Some(t)) = (id, self.toks.last_mut()) {
                t.info = id;
            }
        }
    }

    /// Compute the lightly stemmed forms (needed by topics and phrases, not by the scorer).
    pub(crate) fn ensure_stems(&mut self) {
        if self.stems_ready {
            return;
        }
        self.stems_ready = true;
        let Tokens {
            toks,
            src,
            norm,
            stems,
            ..
        } = self;
        stems.clear();
        for t in toks.iter_mut() {
            if matches!(t.kind, Kind::Word | Kind::Hashtag) {
                let w = norm_of(src, norm, t);
                t.s_start = stems.len() as u32;
                stems.push_str(&light_stem(w));
                t.s_end = stems.len() as u32;
            } else if t.kind == Kind::Number {
                t.s_start = stems.len() as u32;
                stems.push_str(norm_of(src, norm, t));
                t.s_end = stems.len() as u32;
            }
        }
    }
}

const STEM_EXCEPTIONS: &[&str] = &[
    "always",
    "news",
    "perhaps",
    "does",
    "series",
    "species",
    "its",
    "was",
    "has",
    "is",
    "this",
    "thus",
    "yes",
    "us",
    "bus",
    "gas",
    "plus",
    "less",
    "unless",
    "across",
    "status",
    "cancellous",
    "sometimes",
    "lots",
    "thanks",
    "hours",
    "pls",
    "plz",
    "ios",
    "windows",
    "itunes",
    "mins",
    "hrs",
    "days",
    "miles",
    "besides",
    "afterwards",
    "towards",
    "regardless",
    "nevertheless",
    "anyways",
    "whereas",
    "alas",
    "christmas",
    "tennis",
    "business",
    "address",
    "access",
    "process",
    "success",
    "wireless",
    "express",
    "series",
    "lens",
    "physics",
];

/// Light English stemming: plural and possessive endings only, so that phrases stay readable
/// ("charged twice", "parcels never arrived" -> "parcel never arrived").
pub(crate) fn light_stem(w: &str) -> Cow<'_, str> {
    let w = w.strip_suffix("'s").unwrap_or(w);
    let n = w.len();
    if n <= 3 || !w.is_ascii() || !w.ends_with('s') || STEM_EXCEPTIONS.contains(&w) {
        return Cow::Borrowed(w);
    }
    if w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") {
        return Cow::Borrowed(w);
    }
    if n > 4 && w.ends_with("ies") {
        // deliveries -> delivery
        let mut s = String::with_capacity(n - 2);
        s.push_str(&w[..n - 3]);
        s.push('y');
        return Cow::Owned(s);
    }
    if w.ends_with("sses")
        || w.ends_with("ches")
        || w.ends_with("shes")
        || w.ends_with("xes")
        || w.ends_with("zes")
    {
        return Cow::Borrowed(&w[..n - 2]);
    }
    Cow::Borrowed(&w[..n - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Tokens {
        let mut t = Tokens::default();
        t.tokenize(text, Some(crate::lexicon::global()));
        t.ensure_stems();
        t
    }

    fn kinds(text: &str) -> Vec<(Kind, String)> {
        let t = toks(text);
        t.toks
            .iter()
            .map(|k| (k.kind, t.norm(k).to_string()))
            .collect()
    }

    #[test]
    fn kinds_and_normal_forms() {
        let k = kinds(
            "@United WHY is my flight #NeverAgain delayed?? http://t.co/x :) 😡 soooo bad 3.5 hrs",
        );
        let expect = vec![
            (Kind::Mention, "@united"),
            (Kind::Word, "why"),
            (Kind::Word, "is"),
            (Kind::Word, "my"),
            (Kind::Word, "flight"),
            (Kind::Hashtag, "never"),
            (Kind::Hashtag, "again"),
            (Kind::Word, "delayed"),
            (Kind::Punct, "??"),
            (Kind::Url, "<url>"),
            (Kind::Emoticon, ":)"),
            (Kind::Emoji, "😡"),
            (Kind::Word, "soo"),
            (Kind::Word, "bad"),
            (Kind::Number, "3.5"),
            (Kind::Word, "hrs"),
        ];
        let got: Vec<(Kind, &str)> = k.iter().map(|(a, b)| (*a, b.as_str())).collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn offsets_point_into_source() {
        let text = "Où est mon colis? don’t care";
        let t = toks(text);
        for tok in &t.toks {
            assert!(text.get(tok.start as usize..tok.end as usize).is_some());
        }
        let words: Vec<&str> = t.toks.iter().map(|k| t.norm(k)).collect();
        assert_eq!(
            words,
            vec!["où", "est", "mon", "colis", "?", "don't", "care"]
        );
    }

    #[test]
    fn caps_and_elongation_flags() {
        let t = toks("this is SO BAD and goooood");
        let f: Vec<u8> = t
            .toks
            .iter()
            .map(|k| k.flags & (F_CAPS | F_ELONG))
            .collect();
        assert_eq!(f, vec![0, 0, F_CAPS, F_CAPS, 0, F_ELONG]);
        assert!(t.caps_emphasis());
        assert!(!toks("ALL CAPS TEXT").caps_emphasis());
    }

    #[test]
    fn attached_emoticon_and_punctuation() {
        let k = kinds("great:) thanks!!!");
        assert_eq!(k[0], (Kind::Word, "great".into()));
        assert_eq!(k[1], (Kind::Emoticon, ":)".into()));
        let t = toks("thanks!!!");
        assert_eq!(t.toks[1].excl, 3);
    }

    #[test]
    fn stems_are_light() {
        assert_eq!(light_stem("parcels"), "parcel");
        assert_eq!(light_stem("refunds"), "refund");
        assert_eq!(light_stem("boxes"), "box");
        assert_eq!(light_stem("charged"), "charged");
        assert_eq!(light_stem("status"), "status");
        assert_eq!(light_stem("customer's"), "customer");
        assert_eq!(light_stem("bus"), "bus");
        assert_eq!(light_stem("deliveries"), "delivery");
    }

    #[test]
    fn degenerate_inputs() {
        for s in [
            "",
            " ",
            "@",
            "#",
            "!!!",
            "\u{200D}\u{FE0F}",
            "a'",
            "'-'",
            "....",
            "http://",
        ] {
            let _ = toks(s);
        }
    }
}
