//! The enrichment pipeline: one tokenisation, then language, sentiment, topic, phrases and PII.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use crate::NlpError;
use crate::fast_token::FastTokens;
use crate::lang::{LangDetector, LanguageMethod, normalise_code};
use crate::lexicon::{Lexicon, PhraseTable};
use crate::model::{Model, Task};
use crate::phrases;
use crate::pii::{PiiDetector, PiiPattern, PiiSpan, default_pii_patterns};
use crate::rules::{RULE_TOPIC_WEIGHT, Rules};
use crate::sentiment::{self, RawScore, ScoreScratch, Sentiment, SentimentLabel};
use crate::token::{Kind, Tokens};
use crate::topic::{Taxonomy, TopicMatcher};

/// Configuration of an [`Enricher`]. Every field has a default, so a partial JSON/TOML object is
/// accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NlpConfig {
    /// Topics and their keywords.
    pub taxonomy: Taxonomy,
    /// ISO 639-1 codes the detector chooses among for Latin-script text (other scripts are
    /// always recognised).
    pub languages: Vec<String>,
    /// Languages the sentiment scorer (and a trained model) supports; a post confidently detected
    /// in another language is `unclassified`.
    pub sentiment_languages: Vec<String>,
    /// Below this detection confidence the language is reported as `None`.
    pub min_language_confidence: f32,
    /// Sentiment is refused (`unclassified`) for a language outside `sentiment_languages` only
    /// when it was detected with at least this confidence: a short English post that a detector
    /// guesses to be Italian is still scored.
    pub unsupported_language_confidence: f32,
    /// |score| below this is neutral (VADER's compound threshold is 0.05).
    pub neutral_band: f32,
    /// A post with fewer content tokens (words, hashtags, emoji, emoticons) than this and no
    /// sentiment-bearing token is `unclassified`.
    pub min_content_tokens: usize,
    /// At most this many key phrases per message.
    pub max_phrases: usize,
    /// Language, sentiment, topic and phrases look at the first this-many bytes of a message
    /// (PII is always searched in the whole text), which bounds the cost of huge inputs.
    pub max_analysed_bytes: usize,
    /// How languages are detected (the default was chosen by measurement, see docs/nlp.md).
    pub language_method: LanguageMethod,
    /// Patterns for order / account numbers (e-mail, phone and card detection are built in).
    pub pii_patterns: Vec<PiiPattern>,
}

impl Default for NlpConfig {
    fn default() -> Self {
        NlpConfig {
            taxonomy: Taxonomy::default(),
            languages: ["en", "es", "fr", "de", "pt", "it", "nl"]
                .map(String::from)
                .to_vec(),
            sentiment_languages: vec!["en".to_string()],
            min_language_confidence: 0.2,
            unsupported_language_confidence: 0.5,
            neutral_band: 0.05,
            min_content_tokens: 2,
            max_phrases: 12,
            max_analysed_bytes: DEFAULT_MAX_ANALYSED_BYTES,
            language_method: LanguageMethod::default(),
            pii_patterns: default_pii_patterns(),
        }
    }
}

/// The signals extracted from one message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Enrichment {
    /// ISO 639-1 code, e.g. "en"; `None` when undetectable.
    pub language: Option<String>,
    /// 0..=1 (1.0 when the caller's language hint was used).
    pub language_confidence: f32,
    pub sentiment: Sentiment,
    pub topic: Option<String>,
    /// 0..=1; 0 when there is no topic.
    pub topic_confidence: f32,
    /// Normalised key phrases (lower case, light stemming, stop words dropped).
    pub phrases: Vec<String>,
    /// PII spans (byte offsets into the text given to `enrich`), sorted, non-overlapping.
    pub pii: Vec<PiiSpan>,
}

/// Per-thread buffers reused across calls.
#[derive(Default)]
pub(crate) struct Scratch {
    pub tokens: Tokens,
    pub fast: FastTokens,
    pub score: ScoreScratch,
    pub detect: String,
    pub topic_scores: Vec<(f32, usize)>,
    pub feats: Vec<(u32, f32)>,
    pub probs: Vec<f32>,
    pub mask: Vec<bool>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Run `f` with this thread's scratch buffers (or fresh ones if they are unavailable).
pub(crate) fn with_scratch<R>(mut f: impl FnMut(&mut Scratch) -> R) -> R {
    let r = SCRATCH.try_with(|c| c.try_borrow_mut().ok().map(|mut s| f(&mut s)));
    match r {
        Ok(Some(r)) => r,
        _ => f(&mut Scratch::default()),
    }
}

/// Text → signals. Build once (it compiles the lexicon, taxonomy and patterns), share behind an
/// `Arc`; `enrich` takes `&self` and is safe to call from many threads.
#[derive(Debug)]
pub struct Enricher {
    cfg: NlpConfig,
    lex: &'static Lexicon,
    lang: LangDetector,
    topics: TopicMatcher,
    pii: PiiDetector,
    rules: Option<PhraseTable<f32>>,
    sentiment_model: Option<SentimentModel>,
    topic_model: Option<Model>,
}

/// A sentiment model with its labels mapped to classes.
#[derive(Debug)]
struct SentimentModel {
    model: Model,
    classes: Vec<SentimentLabel>,
}

/// The default analysis window (used where no configuration is at hand, e.g. model training).
pub(crate) fn truncate_default(text: &str) -> &str {
    truncate_at_char(text, DEFAULT_MAX_ANALYSED_BYTES)
}

const DEFAULT_MAX_ANALYSED_BYTES: usize = 16 * 1024;

fn truncate_at_char(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or("")
}

impl Enricher {
    pub fn new(config: NlpConfig) -> Result<Self, NlpError> {
        if !(0.0..=1.0).contains(&config.min_language_confidence)
            || !(0.0..=1.0).contains(&config.unsupported_language_confidence)
        {
            return Err(NlpError::Config(
                "language confidences must be within 0..=1".into(),
            ));
        }
        if !(0.0..1.0).contains(&config.neutral_band) {
            return Err(NlpError::Config("neutral_band must be within 0..1".into()));
        }
        if !(64..=(64 << 20)).contains(&config.max_analysed_bytes) {
            return Err(NlpError::Config(
                "max_analysed_bytes must be within 64..=67108864".into(),
            ));
        }
        let mut sentiment_languages = Vec::new();
        for l in &config.sentiment_languages {
            let code = normalise_code(l).ok_or_else(|| {
                NlpError::Config(format!(
                    "unknown language code {l:?} in `sentiment_languages`"
                ))
            })?;
            sentiment_languages.push(code.to_string());
        }
        let mut lang = LangDetector::new(&config.languages)?;
        lang.method = config.language_method;
        let topics = TopicMatcher::new(&config.taxonomy)?;
        let pii = PiiDetector::new(&config.pii_patterns)?;
        let mut cfg = config;
        cfg.sentiment_languages = sentiment_languages;
        Ok(Enricher {
            cfg,
            lex: crate::lexicon::global(),
            lang,
            topics,
            pii,
            rules: None,
            sentiment_model: None,
            topic_model: None,
        })
    }

    /// Apply a brand's override rules (replacing any rules set before).
    pub fn with_rules(mut self, rules: &Rules) -> Result<Self, NlpError> {
        let mut table = PhraseTable::default();
        let mut topics = TopicMatcher::new(&self.cfg.taxonomy)?;
        for r in &rules.rules {
            let words = r.words()?;
            if let Some(v) = r.valence()? {
                table.insert(words, v);
            }
            if let Some(t) = r.topic.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                let idx = topics.topic_index(t);
                topics.add_keyword(&r.phrase, idx, RULE_TOPIC_WEIGHT);
            }
        }
        self.rules = if table.is_empty() { None } else { Some(table) };
        self.topics = topics;
        Ok(self)
    }

    /// Use a trained sentiment model instead of the default scorer (its lexicon features and
    /// per-brand rules still apply). A model trained for another task is an error.
    pub fn with_sentiment_model(mut self, model: Model) -> Result<Self, NlpError> {
        model.expect_task(Task::Sentiment)?;
        model.check()?;
        let classes = model
            .labels()
            .iter()
            .map(|l| crate::model::sentiment_label(l, None))
            .collect::<Result<Vec<_>, _>>()?;
        self.sentiment_model = Some(SentimentModel { model, classes });
        Ok(self)
    }

    /// Use a trained topic / complaint-reason model instead of the keyword taxonomy. A model
    /// trained for another task is an error.
    pub fn with_topic_model(mut self, model: Model) -> Result<Self, NlpError> {
        model.expect_task(Task::Topic)?;
        model.check()?;
        self.topic_model = Some(model);
        Ok(self)
    }

    pub fn config(&self) -> &NlpConfig {
        &self.cfg
    }

    /// Enrich one message. `language_hint` (e.g. the platform's language tag: "en", "en-GB",
    /// "eng") is trusted when it names a known language; otherwise the language is detected.
    pub fn enrich(&self, text: &str, language_hint: Option<&str>) -> Enrichment {
        let analysed = truncate_at_char(text, self.cfg.max_analysed_bytes);
        with_scratch(|s| {
            s.tokens.tokenize(analysed, Some(self.lex));
            let (language, language_confidence) = self.language(language_hint, s);
            let raw = sentiment::score(self.lex, self.rules.as_ref(), &s.tokens, &mut s.score);
            let sentiment = self.sentiment_of(&raw, language, language_confidence, s);
            s.tokens.ensure_stems();
            let (topic, topic_confidence) = self.topic_of(&raw, s);
            let mut phrases = Vec::new();
            phrases::extract(self.lex, &s.tokens, self.cfg.max_phrases, &mut phrases);
            let mut pii = Vec::new();
            self.pii.detect(text, &mut pii);
            Enrichment {
                language: language.map(str::to_string),
                language_confidence,
                sentiment,
                topic,
                topic_confidence: if topic_confidence.is_finite() {
                    topic_confidence
                } else {
                    0.0
                },
                phrases,
                pii,
            }
        })
    }

    /// Sentiment alone with the default scorer (no language detection, no phrases, no PII).
    ///
    /// ASCII text takes a scorer-only tokeniser that gives the same tokens as the full one in
    /// everything the scorer reads; other text, and an enricher with per-brand rules or a trained
    /// sentiment model, take the full path ([`Enricher::sentiment_reference`]). The results are
    /// the same either way.
    pub fn sentiment(&self, text: &str) -> Sentiment {
        if self.rules.is_some() || self.sentiment_model.is_some() {
            return self.sentiment_reference(text);
        }
        let analysed = truncate_at_char(text, self.cfg.max_analysed_bytes);
        let fast = with_scratch(|s| {
            if !s.fast.tokenize(analysed, self.lex) {
                return None;
            }
            let raw = sentiment::score(self.lex, None, &s.fast, &mut s.score);
            Some(self.sentiment_of(&raw, None, 0.0, s))
        });
        fast.unwrap_or_else(|| self.sentiment_reference(text))
    }

    /// The reference implementation of [`Enricher::sentiment`]: the full tokeniser and scorer
    /// that `enrich` uses. Kept so that the fast scorer-only path can be checked against it
    /// (the `scorer_diff` example and the tests compare the two); not part of the stable API.
    #[doc(hidden)]
    pub fn sentiment_reference(&self, text: &str) -> Sentiment {
        let analysed = truncate_at_char(text, self.cfg.max_analysed_bytes);
        with_scratch(|s| {
            s.tokens.tokenize(analysed, Some(self.lex));
            let raw = sentiment::score(self.lex, self.rules.as_ref(), &s.tokens, &mut s.score);
            self.sentiment_of(&raw, None, 0.0, s)
        })
    }

    /// Language alone: (ISO 639-1 code, confidence).
    pub fn detect_language(&self, text: &str) -> (Option<String>, f32) {
        let analysed = truncate_at_char(text, self.cfg.max_analysed_bytes);
        with_scratch(|s| {
            s.tokens.tokenize(analysed, Some(self.lex));
            let (l, c) = self.language(None, s);
            (l.map(str::to_string), c)
        })
    }

    /// The function-word vote alone (no fallback): `Some(code)` only when it is clear.
    pub fn language_vote(&self, text: &str) -> Option<&'static str> {
        let analysed = truncate_at_char(text, self.cfg.max_analysed_bytes);
        with_scratch(|s| {
            s.tokens.tokenize(analysed, Some(self.lex));
            let t = &s.tokens;
            let lower = t
                .toks
                .iter()
                .filter(|k| k.kind == Kind::Word)
                .map(|k| t.norm(k));
            self.lang.vote(lower).map(|(c, _)| c)
        })
    }

    /// Topic and key phrases (no language detection, no PII): what the recurring-phrase
    /// detector needs of a comment.
    pub fn topic_and_phrases(&self, text: &str) -> (Option<String>, Vec<String>) {
        let analysed = truncate_at_char(text, self.cfg.max_analysed_bytes);
        with_scratch(|s| {
            s.tokens.tokenize(analysed, Some(self.lex));
            let raw = sentiment::score(self.lex, self.rules.as_ref(), &s.tokens, &mut s.score);
            s.tokens.ensure_stems();
            let (topic, _) = self.topic_of(&raw, s);
            let mut out = Vec::new();
            phrases::extract(self.lex, &s.tokens, self.cfg.max_phrases, &mut out);
            (topic, out)
        })
    }

    /// Key phrases alone.
    pub fn phrases(&self, text: &str) -> Vec<String> {
        let analysed = truncate_at_char(text, self.cfg.max_analysed_bytes);
        with_scratch(|s| {
            s.tokens.tokenize(analysed, Some(self.lex));
            s.tokens.ensure_stems();
            let mut out = Vec::new();
            phrases::extract(self.lex, &s.tokens, self.cfg.max_phrases, &mut out);
            out
        })
    }

    /// PII spans alone (whole text).
    pub fn pii(&self, text: &str) -> Vec<PiiSpan> {
        let mut out = Vec::new();
        self.pii.detect(text, &mut out);
        out
    }

    /// The detector reads the normalised words (lower case, elongations collapsed).
    fn language(&self, hint: Option<&str>, s: &mut Scratch) -> (Option<&'static str>, f32) {
        if let Some(code) = hint.and_then(normalise_code) {
            return (Some(code), 1.0);
        }
        s.detect.clear();
        let mut letters = 0usize;
        for tok in &s.tokens.toks {
            if tok.kind != Kind::Word {
                continue;
            }
            let w = s.tokens.norm(tok);
            if !s.detect.is_empty() {
                s.detect.push(' ');
            }
            s.detect.push_str(w);
            letters += w.chars().filter(|c| c.is_alphabetic()).count();
        }
        let Scratch { tokens, detect, .. } = s;
        let lower = tokens
            .toks
            .iter()
            .filter(|t| t.kind == Kind::Word)
            .map(|t| tokens.norm(t));
        let (code, conf) = self.lang.detect(lower, detect, letters);
        if conf < self.cfg.min_language_confidence {
            (None, conf)
        } else {
            (code, conf)
        }
    }

    fn topic_of(&self, raw: &RawScore, s: &mut Scratch) -> (Option<String>, f32) {
        if let Some(m) = &self.topic_model {
            if raw.content == 0 {
                return (None, 0.0);
            }
            s.score.rule_mask(&mut s.mask);
            let best = m.predict_tokens(&s.tokens, raw, &s.mask, &mut s.feats, &mut s.probs);
            let conf = s.probs.get(best).copied().unwrap_or(0.0);
            return (m.labels().get(best).cloned(), conf);
        }
        match self.topics.classify(&s.tokens, &mut s.topic_scores) {
            (Some(i), c) => (self.topics.names.get(i).cloned(), c),
            (None, _) => (None, 0.0),
        }
    }

    fn sentiment_of(
        &self,
        raw: &RawScore,
        language: Option<&str>,
        language_confidence: f32,
        s: &mut Scratch,
    ) -> Sentiment {
        if raw.content == 0
            || (raw.valenced == 0 && (raw.content as usize) < self.cfg.min_content_tokens)
        {
            return Sentiment::UNCLASSIFIED;
        }
        if let Some(l) = language {
            if language_confidence >= self.cfg.unsupported_language_confidence
                && !self.cfg.sentiment_languages.iter().any(|s| s == l)
            {
                return Sentiment::UNCLASSIFIED;
            }
        }
        let Some(sm) = &self.sentiment_model else {
            return sentiment::label(raw, self.cfg.neutral_band);
        };
        s.score.rule_mask(&mut s.mask);
        let best = sm
            .model
            .predict_tokens(&s.tokens, raw, &s.mask, &mut s.feats, &mut s.probs);
        let mut score = 0.0f32;
        for (c, p) in sm.classes.iter().zip(&s.probs) {
            match c {
                SentimentLabel::Positive => score += p,
                SentimentLabel::Negative => score -= p,
                _ => {}
            }
        }
        Sentiment {
            label: sm
                .classes
                .get(best)
                .copied()
                .unwrap_or(SentimentLabel::Unclassified),
            score: score.clamp(-1.0, 1.0),
            confidence: s.probs.get(best).copied().unwrap_or(0.0).clamp(0.0, 1.0),
        }
    }
}
