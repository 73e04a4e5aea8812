//! One-pass tokeniser for social posts.
//!
//! Produces words, numbers, @mentions, #hashtags (camel-case tags are split into their words), URLs,
//! emoji, emoticons and punctuation runs, with byte offsets into the source text and a normalised
//! form (lower case, curly apostrophes straightened, letters repeated three or more times collapsed
//! to two) written into one reusable buffer, so that tokenising allocates nothing once the buffers
//! have grown.

use std::borrow::Cow;

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

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub kind: Kind,
    pub flags: u8,
    /// `!` count (punctuation runs only).
    pub excl: u16,
    /// `?` count (punctuation runs only).
    pub qmark: u16,
    /// Byte range in the analysed text (checked by the tokeniser's tests; kept for span-level
    /// features such as highlighting).
    #[allow(dead_code)]
    pub start: usize,
    #[allow(dead_code)]
    pub end: usize,
    /// Range of the normalised form in [`Tokens::norm`].
    pub n_start: usize,
    pub n_end: usize,
    /// Range of the lightly stemmed form in [`Tokens::stems`] (words and hashtags; else empty).
    pub s_start: usize,
    pub s_end: usize,
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
    pub norm: String,
    pub stems: String,
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
    c.is_alphanumeric() || c == '_'
}

#[inline]
fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}' || c == '\u{2018}'
}

/// A run of punctuation characters: strong boundary / comma flags and counts.
fn punct_flags(run: &str) -> (u8, u16, u16) {
    let mut flags = 0u8;
    let mut excl = 0u16;
    let mut q = 0u16;
    for c in run.chars() {
        match c {
            '!' => {
                excl = excl.saturating_add(1);
                flags |= F_BOUNDARY;
            }
            '?' => {
                q = q.saturating_add(1);
                flags |= F_BOUNDARY;
            }
            '.' | ';' | ':' | '\u{2026}' => flags |= F_BOUNDARY,
            ',' => flags |= F_COMMA,
            _ => {}
        }
    }
    (flags, excl, q)
}

impl Tokens {
    pub(crate) fn clear(&mut self) {
        self.toks.clear();
        self.norm.clear();
        self.stems.clear();
        self.lettered_words = 0;
        self.caps_words = 0;
    }

    #[inline]
    pub(crate) fn norm(&self, t: &Token) -> &str {
        self.norm.get(t.n_start..t.n_end).unwrap_or("")
    }

    #[inline]
    pub(crate) fn stem(&self, t: &Token) -> &str {
        self.stems.get(t.s_start..t.s_end).unwrap_or("")
    }

    /// True when some words are written in capitals and others are not (VADER's "cap diff"):
    /// capitals then signal emphasis rather than a caps-lock habit.
    pub(crate) fn caps_emphasis(&self) -> bool {
        self.caps_words > 0 && self.caps_words < self.lettered_words
    }

    /// Tokenise `text`. `is_emoticon` tells whether a lower-cased punctuation chunk is a known
    /// emoticon.
    pub(crate) fn tokenize(&mut self, text: &str, is_emoticon: &dyn Fn(&str) -> bool) {
        self.clear();
        let mut chunk_start: Option<usize> = None;
        for (i, c) in text.char_indices() {
            if c.is_whitespace() {
                if let Some(s) = chunk_start.take() {
                    self.chunk(text, s, i, is_emoticon);
                }
            } else if chunk_start.is_none() {
                chunk_start = Some(i);
            }
        }
        if let Some(s) = chunk_start {
            self.chunk(text, s, text.len(), is_emoticon);
        }
        self.compute_stems();
    }

    fn push(&mut self, kind: Kind, start: usize, end: usize, n_start: usize, flags: u8) {
        let n_end = self.norm.len();
        self.toks.push(Token {
            kind,
            flags,
            excl: 0,
            qmark: 0,
            start,
            end,
            n_start,
            n_end,
            s_start: 0,
            s_end: 0,
        });
    }

    fn push_lower(&mut self, s: &str) {
        for c in s.chars() {
            self.push_lower_char(c);
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

    fn chunk(&mut self, text: &str, start: usize, end: usize, is_emoticon: &dyn Fn(&str) -> bool) {
        let Some(chunk) = text.get(start..end) else {
            return;
        };
        let b = chunk.as_bytes();
        let starts_ci =
            |p: &str| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes());
        if starts_ci("http://") || starts_ci("https://") || starts_ci("www.") {
            let n = self.norm.len();
            self.norm.push_str("<url>");
            self.push(Kind::Url, start, end, n, 0);
            return;
        }
        // Whole-chunk emoticons such as ":-)", "</3", ":D" (chunks with some ASCII punctuation).
        if chunk.len() <= 8 && b.iter().any(|c| c.is_ascii_punctuation() && *c != b'\'') {
            let n = self.norm.len();
            self.push_lower(chunk);
            let is_emo = self.norm.get(n..).is_some_and(is_emoticon);
            if is_emo {
                self.push(Kind::Emoticon, start, end, n, 0);
                return;
            }
            self.norm.truncate(n);
        }
        self.scan(chunk, start, is_emoticon);
    }

    fn scan(&mut self, chunk: &str, base: usize, is_emoticon: &dyn Fn(&str) -> bool) {
        let mut it = chunk.char_indices().peekable();
        let mut prev: Option<char> = None;
        while let Some((i, c)) = it.next() {
            let next = it.peek().map(|&(_, n)| n);
            if (c == '@' || c == '#')
                && next.is_some_and(is_word_char)
                && !prev.is_some_and(is_word_char)
            {
                // mention or hashtag
                let mut end = chunk.len();
                while let Some(&(j, n)) = it.peek() {
                    if is_word_char(n) {
                        it.next();
                    } else {
                        end = j;
                        break;
                    }
                }
                let body_start = i + c.len_utf8();
                let body = chunk.get(body_start..end).unwrap_or("");
                if c == '@' {
                    let n = self.norm.len();
                    self.norm.push('@');
                    self.push_lower(body);
                    self.push(Kind::Mention, base + i, base + end, n, 0);
                } else {
                    self.hashtag(body, base + body_start);
                }
                prev = chunk.get(..end).and_then(|s| s.chars().next_back());
                continue;
            }
            if is_word_char(c) {
                let mut end = chunk.len();
                let mut last = c;
                loop {
                    match it.peek().copied() {
                        Some((_, n)) if is_word_char(n) => {
                            last = n;
                            it.next();
                        }
                        Some((j, n)) if (is_apostrophe(n) || n == '-' || n == '.' || n == ',') => {
                            // joiner: keep only when followed by a word character; '.' and ','
                            // only inside numbers ("3.5", "1,000")
                            let mut look = it.clone();
                            look.next();
                            match look.peek().copied() {
                                Some((_, m))
                                    if is_word_char(m)
                                        && ((n != '.' && n != ',')
                                            || (last.is_ascii_digit() && m.is_ascii_digit())) =>
                                {
                                    it.next();
                                }
                                _ => {
                                    end = j;
                                    break;
                                }
                            }
                        }
                        Some((j, _)) => {
                            end = j;
                            break;
                        }
                        None => break,
                    }
                }
                let word = chunk.get(i..end).unwrap_or("");
                self.word(word, base + i, base + end, Kind::Word);
                prev = Some(last);
                continue;
            }
            if is_emoji(c) {
                let n = self.norm.len();
                self.norm.push(c);
                let mut end = i + c.len_utf8();
                // swallow modifiers and zero-width-joined sequences into one token
                while let Some(&(j, m)) = it.peek() {
                    if is_emoji_modifier(m) {
                        let zwj = m == '\u{200D}';
                        it.next();
                        end = j + m.len_utf8();
                        if zwj {
                            if let Some(&(k, e)) = it.peek() {
                                if is_emoji(e) {
                                    it.next();
                                    end = k + e.len_utf8();
                                }
                            }
                        }
                    } else {
                        break;
                    }
                }
                self.push(Kind::Emoji, base + i, base + end, n, 0);
                prev = Some(c);
                continue;
            }
            if is_emoji_modifier(c) {
                prev = Some(c);
                continue;
            }
            // punctuation / symbol run
            let mut end = chunk.len();
            while let Some(&(j, n)) = it.peek() {
                let tag_start = (n == '@' || n == '#') && {
                    let mut look = it.clone();
                    look.next();
                    look.peek().is_some_and(|&(_, m)| is_word_char(m))
                };
                if is_word_char(n) || is_emoji(n) || is_emoji_modifier(n) || tag_start {
                    end = j;
                    break;
                }
                it.next();
            }
            let run = chunk.get(i..end).unwrap_or("");
            let n = self.norm.len();
            self.push_lower(run);
            let emo =
                run.len() >= 2 && run.len() <= 8 && self.norm.get(n..).is_some_and(is_emoticon);
            if emo {
                self.push(Kind::Emoticon, base + i, base + end, n, 0);
            } else {
                let (flags, excl, q) = punct_flags(run);
                self.push(Kind::Punct, base + i, base + end, n, flags);
                if let Some(t) = self.toks.last_mut() {
                    t.excl = excl;
                    t.qmark = q;
                }
            }
            prev = run.chars().next_back();
        }
    }

    /// A hashtag body: split camel case ("NeverAgain" -> never, again) into hashtag tokens.
    fn hashtag(&mut self, body: &str, base: usize) {
        let mut seg_start = 0usize;
        let mut prev_lower = false;
        for (i, c) in body.char_indices() {
            if c.is_uppercase() && prev_lower && i > seg_start {
                if let Some(seg) = body.get(seg_start..i) {
                    self.word(seg, base + seg_start, base + i, Kind::Hashtag);
                }
                seg_start = i;
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
        if let Some(seg) = body.get(seg_start..) {
            if !seg.is_empty() {
                self.word(seg, base + seg_start, base + body.len(), Kind::Hashtag);
            }
        }
    }

    fn word(&mut self, word: &str, start: usize, end: usize, kind: Kind) {
        let n = self.norm.len();
        let mut upper = 0u32;
        let mut lower = 0u32;
        let mut digits_only = true;
        let mut elong = false;
        let mut last: Option<char> = None;
        let mut run = 0u32;
        for c in word.chars() {
            if c.is_uppercase() {
                upper += 1;
            } else if c.is_lowercase() {
                lower += 1;
            }
            if !(c.is_ascii_digit() || c == '.' || c == ',') {
                digits_only = false;
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
        self.push(kind, start, end, n, flags);
    }

    fn compute_stems(&mut self) {
        let Tokens {
            toks, norm, stems, ..
        } = self;
        for t in toks.iter_mut() {
            if matches!(t.kind, Kind::Word | Kind::Hashtag) {
                let w = norm.get(t.n_start..t.n_end).unwrap_or("");
                t.s_start = stems.len();
                stems.push_str(&light_stem(w));
                t.s_end = stems.len();
            } else if t.kind == Kind::Number {
                t.s_start = stems.len();
                stems.push_str(norm.get(t.n_start..t.n_end).unwrap_or(""));
                t.s_end = stems.len();
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
        t.tokenize(text, &|s| {
            matches!(s, ":)" | ":(" | ":-)" | "<3" | ":d" | ":/")
        });
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
            assert!(text.get(tok.start..tok.end).is_some());
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
        let f: Vec<u8> = t.toks.iter().map(|k| k.flags).collect();
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
