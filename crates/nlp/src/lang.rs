//! Language identification with confidence, tuned for short social posts.
//!
//! The detector sees only the words of a post: @mentions, #hashtags, URLs, numbers, emoji and
//! punctuation are removed first, since they carry no language signal and mislead n-gram models
//! on short texts. Latin-script text is compared only against the configured candidate languages
//! (fewer candidates: faster and fewer confusions with rare languages); text in any other script
//! is matched against that script's languages.
//!
//! Short posts are first read word by word: the most frequent function words of each supported
//! language (our own lists) vote, and a clear vote decides at the cost of a few hash look-ups.
//! Posts without a clear vote (very short, or mostly names and nouns) go to whichlang's linear
//! model over character n-grams (16 languages, a few microseconds), or, for scripts that
//! whichlang does not cover, to whatlang. docs/nlp.md records the measurement behind this design
//! (whatlang alone and lingua were measured too: whatlang is less accurate on short posts, lingua
//! as accurate but about a hundred times slower).

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use whatlang::{Detector, Lang, Script};

use crate::NlpError;

/// ISO 639-1 codes of the languages that the detector can name.
const ISO: &[(Lang, &str)] = &[
    (Lang::Epo, "eo"),
    (Lang::Eng, "en"),
    (Lang::Rus, "ru"),
    (Lang::Cmn, "zh"),
    (Lang::Spa, "es"),
    (Lang::Por, "pt"),
    (Lang::Ita, "it"),
    (Lang::Ben, "bn"),
    (Lang::Fra, "fr"),
    (Lang::Deu, "de"),
    (Lang::Ukr, "uk"),
    (Lang::Kat, "ka"),
    (Lang::Ara, "ar"),
    (Lang::Hin, "hi"),
    (Lang::Jpn, "ja"),
    (Lang::Heb, "he"),
    (Lang::Yid, "yi"),
    (Lang::Pol, "pl"),
    (Lang::Amh, "am"),
    (Lang::Jav, "jv"),
    (Lang::Kor, "ko"),
    (Lang::Nob, "nb"),
    (Lang::Dan, "da"),
    (Lang::Swe, "sv"),
    (Lang::Fin, "fi"),
    (Lang::Tur, "tr"),
    (Lang::Nld, "nl"),
    (Lang::Hun, "hu"),
    (Lang::Ces, "cs"),
    (Lang::Ell, "el"),
    (Lang::Bul, "bg"),
    (Lang::Bel, "be"),
    (Lang::Mar, "mr"),
    (Lang::Kan, "kn"),
    (Lang::Ron, "ro"),
    (Lang::Slv, "sl"),
    (Lang::Hrv, "hr"),
    (Lang::Srp, "sr"),
    (Lang::Mkd, "mk"),
    (Lang::Lit, "lt"),
    (Lang::Lav, "lv"),
    (Lang::Est, "et"),
    (Lang::Tam, "ta"),
    (Lang::Vie, "vi"),
    (Lang::Urd, "ur"),
    (Lang::Tha, "th"),
    (Lang::Guj, "gu"),
    (Lang::Uzb, "uz"),
    (Lang::Pan, "pa"),
    (Lang::Aze, "az"),
    (Lang::Ind, "id"),
    (Lang::Tel, "te"),
    (Lang::Pes, "fa"),
    (Lang::Mal, "ml"),
    (Lang::Ori, "or"),
    (Lang::Mya, "my"),
    (Lang::Nep, "ne"),
    (Lang::Sin, "si"),
    (Lang::Khm, "km"),
    (Lang::Tuk, "tk"),
    (Lang::Aka, "ak"),
    (Lang::Zul, "zu"),
    (Lang::Sna, "sn"),
    (Lang::Afr, "af"),
    (Lang::Lat, "la"),
    (Lang::Slk, "sk"),
    (Lang::Cat, "ca"),
    (Lang::Tgl, "tl"),
    (Lang::Hye, "hy"),
];

fn iso_of(lang: Lang) -> Option<&'static str> {
    ISO.iter().find(|(l, _)| *l == lang).map(|(_, c)| *c)
}

fn lang_of(code: &str) -> Option<Lang> {
    let code = code.trim();
    ISO.iter()
        .find(|(_, c)| c.eq_ignore_ascii_case(code))
        .map(|(l, _)| *l)
}

/// Normalise a caller's language code ("EN", "en-GB", "eng") to ISO 639-1, when we know it.
pub(crate) fn normalise_code(code: &str) -> Option<&'static str> {
    let code = code.trim();
    let primary = code.split(['-', '_']).next().unwrap_or(code);
    if let Some(l) = lang_of(primary) {
        return iso_of(l);
    }
    Lang::from_code(primary.to_ascii_lowercase()).and_then(iso_of)
}

/// Frequent function words per language (our own lists). Words shared between languages split
/// their vote.
const FUNCTION_WORDS: &[(&str, &str)] = &[
    (
        "en",
        "the and is are was were to of i a so my your you it that this for with have has had not be been just what \
         why when where how can can't don't doesn't didn't i'm it's i've will would they we our their there from \
         at but get got still again thanks thank please any an about me am do does did been being which who \
         could should than then them these those into over after before because while very really",
    ),
    (
        "es",
        "el la los las de del que y en un una es por para con no mi su lo se al como pero muy más ya esta \
         este está estoy gracias hola todo nada hay fue son tengo me te nos qué cuando dónde porque sin también \
         sólo solo hace ser donde mis sus eso esto le les hasta desde",
    ),
    (
        "fr",
        "le la les de des du un une et est en que qui pas ne je tu il elle nous vous ils mon ma mes ce cette \
         sur pour avec dans au aux mais très merci bonjour toujours rien c'est j'ai n'est suis été depuis votre \
         vos encore plus chez sans ça ou son sa ses leur y a été être avoir fait",
    ),
    (
        "de",
        "der die das und ist nicht ich du sie er es wir ihr mein meine dein ein eine einen mit auf für von zu \
         im den dem des auch noch schon aber sehr danke bitte kein keine wie was warum wann wo bei nach seit \
         immer heute hat habe haben sind war wird mehr nur doch mal jetzt gibt mich mir dir uns euch sich",
    ),
    (
        "pt",
        "o a os as de do da dos das que e é em um uma não meu minha seu sua com para por pra mas muito \
         obrigado obrigada ainda nada está estou foi são tem tenho vocês você isso esse essa já quando onde \
         porque sem também só ao no na nos mais pelo pela",
    ),
    (
        "it",
        "il lo la i gli le di del della che e è in un una non mio mia suo sua con per ma molto grazie ancora \
         niente sono sei ha ho hanno questo questa quando dove perché senza anche solo al alla nel nella più \
         ciao come cosa mi ti ci si",
    ),
    (
        "nl",
        "de het een en is niet ik je jij u hij zij we wij mijn jouw uw met op voor van te in dat die dit maar \
         ook nog al heel erg dank bedankt alsjeblieft geen hoe wat waarom wanneer waar bij na sinds altijd \
         vandaag heeft heb hebben zijn was wordt meer alleen toch nu er naar om kan",
    ),
];

/// How languages are detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LanguageMethod {
    /// Function-word vote, whichlang when the vote is not clear (whatlang for scripts whichlang
    /// does not know). The default: the most accurate and the fastest option measured.
    #[default]
    Hybrid,
    /// whichlang only (whatlang for other scripts).
    Whichlang,
    /// whatlang's trigram model only (candidates limited to `languages` for Latin script).
    Whatlang,
}

#[derive(Debug)]
pub(crate) struct LangDetector {
    latin: Detector,
    any: Detector,
    min_letters: usize,
    /// word -> (bit mask of languages, vote weight)
    words: FxHashMap<&'static str, (u8, f32)>,
    codes: Vec<&'static str>,
    pub(crate) method: LanguageMethod,
}

impl LangDetector {
    pub(crate) fn new(languages: &[String]) -> Result<Self, NlpError> {
        let mut allow = Vec::new();
        for code in languages {
            let l = lang_of(code).ok_or_else(|| {
                NlpError::Config(format!(
                    "unknown or unsupported language code {code:?} in `languages`"
                ))
            })?;
            if !allow.contains(&l) {
                allow.push(l);
            }
        }
        if allow.is_empty() {
            return Err(NlpError::Config(
                "`languages` must name at least one language".into(),
            ));
        }
        let mut codes: Vec<&'static str> = Vec::new();
        let mut masks: FxHashMap<&'static str, u8> = FxHashMap::default();
        for (code, list) in FUNCTION_WORDS {
            if !allow.iter().any(|l| iso_of(*l) == Some(*code)) || codes.len() >= 8 {
                continue;
            }
            let bit = 1u8 << codes.len();
            codes.push(code);
            for w in list.split_whitespace() {
                *masks.entry(w).or_default() |= bit;
            }
        }
        let words = masks
            .into_iter()
            .map(|(w, m)| (w, (m, 1.0 / m.count_ones() as f32)))
            .collect();
        Ok(LangDetector {
            latin: Detector::with_allowlist(allow),
            any: Detector::new(),
            min_letters: 3,
            words,
            codes,
            method: LanguageMethod::default(),
        })
    }

    /// The function-word vote over lower-cased words: (language, confidence) when clear.
    pub(crate) fn vote<'a>(
        &self,
        words: impl Iterator<Item = &'a str>,
    ) -> Option<(&'static str, f32)> {
        let mut score = [0.0f32; 8];
        let mut n_words = 0u32;
        // each distinct function word votes once ("ha ha ha" is not three Italian verbs)
        let mut seen: [&str; 24] = [""; 24];
        let mut n_seen = 0usize;
        for w in words {
            n_words += 1;
            if let Some((mask, weight)) = self.words.get_key_value(w).and_then(|(k, v)| {
                if seen[..n_seen].contains(k) {
                    None
                } else {
                    if n_seen < seen.len() {
                        seen[n_seen] = k;
                        n_seen += 1;
                    }
                    Some(v)
                }
            }) {
                let mut m = *mask;
                while m != 0 {
                    let b = m.trailing_zeros() as usize;
                    score[b] += weight;
                    m &= m - 1;
                }
            }
        }
        let (mut best, mut s1, mut s2) = (0usize, 0.0f32, 0.0f32);
        for (i, s) in score.iter().enumerate().take(self.codes.len()) {
            if *s > s1 {
                s2 = s1;
                s1 = *s;
                best = i;
            } else if *s > s2 {
                s2 = *s;
            }
        }
        // a clear vote: at least two function words' worth, and ahead of the runner-up by one
        if s1 >= 2.0 && s1 - s2 >= 1.0 {
            let margin = (s1 - s2) / s1;
            let coverage = (s1 / n_words.max(1) as f32).min(0.5) * 2.0;
            let conf = (0.5 + 0.3 * margin + 0.2 * coverage).clamp(0.0, 1.0);
            return self.codes.get(best).map(|c| (*c, conf));
        }
        None
    }

    /// `lower` yields the post's words in lower case; `words` holds them as written, separated
    /// by spaces; `letters` counts their letters.
    pub(crate) fn detect<'a>(
        &self,
        lower: impl Iterator<Item = &'a str>,
        words: &str,
        letters: usize,
    ) -> (Option<&'static str>, f32) {
        if letters < self.min_letters {
            return (None, 0.0);
        }
        match self.method {
            LanguageMethod::Whatlang => self.detect_whatlang(words),
            LanguageMethod::Whichlang => self.detect_whichlang(words, letters),
            LanguageMethod::Hybrid => match self.vote(lower) {
                Some((code, conf)) => (Some(code), conf),
                None => self.detect_whichlang(words, letters),
            },
        }
    }

    /// whichlang for Latin script and the scripts it covers, whatlang for the others. whichlang
    /// gives no scores: the confidence grows with the amount of text (0.1 plus 0.8 x letters/120,
    /// so a post needs about 60 letters to reach 0.5), since short texts are where character
    /// models guess.
    pub(crate) fn detect_whichlang(
        &self,
        words: &str,
        letters: usize,
    ) -> (Option<&'static str>, f32) {
        match whatlang::detect_script(words) {
            None => (None, 0.0),
            Some(
                Script::Latin
                | Script::Cyrillic
                | Script::Arabic
                | Script::Devanagari
                | Script::Hangul
                | Script::Hiragana
                | Script::Katakana
                | Script::Mandarin,
            ) => {
                let code = whatlang::Lang::from_code(
                    whichlang::detect_language(words).three_letter_code(),
                )
                .and_then(iso_of);
                let conf = 0.1 + 0.8 * (letters as f32 / 120.0).min(1.0);
                (code, if code.is_some() { conf } else { 0.0 })
            }
            Some(_) => self.detect_whatlang(words),
        }
    }

    /// whatlang alone.
    pub(crate) fn detect_whatlang(&self, words: &str) -> (Option<&'static str>, f32) {
        let info = match whatlang::detect_script(words) {
            None => return (None, 0.0),
            Some(Script::Latin) => self.latin.detect(words),
            Some(_) => self.any.detect(words),
        };
        match info {
            Some(i) => match iso_of(i.lang()) {
                Some(code) => (Some(code), (i.confidence() as f32).clamp(0.0, 1.0)),
                None => (None, 0.0),
            },
            None => (None, 0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det() -> LangDetector {
        LangDetector::new(&["en", "es", "fr", "de", "pt", "it", "nl"].map(String::from)).unwrap()
    }

    #[test]
    fn detects_common_languages() {
        let d = det();
        let cases = [
            ("my parcel never arrived and nobody answers the phone", "en"),
            ("mi paquete nunca llegó y nadie contesta el teléfono", "es"),
            ("mon colis n'est jamais arrivé et personne ne répond", "fr"),
            (
                "mein Paket ist nie angekommen und niemand geht ans Telefon",
                "de",
            ),
            ("мой заказ так и не пришёл", "ru"),
        ];
        for (text, code) in cases {
            let letters = text.chars().filter(|c| c.is_alphabetic()).count();
            let lower = text.to_lowercase();
            assert_eq!(
                d.detect(lower.split(' '), text, letters).0,
                Some(code),
                "{text}"
            );
            assert_eq!(d.detect_whatlang(text).0, Some(code), "{text}");
        }
    }

    #[test]
    fn undetectable_is_none() {
        assert_eq!(det().detect("".split(' '), "", 0), (None, 0.0));
        assert_eq!(det().detect("ok".split(' '), "ok", 2), (None, 0.0));
    }

    #[test]
    fn function_word_vote() {
        let d = det();
        let v = |t: &str| d.vote(t.split(' ')).map(|(c, _)| c);
        assert_eq!(v("where is my bag and why is it not here"), Some("en"));
        assert_eq!(v("dónde está mi maleta y por qué no llega"), Some("es"));
        assert_eq!(
            v("waar is mijn koffer en waarom is hij er niet"),
            Some("nl")
        );
        // not enough evidence: no vote (whatlang decides)
        assert_eq!(v("thanks"), None);
        assert_eq!(v("great flight"), None);
    }

    #[test]
    fn codes() {
        assert_eq!(normalise_code("EN-gb"), Some("en"));
        assert_eq!(normalise_code("deu"), Some("de"));
        assert_eq!(normalise_code("xx"), None);
        assert!(LangDetector::new(&["xx".into()]).is_err());
        assert!(LangDetector::new(&[]).is_err());
    }
}
