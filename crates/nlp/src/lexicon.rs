//! Word knowledge used by the scorer: the VADER valence lexicon (taken from the `vader_sentiment`
//! crate as data) merged with our own customer-care adjustments, booster/dampener and negation
//! word lists, and a phrase matcher over normalised tokens.

use rustc_hash::FxHashMap;

use crate::token::{Kind, Tokens};

pub(crate) const NEGATOR: u16 = 1;
pub(crate) const CONTRAST: u16 = 2;
pub(crate) const STOP: u16 = 4;
/// Verbs of an expected service outcome: negated ("never arrived", "still not working",
/// "can't log in") they signal a complaint even without any lexicon word.
pub(crate) const EXPECT: u16 = 8;
/// Units of waiting time ("3 hours"): after a number they lean negative in customer care.
pub(crate) const TIME_UNIT: u16 = 16;
/// "least": negates unless preceded by "at" / "very".
pub(crate) const LEAST: u16 = 32;
pub(crate) const HAS_VALENCE: u16 = 64;
/// First word of a customer-care cue phrase.
pub(crate) const PHRASE_START: u16 = 128;

/// Intensity added by a booster word (VADER's published constant).
pub(crate) const B_INCR: f32 = 0.293;
/// Scalar for a negated valence (VADER's published constant).
pub(crate) const N_SCALAR: f32 = -0.74;

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WordInfo {
    pub valence: f32,
    pub booster: f32,
    pub flags: u16,
    /// 1 + index into `Lexicon::cues` of the cue phrases starting with this word (0: none).
    pub cue: u16,
}

/// Customer-care cue phrases starting with one word: the ids of the following words (longest
/// first) and the valence.
pub(crate) type CueList = Vec<(Vec<u32>, f32)>;

/// Negation words (our list; contractions are also caught by the "n't" suffix).
const NEGATORS: &[&str] = &[
    "not", "no", "never", "none", "nobody", "nothing", "nowhere", "neither", "nor", "without",
    "cannot", "cant", "dont", "didnt", "doesnt", "isnt", "wasnt", "werent", "arent", "aint",
    "wont", "wouldnt", "couldnt", "shouldnt", "hasnt", "havent", "hadnt", "mustnt", "neednt",
    "nope", "nah", "rarely", "seldom", "hardly", "barely", "unable",
];

/// Words that turn the clause around: what follows weighs more than what precedes.
const CONTRASTS: &[&str] = &["but", "however", "although"];

/// Intensifiers (positive) and dampeners (negative), with their strength in units of `B_INCR`.
const BOOSTERS: &[(&str, f32)] = &[
    ("absolutely", 1.0),
    ("amazingly", 1.0),
    ("awfully", 1.0),
    ("completely", 1.0),
    ("considerably", 1.0),
    ("deeply", 1.0),
    ("effing", 1.0),
    ("enormously", 1.0),
    ("entirely", 1.0),
    ("especially", 1.0),
    ("exceptionally", 1.0),
    ("extremely", 1.0),
    ("freaking", 1.0),
    ("fricking", 1.0),
    ("frickin", 1.0),
    ("friggin", 1.0),
    ("fucking", 1.0),
    ("fuckin", 1.0),
    ("fully", 1.0),
    ("greatly", 1.0),
    ("hella", 1.0),
    ("highly", 1.0),
    ("hugely", 1.0),
    ("incredibly", 1.0),
    ("insanely", 1.0),
    ("intensely", 1.0),
    ("majorly", 1.0),
    ("more", 1.0),
    ("most", 1.0),
    ("particularly", 1.0),
    ("purely", 1.0),
    ("quite", 0.5),
    ("really", 1.0),
    ("remarkably", 1.0),
    ("seriously", 1.0),
    ("so", 1.0),
    ("soo", 1.0),
    ("such", 0.8),
    ("super", 1.0),
    ("terribly", 1.0),
    ("thoroughly", 1.0),
    ("too", 0.8),
    ("totally", 1.0),
    ("tremendously", 1.0),
    ("truly", 1.0),
    ("unbelievably", 1.0),
    ("unusually", 1.0),
    ("utterly", 1.0),
    ("very", 1.0),
    ("way", 0.5),
    ("pretty", 0.5),
    ("real", 0.5),
    ("beyond", 1.0),
    ("absolute", 1.0),
    ("total", 1.0),
    ("utter", 1.0),
    ("complete", 0.8),
    ("almost", -1.0),
    ("kinda", -1.0),
    ("kindof", -1.0),
    ("less", -1.0),
    ("little", -1.0),
    ("marginally", -1.0),
    ("occasionally", -1.0),
    ("partly", -1.0),
    ("scarcely", -1.0),
    ("slightly", -1.0),
    ("somewhat", -1.0),
    ("sorta", -1.0),
    ("bit", -0.7),
    ("mildly", -1.0),
    ("fairly", -0.5),
    ("rather", -0.3),
];

/// Customer-care valence adjustments (our own judgement, not fitted to any evaluation set):
/// politeness and service words that the general lexicon scores as positive are neutral in a
/// support conversation ("please help", "customer care", "support"), and service-failure words
/// that the general lexicon lacks lean negative.
const CARE_WORDS: &[(&str, f32)] = &[
    ("please", 0.0),
    ("pls", 0.0),
    ("plz", 0.0),
    ("help", 0.0),
    ("support", 0.0),
    ("like", 0.0),
    ("well", 0.0),
    ("pretty", 0.0),
    ("free", 0.6),
    ("yes", 0.6),
    ("sure", 0.4),
    ("no", 0.0),
    ("ok", 0.6),
    ("okay", 0.6),
    ("hope", 0.8),
    ("hopefully", 0.6),
    ("want", 0.0),
    ("cancelled", -1.3),
    ("canceled", -1.3),
    ("cancelation", -0.8),
    ("cancellation", -0.8),
    ("delayed", -1.4),
    ("delay", -1.2),
    ("delays", -1.2),
    ("late", -1.0),
    ("later", 0.0),
    ("stranded", -2.0),
    ("overbooked", -1.5),
    ("overcharged", -2.0),
    ("outage", -1.6),
    ("outages", -1.6),
    ("glitch", -1.2),
    ("glitches", -1.2),
    ("unresponsive", -1.6),
    ("useless", -2.0),
    ("unacceptable", -2.2),
    ("waiting", -0.6),
    ("waited", -0.7),
    ("missed", -1.0),
    ("damaged", -1.5),
    ("rude", -2.0),
    ("refund", -0.5),
    ("rebooked", -0.5),
    ("unhelpful", -1.8),
    ("hung", -0.8),
    ("disconnected", -1.2),
    ("crashes", -1.5),
    ("crashed", -1.5),
    ("crashing", -1.5),
    ("broke", -1.2),
    ("errors", -1.2),
    ("incompetent", -2.3),
    ("lied", -2.0),
    ("scam", -2.4),
    ("ripoff", -2.3),
    ("ridiculous", -1.8),
    // damage on arrival, in the words customers use for it
    ("cracked", -1.3),
    ("soaked", -1.2),
    ("smashed", -1.5),
    ("dented", -1.1),
    ("scratched", -1.0),
    ("leaking", -1.2),
];

/// Complaint cues written as phrases (our own list): they carry the valence, and the tokens they
/// cover are not scored again.
pub(crate) const CARE_PHRASES: &[(&str, f32)] = &[
    ("still waiting", -1.6),
    ("still no", -1.4),
    ("still not", -1.2),
    ("still nothing", -1.6),
    ("still haven't", -1.4),
    ("still havent", -1.4),
    ("still hasn't", -1.4),
    ("still hasnt", -1.4),
    ("where is my", -1.2),
    ("where's my", -1.2),
    ("wheres my", -1.2),
    ("where are my", -1.2),
    ("on hold", -1.3),
    ("no response", -1.6),
    ("no reply", -1.6),
    ("no answer", -1.4),
    ("no update", -1.2),
    ("no updates", -1.2),
    ("no info", -1.0),
    ("no information", -1.0),
    ("no one", -1.2),
    ("nobody", -1.2),
    ("no help", -1.6),
    ("no way to", -1.0),
    ("never again", -2.0),
    ("charged twice", -1.6),
    ("double charged", -1.6),
    ("charged me twice", -1.6),
    ("how long", -0.8),
    ("how much longer", -1.2),
    ("when will", -0.4),
    ("why is", -0.5),
    ("why are", -0.5),
    ("why does", -0.5),
    ("why do", -0.5),
    ("why would", -0.6),
    ("why can't", -0.8),
    ("why cant", -0.8),
    ("why won't", -0.8),
    ("why wont", -0.8),
    ("what's going on", -0.8),
    ("whats going on", -0.8),
    ("what is going on", -0.8),
    ("fix this", -0.8),
    ("fix it", -0.6),
    ("sort this out", -0.8),
    ("customer service", 0.0),
    ("customer care", 0.0),
    ("customer support", 0.0),
    ("tech support", 0.0),
    ("health care", 0.0),
    ("take care of", 0.0),
    ("thanks for nothing", -2.2),
    ("thank you for nothing", -2.2),
    ("yeah right", -1.6),
    ("not even", -0.6),
    ("at all", 0.0),
    ("kind of", 0.0),
    ("sort of", 0.0),
    ("no problem", 1.2),
    ("no worries", 1.2),
    ("no problems", 1.2),
    ("no issue", 1.0),
    ("no issues", 1.0),
    ("well done", 2.0),
    ("as well", 0.0),
    ("you rock", 2.5),
    ("the best", 2.4),
    // shut out of one's own account
    ("locked out", -1.6),
    ("logged out", -0.8),
    ("logging me out", -1.2),
    ("logs me out", -1.2),
    ("kicked out", -1.2),
    // a bot or phone tree that does not let go
    ("in circles", -1.2),
    ("want a human", -1.0),
    ("speak to a human", -1.0),
    ("talk to a human", -1.0),
    ("real person", -0.6),
    // sarcasm that the general lexicon reads as fun
    ("that's a joke", -1.6),
    ("thats a joke", -1.6),
    ("what a joke", -1.8),
    ("is a joke", -1.6),
    // a charge or change nobody announced; a promise not kept
    ("without any notice", -1.0),
    ("without notice", -1.0),
    ("without warning", -1.0),
    ("was supposed to", -0.8),
    // product safety
    ("smells like burning", -1.6),
    ("burning smell", -1.6),
    ("caught fire", -2.0),
    ("is this safe", -1.0),
];

const EXPECT_WORDS: &[&str] = &[
    "arrive",
    "arrives",
    "arrived",
    "arriving",
    "receive",
    "receives",
    "received",
    "deliver",
    "delivers",
    "delivered",
    "work",
    "works",
    "working",
    "worked",
    "respond",
    "responds",
    "responded",
    "responding",
    "reply",
    "replied",
    "replying",
    "answer",
    "answered",
    "answering",
    "fix",
    "fixed",
    "resolve",
    "resolved",
    "refunded",
    "show",
    "showed",
    "shown",
    "load",
    "loads",
    "loading",
    "log",
    "login",
    "access",
    "connect",
    "connecting",
    "sign",
    "heard",
    "hear",
    "call",
    "called",
    "help",
    "helped",
    "helping",
    "get",
    "got",
    "come",
    "comes",
    "came",
    "move",
    "moved",
    "update",
    "updated",
    "charge",
];

const TIME_UNITS: &[&str] = &[
    "min", "mins", "minute", "minutes", "hr", "hrs", "hour", "hours", "day", "days", "week",
    "weeks", "month", "months",
];

/// English stop words for key-phrase extraction (negations deliberately excluded: "never arrived").
pub(crate) const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "i'm",
    "im",
    "i've",
    "ive",
    "i'll",
    "ill",
    "i'd",
    "you're",
    "youre",
    "you've",
    "you'll",
    "it's",
    "that's",
    "thats",
    "there's",
    "theres",
    "he's",
    "she's",
    "we're",
    "we've",
    "they're",
    "they've",
    "what's",
    "whats",
    "let's",
    "u",
    "ur",
    "r",
    "y",
    "ya",
    "amp",
    "rt",
    "via",
    "also",
    "got",
    "get",
    "gets",
    "getting",
    "go",
    "going",
    "gonna",
    "one",
    "us",
    "still",
    "even",
    "really",
    "please",
    "pls",
    "plz",
    "thanks",
    "thank",
    "hi",
    "hello",
    "hey",
    "dm",
    "yes",
    "ok",
    "okay",
    "oh",
    "well",
    "much",
    "many",
    "another",
    "yet",
    "since",
    "ever",
    "way",
    "know",
    "need",
    "want",
    "make",
    "made",
    "said",
    "say",
    "see",
    "back",
    "lol",
    "cc",
    "etc",
    "would've",
    "could've",
    "should've",
    "may",
    "might",
    "must",
    "shall",
    "let",
    "like",
    "today",
    "yesterday",
    "tomorrow",
    "tonight",
    "now",
    "day",
    "time",
    "guys",
    "sure",
];

/// The words after the first, and the value.
type PhraseEntry<V> = (Vec<Box<str>>, V);

/// A matcher for multi-word phrases over consecutive word-like tokens.
#[derive(Debug, Clone, Default)]
pub(crate) struct PhraseTable<V> {
    by_first: FxHashMap<Box<str>, Vec<PhraseEntry<V>>>,
}

impl<V: Copy> PhraseTable<V> {
    pub(crate) fn insert(&mut self, words: Vec<Box<str>>, value: V) {
        let mut it = words.into_iter();
        let Some(first) = it.next() else {
            return;
        };
        let rest: Vec<Box<str>> = it.collect();
        let list = self.by_first.entry(first).or_default();
        if let Some(slot) = list.iter_mut().find(|(r, _)| *r == rest) {
            slot.1 = value;
        } else {
            list.push((rest, value));
            // longest first, so the first match is the longest
            list.sort_by_key(|(r, _)| std::cmp::Reverse(r.len()));
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_first.is_empty()
    }

    /// Longest phrase starting at token `i`; returns (number of tokens, value).
    /// `form` selects the token form compared (normalised or stemmed).
    #[inline]
    pub(crate) fn match_at(&self, t: &Tokens, i: usize, stemmed: bool) -> Option<(usize, V)> {
        let tok = t.toks.get(i)?;
        if !tok.is_wordlike() && tok.kind != Kind::Emoticon {
            return None;
        }
        let form = |k: usize| -> Option<&str> {
            let tk = t.toks.get(k)?;
            if !tk.is_wordlike() {
                return None;
            }
            Some(if stemmed { t.stem(tk) } else { t.norm(tk) })
        };
        let list = self.by_first.get(form(i)?)?;
        'outer: for (rest, v) in list {
            for (off, w) in rest.iter().enumerate() {
                match form(i + 1 + off) {
                    Some(f) if f == &**w => {}
                    _ => continue 'outer,
                }
            }
            return Some((rest.len() + 1, *v));
        }
        None
    }
}

/// Split a phrase into normalised words the way the tokeniser would see them.
pub(crate) fn phrase_words(phrase: &str, stemmed: bool) -> Vec<Box<str>> {
    let mut t = Tokens::default();
    t.tokenize(phrase, None);
    t.ensure_stems();
    t.toks
        .iter()
        .filter(|k| k.is_wordlike())
        .map(|k| Box::from(if stemmed { t.stem(k) } else { t.norm(k) }))
        .collect()
}

#[derive(Debug, Clone)]
pub(crate) struct Lexicon {
    /// Words of up to 15 bytes, packed into an integer key (no pointer to follow on a probe).
    short: FxHashMap<u128, u32>,
    long: FxHashMap<Box<str>, u32>,
    infos: Vec<WordInfo>,
    pub emoji: FxHashMap<char, f32>,
    pub cues: Vec<CueList>,
    /// Every string of at most 8 bytes for which [`Lexicon::emoticon_id`] answers, packed as by
    /// `pack`: the scorer-only tokeniser looks emoticons up with one probe.
    emoticons: FxHashMap<u128, u32>,
    /// Entry ids of "at" and "very" (both in the word lists), for the "at least" / "very least"
    /// check of the scorer-only path.
    pub at_very: [u32; 2],
}

/// Our own valences for frequent emoji whose names carry no lexicon word.
const EMOJI_OVERRIDES: &[(char, f32)] = &[
    ('😡', -2.8),
    ('😠', -2.5),
    ('🤬', -3.0),
    ('😤', -1.8),
    ('🙄', -1.5),
    ('👎', -2.0),
    ('👍', 1.8),
    ('😒', -1.5),
    ('😑', -1.0),
    ('😐', -0.3),
    ('😩', -2.0),
    ('😫', -2.0),
    ('😭', -2.0),
    ('😢', -1.8),
    ('😞', -1.8),
    ('😔', -1.5),
    ('😕', -1.2),
    ('🙁', -1.5),
    ('☹', -1.8),
    ('💔', -2.2),
    ('🤦', -1.5),
    ('😂', 1.2),
    ('🤣', 1.2),
    ('😊', 2.0),
    ('😀', 2.0),
    ('😃', 2.0),
    ('😄', 2.0),
    ('😁', 2.0),
    ('🙂', 1.2),
    ('😍', 2.8),
    ('🥰', 2.8),
    ('❤', 2.5),
    ('💕', 2.5),
    ('💖', 2.5),
    ('💙', 2.2),
    ('💜', 2.2),
    ('💚', 2.2),
    ('🙏', 1.0),
    ('👏', 1.8),
    ('🎉', 2.0),
    ('✈', 0.0),
    ('😬', -1.0),
    ('🤔', -0.3),
    ('😳', -0.6),
    ('😱', -1.6),
    ('🤷', -0.4),
    ('💩', -2.0),
    ('🤮', -2.5),
    ('🤢', -2.0),
    ('😉', 1.2),
    ('😎', 1.5),
    ('✅', 1.0),
    ('❌', -1.2),
    ('⚠', -0.8),
    ('🔥', 0.8),
    ('💯', 1.5),
    ('🙌', 2.0),
    ('👌', 1.5),
];

/// A word of at most 15 bytes as an integer: its bytes, and its length in the top byte.
#[inline]
fn pack(w: &str) -> Option<u128> {
    let b = w.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..b.len()].copy_from_slice(b);
    buf[15] = b.len() as u8;
    Some(u128::from_le_bytes(buf))
}

/// The process-wide lexicon (built on first use, about a millisecond).
pub(crate) fn global() -> &'static Lexicon {
    static LEX: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
    LEX.get_or_init(Lexicon::build)
}

impl Lexicon {
    pub(crate) fn build() -> Self {
        let mut words: FxHashMap<Box<str>, WordInfo> = FxHashMap::default();
        words.reserve(vader_sentiment::LEXICON.len() + 512);
        for (k, v) in vader_sentiment::LEXICON.iter() {
            let key: String = k.to_lowercase();
            let e = words.entry(key.into_boxed_str()).or_default();
            e.valence = *v as f32;
            e.flags |= HAS_VALENCE;
        }
        for (w, v) in CARE_WORDS {
            let e = words.entry(Box::from(*w)).or_default();
            e.valence = *v;
            if *v == 0.0 {
                e.flags &= !HAS_VALENCE;
            } else {
                e.flags |= HAS_VALENCE;
            }
        }
        for w in NEGATORS {
            let e = words.entry(Box::from(*w)).or_default();
            e.flags |= NEGATOR;
            // a negator is scored through what it negates, never on its own
            e.valence = 0.0;
            e.flags &= !HAS_VALENCE;
        }
        words.entry(Box::from("least")).or_default().flags |= LEAST;
        for w in CONTRASTS {
            words.entry(Box::from(*w)).or_default().flags |= CONTRAST;
        }
        for (w, s) in BOOSTERS {
            let e = words.entry(Box::from(*w)).or_default();
            e.booster = s * B_INCR;
            // a booster is not itself a sentiment word ("so", "super", "pretty")
            if e.valence.abs() < 2.5 {
                e.valence = 0.0;
                e.flags &= !HAS_VALENCE;
            }
        }
        for w in EXPECT_WORDS {
            words.entry(Box::from(*w)).or_default().flags |= EXPECT;
        }
        for w in TIME_UNITS {
            words.entry(Box::from(*w)).or_default().flags |= TIME_UNIT;
        }
        for w in STOP_WORDS {
            words.entry(Box::from(*w)).or_default().flags |= STOP;
        }

        // Emoji: valence of the words of each emoji's name, then our overrides.
        let mut emoji: FxHashMap<char, f32> = FxHashMap::default();
        for (e, desc) in vader_sentiment::EMOJI_LEXICON.iter() {
            let mut chars = e.chars();
            let (Some(c), None) = (chars.next(), chars.next().filter(|c| *c != '\u{FE0F}')) else {
                continue;
            };
            let mut sum = 0.0f32;
            let mut negate = false;
            for w in desc.split(|c: char| !c.is_alphanumeric()) {
                if w.is_empty() {
                    continue;
                }
                let lw = w.to_lowercase();
                if lw == "not" || lw == "no" || lw == "without" {
                    negate = true;
                    continue;
                }
                // the general lexicon's service words are not neutralised for emoji names
                if let Some(v) = vader_sentiment::LEXICON.get(&unicase::UniCase::new(lw.as_str())) {
                    let v = *v as f32;
                    sum += if negate { v * N_SCALAR } else { v };
                }
            }
            if sum != 0.0 {
                emoji.insert(c, sum.clamp(-3.5, 3.5));
            }
        }
        for (c, v) in EMOJI_OVERRIDES {
            if *v == 0.0 {
                emoji.remove(c);
            } else {
                emoji.insert(*c, *v);
            }
        }

        // every word of a cue phrase gets an entry, so that phrases match by id
        let phrases: Vec<(Vec<Box<str>>, f32)> = CARE_PHRASES
            .iter()
            .map(|(p, v)| (phrase_words(p, false), *v))
            .collect();
        for (pw, _) in &phrases {
            for (k, w) in pw.iter().enumerate() {
                let e = words.entry(w.clone()).or_default();
                if k == 0 {
                    e.flags |= PHRASE_START;
                }
            }
        }
        let mut short = FxHashMap::default();
        let mut long = FxHashMap::default();
        short.reserve(words.len());
        let mut infos = Vec::with_capacity(words.len());
        let mut short_keys: Vec<Box<str>> = Vec::new();
        let mut sorted: Vec<(Box<str>, WordInfo)> = words.into_iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0)); // deterministic ids
        for (w, info) in sorted {
            let id = infos.len() as u32;
            if w.len() <= 8 {
                short_keys.push(w.clone());
            }
            match pack(&w) {
                Some(k) => short.insert(k, id),
                None => long.insert(w, id),
            };
            infos.push(info);
        }
        let mut lex = Lexicon {
            short,
            long,
            infos,
            emoji,
            cues: Vec::new(),
            emoticons: FxHashMap::default(),
            at_very: [u32::MAX; 2],
        };
        lex.at_very = ["at", "very"].map(|w| lex.id(w).unwrap_or(u32::MAX));
        for w in &short_keys {
            if let (Some(id), Some(k)) = (lex.emoticon_id(w), pack(w)) {
                lex.emoticons.insert(k, id);
            }
        }
        for (pw, v) in phrases {
            let ids: Option<Vec<u32>> = pw.iter().map(|w| lex.id(w)).collect();
            let Some(ids) = ids else { continue };
            let Some((&first, rest)) = ids.split_first() else {
                continue;
            };
            let Some(info) = lex.infos.get_mut(first as usize) else {
                continue;
            };
            if info.cue == 0 {
                lex.cues.push(Vec::new());
                info.cue = lex.cues.len() as u16;
            }
            if let Some(list) = lex.cues.get_mut(usize::from(info.cue) - 1) {
                list.push((rest.to_vec(), v));
                list.sort_by_key(|(r, _)| std::cmp::Reverse(r.len()));
            }
        }
        lex
    }

    #[inline]
    pub(crate) fn id(&self, w: &str) -> Option<u32> {
        match pack(w) {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(w).copied(),
        }
    }

    /// Look up a word already packed by the tokeniser (see `pack`).
    #[inline]
    pub(crate) fn id_packed(&self, key: u128) -> Option<u32> {
        self.short.get(&key).copied()
    }

    /// [`Lexicon::emoticon_id`] of a string of at most 8 bytes, given packed (see `pack`).
    #[inline]
    pub(crate) fn emoticon_packed(&self, key: u128) -> Option<u32> {
        self.emoticons.get(&key).copied()
    }

    #[inline]
    pub(crate) fn info(&self, id: u32) -> Option<&WordInfo> {
        self.infos.get(id as usize)
    }

    /// Emoticons are the lexicon entries written with ASCII punctuation (":)", "</3", ":-D").
    pub(crate) fn emoticon_id(&self, s: &str) -> Option<u32> {
        if !s.bytes().any(|b| b.is_ascii_punctuation() && b != b'\'')
            || s.chars()
                .all(|c| c.is_alphanumeric() || c == '\'' || c == '-')
        {
            return None;
        }
        let id = self.id(s)?;
        self.info(id)
            .filter(|w| w.flags & HAS_VALENCE != 0)
            .map(|_| id)
    }
}
