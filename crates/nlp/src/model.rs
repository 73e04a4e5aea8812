//! Calibrated linear models: multinomial logistic regression over hashed features, trained by
//! stochastic gradient descent with AdaGrad step sizes.
//!
//! Features of a message (all from the one tokenisation the enricher already does):
//! - word unigrams and bigrams over normalised tokens (mentions, URLs and numbers collapsed to
//!   one token each), plus a negation-scope copy of the words that follow a negator;
//! - character 2..5-grams inside each word padded with spaces (robust to misspellings,
//!   elongations and inflections);
//! - eight dense lexicon features from the default scorer (its score, positive and negative
//!   mass, negations, complaint cues, `!`/`?`), so that the model starts from what the rules know
//!   and per-brand rules still act on a trained model.
//!
//! Text features are hashed into `2^hash_bits` buckets with a hash defined here (stable across
//! platforms and crate versions, so stored models stay valid), given sublinear term frequency and
//! L2-normalised. Logistic regression was chosen over a linear SVM because its outputs are
//! probabilities: the confidence we report for a trained model is the predicted probability.

use serde::{Deserialize, Serialize};

use crate::NlpError;
use crate::enricher::{Scratch, with_scratch};
use crate::lexicon::{self, CONTRAST, Lexicon, NEGATOR};
use crate::sentiment::{self, RawScore, SentimentLabel};
use crate::token::{F_BOUNDARY, Kind, Tokens};

/// What a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// negative / neutral / positive
    Sentiment,
    /// topic or complaint reason (free label set)
    Topic,
}

impl Task {
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Sentiment => "sentiment",
            Task::Topic => "topic",
        }
    }
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Task {
    type Err = NlpError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sentiment" => Ok(Task::Sentiment),
            "topic" | "reason" | "complaint_reason" => Ok(Task::Topic),
            other => Err(NlpError::Options(format!(
                "unknown task {other:?} (expected sentiment or topic)"
            ))),
        }
    }
}

/// One labelled training or evaluation example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub text: String,
    pub label: String,
}

impl Example {
    pub fn new(text: impl Into<String>, label: impl Into<String>) -> Self {
        Example {
            text: text.into(),
            label: label.into(),
        }
    }
}

/// How examples are weighted by class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// Every example counts once.
    #[default]
    None,
    /// Examples of rare classes count more (`n / (classes * n_class)`), which trades a little
    /// accuracy for recall on the rare classes (macro-F1).
    Balanced,
}

/// Which features a model uses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// Word n-grams up to this length (0 = none, 1 = unigrams, 2 = uni- and bigrams).
    pub word_ngrams: u8,
    /// Character n-grams within words, from `char_min` to `char_max` characters (0 = none).
    pub char_min: u8,
    pub char_max: u8,
    /// Dense features from the default lexicon scorer.
    pub lexicon: bool,
    /// Copies of the words in a negation's scope ("not good" -> also "NOT_good").
    pub negation_scope: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            word_ngrams: 2,
            char_min: 2,
            char_max: 5,
            lexicon: true,
            negation_scope: true,
        }
    }
}

/// Training options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainOptions {
    pub features: FeatureConfig,
    /// Hashed text features go into `2^hash_bits` buckets (10..=24).
    pub hash_bits: u8,
    /// Passes over the data.
    pub epochs: u32,
    /// AdaGrad base step size.
    pub learning_rate: f32,
    /// L2 penalty (applied to the weights an example touches).
    pub l2: f32,
    pub class_weight: ClassWeight,
    /// Seed of the example shuffling: the same data and options give the same model.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureConfig::default(),
            hash_bits: 18,
            epochs: 10,
            learning_rate: 0.05,
            l2: 1e-5,
            class_weight: ClassWeight::None,
            seed: 0x5eed,
        }
    }
}

impl TrainOptions {
    pub(crate) fn validate(&self) -> Result<(), NlpError> {
        if !(10..=24).contains(&self.hash_bits) {
            return Err(NlpError::Options(format!(
                "hash_bits must be within 10..=24, got {}",
                self.hash_bits
            )));
        }
        if self.epochs == 0 || self.epochs > 1000 {
            return Err(NlpError::Options(format!(
                "epochs must be within 1..=1000, got {}",
                self.epochs
            )));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(NlpError::Options(
                "learning_rate must be a positive number".into(),
            ));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(NlpError::Options("l2 must be a non-negative number".into()));
        }
        let f = &self.features;
        if f.word_ngrams > 3
            || f.char_max > 8
            || (f.char_max > 0 && (f.char_min == 0 || f.char_min > f.char_max))
        {
            return Err(NlpError::Options(
                "features: word_ngrams <= 3 and 1 <= char_min <= char_max <= 8 (or char_max = 0)"
                    .into(),
            ));
        }
        if f.word_ngrams == 0 && f.char_max == 0 && !f.lexicon {
            return Err(NlpError::Options(
                "features: at least one feature family is needed".into(),
            ));
        }
        Ok(())
    }
}

const N_DENSE: usize = 8;
const MAGIC: &[u8; 8] = b"EARSHOTM";
/// Bumped whenever the feature pipeline changes in a way that changes a model's meaning.
const FORMAT_VERSION: u32 = 1;

/// A trained model: task, label set, feature configuration and weights. Serialise with
/// [`Model::to_bytes`] (compact binary, weights stored sparsely) or serde.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    format_version: u32,
    task: Task,
    labels: Vec<String>,
    features: FeatureConfig,
    hash_bits: u8,
    /// `(2^hash_bits + N_DENSE) * labels.len()` weights, row-major by feature.
    #[serde(with = "sparse")]
    weights: Vec<f32>,
    bias: Vec<f32>,
    trained_on: usize,
}

/// Weights serialised sparsely: delta-coded indices of non-zero rows and their values.
mod sparse {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Sparse {
        len: u32,
        /// (gap to the previous non-zero index, value)
        entries: Vec<(u32, f32)>,
    }

    pub fn serialize<S: Serializer>(w: &[f32], s: S) -> Result<S::Ok, S::Error> {
        let mut entries = Vec::new();
        let mut prev = 0usize;
        for (i, v) in w.iter().enumerate() {
            if *v != 0.0 {
                entries.push(((i - prev) as u32, *v));
                prev = i;
            }
        }
        Sparse {
            len: w.len() as u32,
            entries,
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let sp = Sparse::deserialize(d)?;
        let len = sp.len as usize;
        if len > (1 << 24) * 64 {
            return Err(serde::de::Error::custom("weight vector too large"));
        }
        let mut w = vec![0.0f32; len];
        let mut i = 0usize;
        for (gap, v) in sp.entries {
            i = i
                .checked_add(gap as usize)
                .ok_or_else(|| serde::de::Error::custom("index overflow"))?;
            let slot = w
                .get_mut(i)
                .ok_or_else(|| serde::de::Error::custom("weight index out of range"))?;
            *slot = v;
        }
        Ok(w)
    }
}

/// A model's prediction for one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub label: String,
    /// Probability of `label`.
    pub confidence: f32,
    /// Probability of every label, in the model's label order.
    pub probabilities: Vec<(String, f32)>,
}

// ---------------------------------------------------------------------------------------------
// hashing

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[inline]
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[inline]
fn bucket(h: u64, bits: u8) -> u32 {
    (mix(h) >> (64 - u32::from(bits))) as u32
}

const NS_WORD: u64 = FNV_OFFSET ^ 0x11;
const NS_BIGRAM: u64 = FNV_OFFSET ^ 0x22;
const NS_CHAR: u64 = FNV_OFFSET ^ 0x33;
const NS_NEG: u64 = FNV_OFFSET ^ 0x44;
const NS_TRIGRAM: u64 = FNV_OFFSET ^ 0x55;

/// The form of a token in word n-grams; `None` for tokens that do not take part.
fn word_form(t: &Tokens, k: usize) -> Option<&str> {
    let tok = t.toks.get(k)?;
    Some(match tok.kind {
        Kind::Word | Kind::Hashtag | Kind::Emoji | Kind::Emoticon => t.norm(tok),
        Kind::Mention => "@user",
        Kind::Url => "<url>",
        Kind::Number => "<num>",
        Kind::Punct => {
            if tok.excl > 0 {
                "!"
            } else if tok.qmark > 0 {
                "?"
            } else {
                return None;
            }
        }
    })
}

/// Hashed, merged, normalised features of a tokenised text (plus dense lexicon features at
/// indices `2^bits ..`). `mask[k]` excludes token `k` (covered by a per-brand rule).
pub(crate) fn features(
    lex: &Lexicon,
    t: &Tokens,
    raw: &RawScore,
    cfg: &FeatureConfig,
    bits: u8,
    mask: &[bool],
    out: &mut Vec<(u32, f32)>,
) {
    out.clear();
    // a model deserialised without `check` cannot make the shifts below overflow
    let bits = bits.clamp(10, 24);
    let masked = |k: usize| mask.get(k).copied().unwrap_or(false);
    let n = t.toks.len();
    if cfg.word_ngrams > 0 {
        let mut prev: Option<u64> = None;
        let mut prev2: Option<u64> = None;
        let mut neg_left = 0u8;
        for k in 0..n {
            let tok = &t.toks[k];
            if tok.kind == Kind::Punct && tok.flags & F_BOUNDARY != 0 {
                neg_left = 0;
            }
            let Some(form) = word_form(t, k).filter(|_| !masked(k)) else {
                if tok.kind == Kind::Punct && tok.flags & F_BOUNDARY != 0 {
                    prev = None;
                    prev2 = None;
                }
                continue;
            };
            let hw = fnv(NS_WORD, form.as_bytes());
            out.push((bucket(hw, bits), 1.0));
            if cfg.word_ngrams >= 2 {
                if let Some(p) = prev {
                    out.push((bucket(fnv(p ^ NS_BIGRAM, form.as_bytes()), bits), 1.0));
                    if cfg.word_ngrams >= 3 {
                        if let Some(p2) = prev2 {
                            out.push((
                                bucket(fnv(p2 ^ p ^ NS_TRIGRAM, form.as_bytes()), bits),
                                1.0,
                            ));
                        }
                    }
                }
            }
            if cfg.negation_scope && matches!(tok.kind, Kind::Word | Kind::Hashtag) {
                let info = t.info(tok, lex);
                if info.is_some_and(|i| i.flags & CONTRAST != 0) {
                    neg_left = 0;
                } else if neg_left > 0 {
                    out.push((bucket(fnv(NS_NEG, form.as_bytes()), bits), 1.0));
                    neg_left -= 1;
                }
                if info.is_some_and(|i| i.flags & NEGATOR != 0) || form.ends_with("n't") {
                    neg_left = 3;
                }
            }
            prev2 = prev;
            prev = Some(hw);
        }
    }
    if cfg.char_max >= cfg.char_min && cfg.char_min > 0 {
        let (lo, hi) = (usize::from(cfg.char_min), usize::from(cfg.char_max));
        let mut starts: [usize; 64] = [0; 64];
        for (k, tok) in t.toks.iter().enumerate() {
            if !matches!(tok.kind, Kind::Word | Kind::Hashtag) || masked(k) {
                continue;
            }
            let w = t.norm(tok).as_bytes();
            // char boundaries of " w " (at most 62 chars of a word)
            let mut m = 0usize;
            starts[m] = 0; // the leading space
            m += 1;
            for (i, _) in t.norm(tok).char_indices() {
                if m >= 62 {
                    break;
                }
                starts[m] = i + 1;
                m += 1;
            }
            let body_end = if m >= 62 { starts[m - 1] } else { w.len() + 1 };
            starts[m] = body_end; // the trailing space
            m += 1;
            starts[m] = body_end + 1; // end
            let padded = |a: usize, b: usize, h: u64| -> u64 {
                // hash bytes of " w " between positions a..b without building the string
                let mut h = h;
                for pos in a..b {
                    let byte = if pos == 0 || pos == body_end {
                        b' '
                    } else {
                        w.get(pos - 1).copied().unwrap_or(b' ')
                    };
                    h ^= u64::from(byte);
                    h = h.wrapping_mul(FNV_PRIME);
                }
                h
            };
            for s in 0..m {
                let mut h = NS_CHAR;
                let mut last = starts[s];
                for len in 1..=hi {
                    let e = s + len;
                    if e > m {
                        break;
                    }
                    h = padded(last, starts[e], h);
                    last = starts[e];
                    if len >= lo {
                        out.push((bucket(h, bits), 1.0));
                    }
                }
            }
        }
    }
    // merge duplicates, sublinear tf, L2 normalise
    out.sort_unstable_by_key(|f| f.0);
    let mut w = 0usize;
    for r in 0..out.len() {
        if w > 0 && out[w - 1].0 == out[r].0 {
            out[w - 1].1 += out[r].1;
        } else {
            out[w] = out[r];
            w += 1;
        }
    }
    out.truncate(w);
    let mut norm = 0.0f32;
    for f in out.iter_mut() {
        f.1 = 1.0 + f.1.ln();
        norm += f.1 * f.1;
    }
    if norm > 0.0 {
        let inv = 1.0 / norm.sqrt();
        for f in out.iter_mut() {
            f.1 *= inv;
        }
    }
    if cfg.lexicon {
        let base = 1u32 << bits;
        let dense = [
            raw.compound,
            (raw.pos / 4.0).min(2.0),
            (raw.neg / 4.0).max(-2.0),
            if raw.valenced == 0 { 1.0 } else { 0.0 },
            if raw.negations > 0 { 1.0 } else { 0.0 },
            (raw.cues as f32 / 2.0).min(1.0),
            if t.toks.iter().any(|k| k.excl > 0) {
                1.0
            } else {
                0.0
            },
            if t.toks.iter().any(|k| k.qmark > 0) {
                1.0
            } else {
                0.0
            },
        ];
        for (i, v) in dense.iter().enumerate() {
            if *v != 0.0 && v.is_finite() {
                out.push((base + i as u32, *v));
            }
        }
    }
}

/// Tokenise and featurise one text with this thread's scratch buffers.
fn featurize(text: &str, cfg: &FeatureConfig, bits: u8, out: &mut Vec<(u32, f32)>) {
    let lex = lexicon::global();
    with_scratch(|s: &mut Scratch| {
        s.tokens
            .tokenize(crate::enricher::truncate_default(text), Some(lex));
        let raw = sentiment::score(lex, None, &s.tokens, &mut s.score);
        features(lex, &s.tokens, &raw, cfg, bits, &[], out);
    });
}

// ---------------------------------------------------------------------------------------------
// model

impl Model {
    pub fn task(&self) -> Task {
        self.task
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn feature_config(&self) -> &FeatureConfig {
        &self.features
    }

    /// Number of examples the model was trained on.
    pub fn trained_on(&self) -> usize {
        self.trained_on
    }

    fn k(&self) -> usize {
        self.labels.len()
    }

    /// Scores -> probabilities (in place), returning the index of the most likely label.
    pub(crate) fn probabilities(&self, feats: &[(u32, f32)], probs: &mut Vec<f32>) -> usize {
        let k = self.k();
        probs.clear();
        probs.extend_from_slice(&self.bias);
        for (idx, v) in feats {
            let base = *idx as usize * k;
            if let Some(row) = self.weights.get(base..base + k) {
                for (p, w) in probs.iter_mut().zip(row) {
                    *p += w * v;
                }
            }
        }
        softmax(probs)
    }

    /// Predict the label of one text.
    pub fn predict(&self, text: &str) -> Prediction {
        let mut feats = Vec::new();
        featurize(text, &self.features, self.hash_bits, &mut feats);
        let mut probs = Vec::with_capacity(self.k());
        let best = self.probabilities(&feats, &mut probs);
        Prediction {
            label: self.labels.get(best).cloned().unwrap_or_default(),
            confidence: probs.get(best).copied().unwrap_or(0.0),
            probabilities: self
                .labels
                .iter()
                .cloned()
                .zip(probs.iter().copied())
                .collect(),
        }
    }

    /// Index of the predicted label (cheaper than [`Model::predict`]).
    pub fn predict_index(&self, text: &str) -> usize {
        let mut feats = Vec::new();
        featurize(text, &self.features, self.hash_bits, &mut feats);
        let mut probs = Vec::with_capacity(self.k());
        self.probabilities(&feats, &mut probs)
    }

    /// Predict from the enricher's tokens and raw score (`mask`: tokens covered by rules).
    pub(crate) fn predict_tokens(
        &self,
        t: &Tokens,
        raw: &RawScore,
        mask: &[bool],
        feats: &mut Vec<(u32, f32)>,
        probs: &mut Vec<f32>,
    ) -> usize {
        features(
            lexicon::global(),
            t,
            raw,
            &self.features,
            self.hash_bits,
            mask,
            feats,
        );
        self.probabilities(feats, probs)
    }

    /// Compact binary form for storage (e.g. one row per brand).
    pub fn to_bytes(&self) -> Result<Vec<u8>, NlpError> {
        let mut out = MAGIC.to_vec();
        let body = postcard::to_allocvec(self).map_err(|e| NlpError::ModelFormat(e.to_string()))?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Load a model from [`Model::to_bytes`] output.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, NlpError> {
        let body = bytes.strip_prefix(MAGIC.as_slice()).ok_or_else(|| {
            NlpError::ModelFormat("not an Earshot model (bad magic bytes)".into())
        })?;
        let m: Model =
            postcard::from_bytes(body).map_err(|e| NlpError::ModelFormat(e.to_string()))?;
        m.check()?;
        Ok(m)
    }

    /// Load a model and check that it was trained for `task`.
    pub fn from_bytes_for(bytes: &[u8], task: Task) -> Result<Model, NlpError> {
        let m = Model::from_bytes(bytes)?;
        m.expect_task(task)?;
        Ok(m)
    }

    /// An error unless the model was trained for `task`.
    pub fn expect_task(&self, task: Task) -> Result<(), NlpError> {
        if self.task != task {
            return Err(NlpError::WrongTask {
                expected: task,
                found: self.task,
            });
        }
        Ok(())
    }

    /// Structural checks (after deserialising from any source).
    pub fn check(&self) -> Result<(), NlpError> {
        if self.format_version != FORMAT_VERSION {
            return Err(NlpError::ModelFormat(format!(
                "model format version {} is not supported (this build reads version {FORMAT_VERSION}); retrain the model",
                self.format_version
            )));
        }
        if !(10..=24).contains(&self.hash_bits) {
            return Err(NlpError::ModelFormat(format!(
                "hash_bits {} out of range",
                self.hash_bits
            )));
        }
        let k = self.labels.len();
        if k < 2 {
            return Err(NlpError::ModelFormat(
                "a model needs at least two labels".into(),
            ));
        }
        let rows = (1usize << self.hash_bits) + N_DENSE;
        if self.weights.len() != rows * k || self.bias.len() != k {
            return Err(NlpError::ModelFormat(
                "weight dimensions do not match the label set".into(),
            ));
        }
        if self
            .weights
            .iter()
            .chain(&self.bias)
            .any(|w| !w.is_finite())
        {
            return Err(NlpError::ModelFormat("non-finite weight".into()));
        }
        if self.task == Task::Sentiment {
            for l in &self.labels {
                sentiment_label(l, None)?;
            }
        }
        Ok(())
    }
}

fn softmax(z: &mut [f32]) -> usize {
    let mut best = 0usize;
    let mut max = f32::NEG_INFINITY;
    for (i, v) in z.iter().enumerate() {
        if *v > max {
            max = *v;
            best = i;
        }
    }
    if !max.is_finite() {
        let u = 1.0 / z.len().max(1) as f32;
        z.iter_mut().for_each(|v| *v = u);
        return 0;
    }
    let mut sum = 0.0f32;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
    best
}

/// Parse a sentiment training label (negative / neutral / positive, case-insensitive).
pub(crate) fn sentiment_label(label: &str, line: Option<u64>) -> Result<SentimentLabel, NlpError> {
    match label.parse::<SentimentLabel>() {
        Ok(l) if l != SentimentLabel::Unclassified => Ok(l),
        _ => Err(NlpError::InvalidLabel {
            task: Task::Sentiment,
            label: label.to_string(),
            line,
            allowed: SentimentLabel::CLASSES
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
        }),
    }
}

/// The canonical form of a label for `task`, or an error.
pub(crate) fn canonical_label(
    task: Task,
    label: &str,
    line: Option<u64>,
) -> Result<String, NlpError> {
    match task {
        Task::Sentiment => Ok(sentiment_label(label, line)?.as_str().to_string()),
        Task::Topic => {
            let l = label.trim();
            if l.is_empty() {
                return Err(NlpError::InvalidLabel {
                    task,
                    label: label.to_string(),
                    line,
                    allowed: vec![],
                });
            }
            Ok(l.to_string())
        }
    }
}

/// The label set of `examples` for `task` (sentiment: canonical order; topic: sorted) and each
/// example's label index.
pub(crate) fn label_set(
    task: Task,
    examples: &[Example],
) -> Result<(Vec<String>, Vec<usize>), NlpError> {
    let mut canon = Vec::with_capacity(examples.len());
    for (i, e) in examples.iter().enumerate() {
        canon.push(canonical_label(task, &e.label, Some(i as u64 + 1)).map_err(
            |err| match err {
                // positions in a slice are example numbers, not file lines
                NlpError::InvalidLabel {
                    task,
                    label,
                    allowed,
                    ..
                } => NlpError::InvalidLabel {
                    task,
                    label: format!("{label} (example {})", i + 1),
                    line: None,
                    allowed,
                },
                other => other,
            },
        )?);
    }
    let mut labels: Vec<String> = canon.clone();
    labels.sort();
    labels.dedup();
    if task == Task::Sentiment {
        labels = SentimentLabel::CLASSES
            .iter()
            .map(|c| c.as_str().to_string())
            .filter(|c| labels.contains(c))
            .collect();
    }
    let idx = canon
        .iter()
        .map(|c| labels.iter().position(|l| l == c).unwrap_or(0))
        .collect();
    Ok((labels, idx))
}

/// SplitMix64: a small, seeded, portable generator for shuffling.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Featurise all examples once.
pub(crate) fn featurize_all(examples: &[Example], opts: &TrainOptions) -> Vec<Vec<(u32, f32)>> {
    examples
        .iter()
        .map(|e| {
            let mut f = Vec::new();
            featurize(&e.text, &opts.features, opts.hash_bits, &mut f);
            f
        })
        .collect()
}

/// Train a model for `task` on `examples`.
///
/// Errors: no examples, a label the task does not accept, fewer than two distinct labels, or
/// invalid options.
pub fn train(task: Task, examples: &[Example], options: &TrainOptions) -> Result<Model, NlpError> {
    options.validate()?;
    if examples.is_empty() {
        return Err(NlpError::Empty("no training examples".into()));
    }
    let (labels, y) = label_set(task, examples)?;
    if labels.len() < 2 {
        return Err(NlpError::TooFewClasses {
            found: labels.len(),
            labels,
        });
    }
    let feats = featurize_all(examples, options);
    Ok(train_featurized(task, labels, &feats, &y, options))
}

/// The SGD loop over pre-computed features (shared with cross-validation).
pub(crate) fn train_featurized(
    task: Task,
    labels: Vec<String>,
    feats: &[Vec<(u32, f32)>],
    y: &[usize],
    opts: &TrainOptions,
) -> Model {
    let k = labels.len();
    let rows = (1usize << opts.hash_bits) + N_DENSE;
    let mut w = vec![0.0f32; rows * k];
    let mut g2 = vec![0.0f32; rows * k];
    let mut b = vec![0.0f32; k];
    let mut gb2 = vec![0.0f32; k];
    let n = feats.len().min(y.len());

    let mut class_w = vec![1.0f32; k];
    if opts.class_weight == ClassWeight::Balanced {
        let mut counts = vec![0usize; k];
        for &c in &y[..n] {
            if let Some(x) = counts.get_mut(c) {
                *x += 1;
            }
        }
        for (cw, c) in class_w.iter_mut().zip(&counts) {
            *cw = if *c > 0 {
                n as f32 / (k as f32 * *c as f32)
            } else {
                1.0
            };
        }
    }

    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng::new(opts.seed);
    let mut p = vec![0.0f32; k];
    let mut grad = vec![0.0f32; k];
    const EPS: f32 = 1e-6;
    let lr = opts.learning_rate;
    for _ in 0..opts.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let x = &feats[i];
            let yi = y[i];
            p.copy_from_slice(&b);
            for (idx, v) in x {
                let base = *idx as usize * k;
                if let Some(row) = w.get(base..base + k) {
                    for (pc, wc) in p.iter_mut().zip(row) {
                        *pc += wc * v;
                    }
                }
            }
            softmax(&mut p);
            let cw = class_w.get(yi).copied().unwrap_or(1.0);
            for c in 0..k {
                grad[c] = (p[c] - if c == yi { 1.0 } else { 0.0 }) * cw;
            }
            for c in 0..k {
                gb2[c] += grad[c] * grad[c];
                b[c] -= lr * grad[c] / (gb2[c].sqrt() + EPS);
            }
            for (idx, v) in x {
                let base = *idx as usize * k;
                let (Some(wr), Some(gr)) = (w.get_mut(base..base + k), g2.get_mut(base..base + k))
                else {
                    continue;
                };
                for c in 0..k {
                    let g = grad[c] * v + opts.l2 * wr[c];
                    gr[c] += g * g;
                    wr[c] -= lr * g / (gr[c].sqrt() + EPS);
                }
            }
        }
    }
    Model {
        format_version: FORMAT_VERSION,
        task,
        labels,
        features: opts.features,
        hash_bits: opts.hash_bits,
        weights: w,
        bias: b,
        trained_on: n,
    }
}
