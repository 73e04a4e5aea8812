//! The default sentiment scorer: a rule-based valence engine of our own over the VADER lexicon
//! and customer-care cues.
//!
//! For each sentiment-bearing token (word, hashtag word, emoji, emoticon, care cue or per-brand
//! rule phrase) the engine takes its valence and adjusts it by its context:
//! capitals used for emphasis, elongation ("soooo"), boosters and dampeners among the three words
//! before it, and negation within the same clause ("not happy", "never again"; a negated
//! expectation such as "never arrived" or "can't log in" is a complaint). Contrast words
//! ("thanks, but ...") halve what comes before them and raise what follows by half. Exclamation
//! marks and repeated question marks push the total further in its direction, and the total is
//! squashed into -1..=1 with `s / sqrt(s^2 + 15)`.

use serde::{Deserialize, Serialize};

use crate::lexicon::{
    B_INCR, CONTRAST, EXPECT, HAS_VALENCE, LEAST, Lexicon, N_SCALAR, NEGATOR, PhraseTable,
    TIME_UNIT, WordInfo,
};
use crate::token::{F_BOUNDARY, F_CAPS, F_ELONG, Kind, NO_INFO, Tokens};

/// Extra intensity of a word in capitals when the rest of the post is not (VADER's constant).
const C_INCR: f32 = 0.733;
const EXCL_INCR: f32 = 0.292;
const QMARK_INCR: f32 = 0.18;
const MAX_QMARK_INCR: f32 = 0.96;
const ALPHA: f32 = 15.0;
/// Valence of a negated expectation ("never arrived", "still not working").
const NEGATED_EXPECTATION: f32 = -1.5;
/// Valence of a waiting time ("3 hours", "45 mins").
const WAIT_TIME: f32 = -0.5;

const FREE: u8 = 0;
const RULE: u8 = 1;
const CUE_START: u8 = 2;
const COVERED: u8 = 3;

/// A sentiment class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    Negative,
    Neutral,
    Positive,
    /// Too short, or in a language that the scorer does not support: no guess is made.
    Unclassified,
}

impl SentimentLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            SentimentLabel::Negative => "negative",
            SentimentLabel::Neutral => "neutral",
            SentimentLabel::Positive => "positive",
            SentimentLabel::Unclassified => "unclassified",
        }
    }

    /// The three classes a classifier can predict, in their canonical order.
    pub const CLASSES: [SentimentLabel; 3] = [
        SentimentLabel::Negative,
        SentimentLabel::Neutral,
        SentimentLabel::Positive,
    ];
}

impl std::fmt::Display for SentimentLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a string that names no sentiment label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sentiment label {0:?} (expected negative, neutral, positive or unclassified)")]
pub struct ParseLabelError(pub String);

impl std::str::FromStr for SentimentLabel {
    type Err = ParseLabelError;
    /// Case-insensitive; also accepts the short forms "neg", "neu", "pos".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "negative" | "neg" => Ok(SentimentLabel::Negative),
            "neutral" | "neu" => Ok(SentimentLabel::Neutral),
            "positive" | "pos" => Ok(SentimentLabel::Positive),
            "unclassified" => Ok(SentimentLabel::Unclassified),
            _ => Err(ParseLabelError(s.to_string())),
        }
    }
}

/// Sentiment of one message.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    pub label: SentimentLabel,
    /// -1 (most negative) ..= 1 (most positive); 0 when unclassified.
    pub score: f32,
    /// 0..=1. For the default scorer a monotone function of how far the score is from the
    /// class boundary (not a probability); for a trained model the predicted class probability.
    pub confidence: f32,
}

impl Sentiment {
    pub const UNCLASSIFIED: Sentiment = Sentiment {
        label: SentimentLabel::Unclassified,
        score: 0.0,
        confidence: 0.0,
    };
}

/// What the scorer measured in one message.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct RawScore {
    /// Sum of adjusted valences (unbounded).
    pub sum: f32,
    /// `sum` squashed into -1..=1.
    pub compound: f32,
    pub pos: f32,
    pub neg: f32,
    /// Tokens that carried a valence.
    pub valenced: u32,
    /// Words, hashtag words, emoji and emoticons.
    pub content: u32,
    pub negations: u32,
    pub cues: u32,
}

#[derive(Default, Debug)]
pub(crate) struct ScoreScratch {
    vals: Vec<f32>,
    state: Vec<u8>,
}

impl ScoreScratch {
    /// Which tokens of the last scored text a per-brand rule covered.
    pub(crate) fn rule_mask(&self, out: &mut Vec<bool>) {
        out.clear();
        out.extend(self.state.iter().map(|s| *s == RULE));
    }
}

/// What the scorer reads from a tokenised text: the full [`Tokens`] of `enrich`, or the compact
/// tokens of the scorer-only path ([`crate::fastscore`]). Indices are below [`ScoreView::len`].
pub(crate) trait ScoreView {
    fn len(&self) -> usize;
    fn kind(&self, i: usize) -> Kind;
    /// `F_CAPS`, `F_ELONG`, `F_BOUNDARY` as set by the tokeniser.
    fn flags(&self, i: usize) -> u8;
    /// Lexicon entry id, or `NO_INFO`.
    fn info_id(&self, i: usize) -> u32;
    /// `!` and `?` counts of a punctuation run.
    fn punct_counts(&self, i: usize) -> (u16, u16);
    /// The normal form ends with "n't".
    fn ends_with_nt(&self, i: usize) -> bool;
    /// The normal form is "at" or "very".
    fn is_at_or_very(&self, i: usize) -> bool;
    /// Valence of an emoji token.
    fn emoji_valence(&self, i: usize, lex: &Lexicon) -> f32;
    fn caps_emphasis(&self) -> bool;
    /// The longest per-brand rule phrase starting at token `i`.
    fn rule_at(&self, rules: &PhraseTable<f32>, i: usize) -> Option<(usize, f32)>;

    /// The lexicon entry of token `i`.
    fn info(&self, i: usize, lex: &Lexicon) -> Option<WordInfo>;
    /// False when no token starts a customer-care cue phrase (the cue pass can be skipped).
    fn may_have_cues(&self) -> bool;
    /// False when token `i`, outside any rule or cue phrase, can neither carry a valence nor
    /// mark a contrast (it then only counts as content): not an emoticon or emoji, and not a
    /// word whose entry has a valence, contrast, time-unit or expectation flag.
    fn may_score(&self, i: usize) -> bool;

    #[inline]
    fn is_wordlike(&self, i: usize) -> bool {
        matches!(self.kind(i), Kind::Word | Kind::Hashtag | Kind::Number)
    }
}

impl ScoreView for Tokens {
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
        self.toks[i].flags
    }
    #[inline]
    fn info_id(&self, i: usize) -> u32 {
        self.toks[i].info
    }
    #[inline]
    fn info(&self, i: usize, lex: &Lexicon) -> Option<WordInfo> {
        match self.toks[i].info {
            NO_INFO => None,
            id => lex.info(id).copied(),
        }
    }
    #[inline]
    fn may_have_cues(&self) -> bool {
        true
    }
    #[inline]
    fn may_score(&self, _i: usize) -> bool {
        true
    }
    #[inline]
    fn punct_counts(&self, i: usize) -> (u16, u16) {
        (self.toks[i].excl, self.toks[i].qmark)
    }
    #[inline]
    fn ends_with_nt(&self, i: usize) -> bool {
        self.norm(&self.toks[i]).ends_with("n't")
    }
    #[inline]
    fn is_at_or_very(&self, i: usize) -> bool {
        matches!(self.norm(&self.toks[i]), "at" | "very")
    }
    fn emoji_valence(&self, i: usize, lex: &Lexicon) -> f32 {
        self.norm(&self.toks[i])
            .chars()
            .next()
            .and_then(|c| lex.emoji.get(&c).copied())
            .unwrap_or(0.0)
    }
    #[inline]
    fn caps_emphasis(&self) -> bool {
        Tokens::caps_emphasis(self)
    }
    fn rule_at(&self, rules: &PhraseTable<f32>, i: usize) -> Option<(usize, f32)> {
        rules.match_at(self, i, false)
    }
}

#[inline]
fn is_negator<T: ScoreView>(t: &T, i: usize, info: Option<&WordInfo>) -> bool {
    info.is_some_and(|i| i.flags & NEGATOR != 0) || t.ends_with_nt(i)
}

/// The longest customer-care cue phrase starting at token `i`: (number of tokens, valence).
#[inline]
fn cue_at<T: ScoreView>(lex: &Lexicon, t: &T, i: usize) -> Option<(usize, f32)> {
    if i >= t.len() {
        return None;
    }
    let cue = t.info(i, lex)?.cue;
    if cue == 0 {
        return None;
    }
    let list = lex.cues.get(usize::from(cue) - 1)?;
    'outer: for (rest, v) in list {
        for (off, id) in rest.iter().enumerate() {
            let k = i + 1 + off;
            if k < t.len() && t.info_id(k) == *id && t.is_wordlike(k) {
                continue;
            }
            continue 'outer;
        }
        return Some((rest.len() + 1, *v));
    }
    None
}

pub(crate) fn score<T: ScoreView>(
    lex: &Lexicon,
    rules: Option<&PhraseTable<f32>>,
    t: &T,
    s: &mut ScoreScratch,
) -> RawScore {
    let n = t.len();
    let ScoreScratch { vals, state } = s;
    vals.clear();
    vals.resize(n, 0.0);
    state.clear();
    state.resize(n, FREE);
    let mut raw = RawScore::default();

    // 1. per-brand rules, 2. customer-care cue phrases
    if let Some(r) = rules.filter(|r| !r.is_empty()) {
        let mut i = 0;
        while i < n {
            if let Some((len, v)) = t.rule_at(r, i) {
                vals[i] = v;
                state[i..i + len].fill(RULE);
                i += len;
            } else {
                i += 1;
            }
        }
    }
    let mut i = if t.may_have_cues() { 0 } else { n };
    while i < n {
        if state[i] == FREE {
            if let Some((len, v)) = cue_at(lex, t, i) {
                if state[i..i + len].iter().all(|x| *x == FREE) {
                    vals[i] = v;
                    state[i] = CUE_START;
                    state[i + 1..i + len].fill(COVERED);
                    raw.cues += 1;
                    i += len;
                    continue;
                }
            }
        }
        i += 1;
    }

    let caps_emphasis = t.caps_emphasis();
    let mut last_contrast: Option<usize> = None;
    for i in 0..n {
        let kind = t.kind(i);
        if matches!(
            kind,
            Kind::Word | Kind::Hashtag | Kind::Emoji | Kind::Emoticon
        ) {
            raw.content += 1;
        }
        let st = state[i];
        if st == RULE || st == COVERED || (st == FREE && !t.may_score(i)) {
            continue;
        }
        let mut flags = 0u16;
        let mut v = if st == CUE_START {
            vals[i]
        } else {
            match kind {
                Kind::Word | Kind::Hashtag => match t.info(i, lex) {
                    Some(info) => {
                        flags = info.flags;
                        if flags & CONTRAST != 0 {
                            last_contrast = Some(i);
                        }
                        if flags & HAS_VALENCE != 0 {
                            info.valence
                        } else {
                            0.0
                        }
                    }
                    None => 0.0,
                },
                Kind::Emoticon => t.info(i, lex).map_or(0.0, |w| w.valence),
                Kind::Emoji => t.emoji_valence(i, lex),
                _ => 0.0,
            }
        };
        if flags & TIME_UNIT != 0 && v == 0.0 && i > 0 && t.kind(i - 1) == Kind::Number {
            v = WAIT_TIME;
        }
        let expect = flags & EXPECT != 0 && v == 0.0;
        if v == 0.0 && !expect {
            continue;
        }

        // look back over up to three words in the same clause
        let mut negated = false;
        let mut boost = 0.0f32;
        let mut dist = 0usize;
        let mut j = i;
        while j > 0 && dist < 3 {
            j -= 1;
            let pflags = t.flags(j);
            match t.kind(j) {
                Kind::Punct if pflags & F_BOUNDARY != 0 => break,
                Kind::Word | Kind::Hashtag => {}
                _ => continue,
            }
            dist += 1;
            let info = t.info(j, lex);
            let info = info.as_ref();
            if info.is_some_and(|x| x.flags & CONTRAST != 0) {
                break;
            }
            // an earlier sentiment word closes the scope: in "aren't good at dirty talk" the
            // negation flips "good", not "dirty"
            if vals[j] != 0.0 {
                break;
            }
            if state[j] == RULE {
                continue;
            }
            if is_negator(t, j, info) {
                negated = !negated;
                raw.negations += 1;
            } else if let Some(x) = info {
                if x.flags & LEAST != 0 && !(j > 0 && t.is_at_or_very(j - 1)) {
                    negated = !negated;
                }
                if x.booster != 0.0 && st != CUE_START {
                    let mut b = x.booster * [1.0, 0.95, 0.9][dist - 1];
                    if caps_emphasis && pflags & F_CAPS != 0 {
                        b += C_INCR * b.signum();
                    }
                    boost += b;
                }
            }
        }
        if expect {
            if !negated {
                continue;
            }
            v = NEGATED_EXPECTATION;
            negated = false;
        }
        let sign = v.signum();
        if st != CUE_START {
            let tflags = t.flags(i);
            if caps_emphasis && tflags & F_CAPS != 0 {
                v += C_INCR * sign;
            }
            if tflags & F_ELONG != 0 {
                v += B_INCR * sign;
            }
        }
        v += boost * sign;
        if negated && st != CUE_START {
            v *= N_SCALAR;
        }
        vals[i] = v;
    }

    // contrast: what follows "but" counts more than what precedes it
    if let Some(c) = last_contrast {
        for (k, v) in vals.iter_mut().enumerate() {
            if k < c {
                *v *= 0.5;
            } else if k > c {
                *v *= 1.5;
            }
        }
    }

    let mut excl = 0u32;
    let mut q = 0u32;
    for (k, v) in vals.iter().enumerate() {
        if *v > 0.0 {
            raw.pos += v;
            raw.valenced += 1;
        } else if *v < 0.0 {
            raw.neg += v;
            raw.valenced += 1;
        }
        if t.kind(k) == Kind::Punct {
            let (e, qm) = t.punct_counts(k);
            excl += u32::from(e);
            q += u32::from(qm);
        }
    }
    let mut sum = raw.pos + raw.neg;
    let mut emph = excl.min(4) as f32 * EXCL_INCR;
    if q > 1 {
        emph += (q as f32 * QMARK_INCR).min(MAX_QMARK_INCR);
    }
    if sum > 0.0 {
        sum += emph;
    } else if sum < 0.0 {
        sum -= emph;
    }
    raw.sum = sum;
    raw.compound = if sum == 0.0 {
        0.0
    } else {
        (sum / (sum * sum + ALPHA).sqrt()).clamp(-1.0, 1.0)
    };
    raw
}

/// Turn a raw score into a label with the default scorer's (heuristic) confidence.
pub(crate) fn label(raw: &RawScore, neutral_band: f32) -> Sentiment {
    let c = raw.compound;
    let band = neutral_band.max(1e-6);
    if c >= band || c <= -band {
        let label = if c > 0.0 {
            SentimentLabel::Positive
        } else {
            SentimentLabel::Negative
        };
        // 0.5 at the boundary, approaching 1 for strong scores
        let conf = 0.5 + 0.5 * ((c.abs() - band) / (0.75 - band).max(0.05)).clamp(0.0, 1.0);
        Sentiment {
            label,
            score: c,
            confidence: conf,
        }
    } else {
        // Neutral: surest when nothing carried sentiment and the post had several words.
        let evidence = (raw.content as f32 / 6.0).min(1.0);
        let conf = 0.4
            + 0.4 * (1.0 - c.abs() / band) * evidence
            + if raw.valenced == 0 { 0.1 } else { 0.0 };
        Sentiment {
            label: SentimentLabel::Neutral,
            score: c,
            confidence: conf.clamp(0.0, 1.0),
        }
    }
}
