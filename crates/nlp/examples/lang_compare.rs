//! Language detection on short customer-care posts: whatlang vs lingua vs our function-word vote
//! with whatlang as fallback (the default).
//!
//!     cargo run -p nlp --release --features lingua-compare --example lang_compare [-- /work/shared/data]
//!
//! The labelled posts below were written for this comparison (16-39 characters, the length of a
//! typical complaint or reply). When a data folder is given, the airline tweets (all English) are
//! also used: the share detected as English and the speed on real posts.

use std::time::Instant;

use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};
use nlp::{Enricher, LanguageMethod, NlpConfig};

const POSTS: &[(&str, &str)] = &[
    ("en", "where is my parcel??"),
    ("en", "still waiting for a refund"),
    ("en", "my flight got cancelled again"),
    ("en", "thanks for the quick reply!"),
    ("en", "worst customer service ever"),
    ("en", "app keeps crashing on login"),
    ("en", "can you dm me please"),
    ("en", "lost my bag, nobody helps"),
    ("en", "great crew today"),
    ("en", "been on hold for 2 hours"),
    ("en", "why was I charged twice?"),
    ("en", "love the new update"),
    ("es", "¿dónde está mi pedido?"),
    ("es", "sigo esperando el reembolso"),
    ("es", "me cancelaron el vuelo otra vez"),
    ("es", "gracias por la respuesta rápida"),
    ("es", "el peor servicio al cliente"),
    ("es", "la aplicación no funciona"),
    ("es", "nadie contesta el teléfono"),
    ("es", "perdieron mi maleta"),
    ("es", "excelente atención, muchas gracias"),
    ("es", "me cobraron dos veces"),
    ("fr", "où est mon colis ?"),
    ("fr", "j'attends toujours mon remboursement"),
    ("fr", "mon vol est encore annulé"),
    ("fr", "merci pour la réponse rapide"),
    ("fr", "le pire service client"),
    ("fr", "l'application plante sans arrêt"),
    ("fr", "personne ne répond au téléphone"),
    ("fr", "vous avez perdu ma valise"),
    ("fr", "équipage super sympa aujourd'hui"),
    ("fr", "j'ai été débité deux fois"),
    ("de", "wo ist mein Paket?"),
    ("de", "warte immer noch auf die Erstattung"),
    ("de", "mein Flug wurde schon wieder gestrichen"),
    ("de", "danke für die schnelle Antwort"),
    ("de", "schlechtester Kundenservice überhaupt"),
    ("de", "die App stürzt ständig ab"),
    ("de", "niemand geht ans Telefon"),
    ("de", "Koffer verloren, keiner hilft"),
    ("de", "tolle Crew heute"),
    ("de", "zweimal abgebucht, warum?"),
    ("pt", "cadê minha encomenda?"),
    ("pt", "ainda esperando o reembolso"),
    ("pt", "cancelaram meu voo de novo"),
    ("pt", "obrigado pela resposta rápida"),
    ("pt", "pior atendimento do mundo"),
    ("pt", "o aplicativo não abre"),
    ("pt", "ninguém atende o telefone"),
    ("pt", "perderam minha mala"),
    ("pt", "tripulação excelente hoje"),
    ("pt", "fui cobrado duas vezes"),
    ("it", "dov'è il mio pacco?"),
    ("it", "sto ancora aspettando il rimborso"),
    ("it", "mi hanno cancellato il volo di nuovo"),
    ("it", "grazie per la risposta veloce"),
    ("it", "il peggior servizio clienti"),
    ("it", "l'app si blocca sempre"),
    ("it", "nessuno risponde al telefono"),
    ("it", "avete perso la mia valigia"),
    ("it", "equipaggio fantastico oggi"),
    ("it", "addebitato due volte, perché?"),
    ("nl", "waar is mijn pakket?"),
    ("nl", "wacht nog steeds op mijn terugbetaling"),
    ("nl", "mijn vlucht is weer geannuleerd"),
    ("nl", "bedankt voor het snelle antwoord"),
    ("nl", "slechtste klantenservice ooit"),
    ("nl", "de app crasht steeds"),
    ("nl", "niemand neemt de telefoon op"),
    ("nl", "koffer kwijt, niemand helpt"),
    ("nl", "geweldige bemanning vandaag"),
    ("nl", "twee keer afgeschreven, waarom?"),
];

fn iso(l: Language) -> &'static str {
    match l {
        Language::English => "en",
        Language::Spanish => "es",
        Language::French => "fr",
        Language::German => "de",
        Language::Portuguese => "pt",
        Language::Italian => "it",
        Language::Dutch => "nl",
        #[allow(unreachable_patterns)]
        _ => "?",
    }
}

type Detect<'a> = Box<dyn Fn(&str) -> Option<&'static str> + 'a>;

fn main() -> anyhow::Result<()> {
    let data = std::env::args().nth(1);
    let langs = [
        Language::English,
        Language::Spanish,
        Language::French,
        Language::German,
        Language::Portuguese,
        Language::Italian,
        Language::Dutch,
    ];
    let t0 = Instant::now();
    let lingua_hi: LanguageDetector = LanguageDetectorBuilder::from_languages(&langs)
        .with_preloaded_language_models()
        .build();
    let lingua_lo: LanguageDetector = LanguageDetectorBuilder::from_languages(&langs)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build();
    let lingua_load = t0.elapsed();
    // the detectors' top guesses, whatever their confidence (the enricher reports `None` below
    // `min_language_confidence`, 0.2 by default)
    let top_guess = NlpConfig {
        min_language_confidence: 0.0,
        ..NlpConfig::default()
    };
    let hybrid = Enricher::new(top_guess.clone())?;
    let whatlang = Enricher::new(NlpConfig {
        language_method: LanguageMethod::Whatlang,
        ..top_guess.clone()
    })?;
    let whichlang = Enricher::new(NlpConfig {
        language_method: LanguageMethod::Whichlang,
        ..top_guess
    })?;
    let all = whatlang::Detector::new();

    let detectors: Vec<(&str, Detect)> = vec![
        (
            "ours: function words + whichlang fallback (default)",
            Box::new(|t| hybrid.detect_language(t).0.and_then(static_code)),
        ),
        (
            "ours: function words alone (no vote counts as a miss)",
            Box::new(|t| hybrid.language_vote(t)),
        ),
        (
            "whichlang 0.1.1 (16 languages)",
            Box::new(|t| whichlang.detect_language(t).0.and_then(static_code)),
        ),
        (
            "whatlang, 7 candidate languages",
            Box::new(|t| whatlang.detect_language(t).0.and_then(static_code)),
        ),
        (
            "whatlang, all 69 languages",
            Box::new(|t| all.detect_lang(t).map(|l| whatlang_iso(l.code()))),
        ),
        (
            "lingua 1.8, 7 languages, high accuracy",
            Box::new(|t| lingua_hi.detect_language_of(t).map(iso)),
        ),
        (
            "lingua 1.8, 7 languages, low accuracy",
            Box::new(|t| lingua_lo.detect_language_of(t).map(iso)),
        ),
    ];

    let tweets: Vec<String> = match &data {
        Some(d) => {
            let mut r = csv::Reader::from_path(format!("{d}/airline_sentiment/dev.csv"))?;
            let h = r.headers()?.clone();
            let col = h
                .iter()
                .position(|c| c == "text")
                .ok_or_else(|| anyhow::anyhow!("no text column"))?;
            r.records()
                .filter_map(|x| x.ok().and_then(|x| x.get(col).map(str::to_string)))
                .collect()
        }
        None => Vec::new(),
    };
    println!(
        "lingua model load (7 languages, preloaded): {:.0} ms",
        lingua_load.as_secs_f64() * 1e3
    );
    println!(
        "{} labelled short posts in 7 languages; {} airline tweets (English)\n",
        POSTS.len(),
        tweets.len()
    );
    println!(
        "| detector | short posts correct | airline tweets detected as en | µs per airline tweet |"
    );
    println!("|---|---|---|---|");
    for (name, d) in &detectors {
        let correct = POSTS.iter().filter(|(l, t)| d(t) == Some(*l)).count();
        let wrong: Vec<&str> = POSTS
            .iter()
            .filter(|(l, t)| d(t) != Some(*l))
            .map(|(_, t)| *t)
            .collect();
        let (en, us) = if tweets.is_empty() {
            (String::from("-"), String::from("-"))
        } else {
            let start = Instant::now();
            let en = tweets.iter().filter(|t| d(t) == Some("en")).count();
            let us = start.elapsed().as_secs_f64() * 1e6 / tweets.len() as f64;
            (
                format!("{:.1} %", 100.0 * en as f64 / tweets.len() as f64),
                format!("{us:.1}"),
            )
        };
        println!("| {name} | {correct}/{} | {en} | {us} |", POSTS.len());
        eprintln!("  {name} missed: {wrong:?}");
    }
    Ok(())
}

fn static_code(s: String) -> Option<&'static str> {
    ["en", "es", "fr", "de", "pt", "it", "nl"]
        .into_iter()
        .find(|c| *c == s)
        .or(Some("other"))
}

fn whatlang_iso(code: &str) -> &'static str {
    match code {
        "eng" => "en",
        "spa" => "es",
        "fra" => "fr",
        "deu" => "de",
        "por" => "pt",
        "ita" => "it",
        "nld" => "nl",
        _ => "other",
    }
}
