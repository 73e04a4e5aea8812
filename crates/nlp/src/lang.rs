//! Language identification with confidence, tuned for short social posts.
//!
//! The detector sees only the words of a post: @mentions, #hashtags, URLs, numbers, emoji and
//! punctuation are removed first, since they carry no language signal and mislead n-gram models
//! on short texts. Latin-script text is compared only against the configured candidate languages
//! (fewer candidates: faster and fewer confusions with rare languages); text in any other script
//! is matched against that script's languages.

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

#[derive(Debug)]
pub(crate) struct LangDetector {
    latin: Detector,
    any: Detector,
    min_letters: usize,
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
        Ok(LangDetector {
            latin: Detector::with_allowlist(allow),
            any: Detector::new(),
            min_letters: 3,
        })
    }

    /// `words` holds the post's words separated by spaces; `letters` counts their letters.
    pub(crate) fn detect(&self, words: &str, letters: usize) -> (Option<&'static str>, f32) {
        if letters < self.min_letters {
            return (None, 0.0);
        }
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
            assert_eq!(d.detect(text, letters).0, Some(code), "{text}");
        }
    }

    #[test]
    fn undetectable_is_none() {
        assert_eq!(det().detect("", 0), (None, 0.0));
        assert_eq!(det().detect("ok", 2), (None, 0.0));
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
