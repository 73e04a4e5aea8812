use std::sync::{Arc, OnceLock};

use nlp::{Enricher, NlpConfig, PiiKind, Rule, Rules, SentimentLabel, Taxonomy, TopicDef, redact};

fn enricher() -> &'static Enricher {
    static E: OnceLock<Enricher> = OnceLock::new();
    E.get_or_init(|| Enricher::new(NlpConfig::default()).unwrap())
}

fn score(text: &str) -> f32 {
    enricher().enrich(text, Some("en")).sentiment.score
}

fn label(text: &str) -> SentimentLabel {
    enricher().enrich(text, Some("en")).sentiment.label
}

#[test]
fn basic_polarity() {
    assert_eq!(
        label("I love this airline, great crew"),
        SentimentLabel::Positive
    );
    assert_eq!(
        label("worst service ever, terrible"),
        SentimentLabel::Negative
    );
    assert_eq!(
        label("my flight leaves at 6 from gate 12"),
        SentimentLabel::Neutral
    );
}

#[test]
fn negation_flips() {
    assert!(score("I am happy with the service") > 0.0);
    assert!(score("I am not happy with the service") < 0.0);
    assert!(score("the food was never good") < 0.0);
    assert!(score("not bad at all") > 0.0);
    // negation does not cross a sentence boundary
    assert!(score("No. I am happy") > 0.0);
    // ...nor a sentiment word: only "good" is negated here, "dirty" stays negative
    assert!(score("you aren't good at dirty talk") < 0.0);
    assert!(score("I don't care") < 0.0);
}

#[test]
fn never_again_and_negated_expectations_are_complaints() {
    assert_eq!(label("never again"), SentimentLabel::Negative);
    assert_eq!(label("my parcel never arrived"), SentimentLabel::Negative);
    assert_eq!(
        label("the app still isn't working"),
        SentimentLabel::Negative
    );
    assert_eq!(
        label("I can't log in to my account"),
        SentimentLabel::Negative
    );
    // the same verbs without negation are not complaints
    assert_ne!(label("my parcel arrived"), SentimentLabel::Negative);
}

#[test]
fn care_complaints_without_lexicon_words_lean_negative() {
    for t in [
        "still waiting for my refund",
        "where is my parcel",
        "3 hours on hold",
        "no response to my email",
    ] {
        assert_eq!(label(t), SentimentLabel::Negative, "{t}");
    }
}

#[test]
fn lockouts_damage_bot_loops_and_sarcasm_are_complaints() {
    for t in [
        "password reset email never arrives. locked out of my account",
        "the app keeps logging me out every few minutes",
        "the blender arrived with a cracked casing",
        "the chat bot keeps sending me in circles. I want a human",
        "14 days to return now? that's a joke",
        "tracking hasn't moved in a week",
        "the heater smells like burning plastic when I switch it on. is this safe?",
    ] {
        assert_eq!(label(t), SentimentLabel::Negative, "{t}");
    }
    // the words themselves stay neutral elsewhere
    assert_ne!(label("we moved house last week"), SentimentLabel::Negative);
    assert_ne!(label("I logged in fine today"), SentimentLabel::Negative);
}

#[test]
fn politeness_is_not_positivity() {
    // "please help" is a request, not praise
    assert_ne!(
        label("please help me with my booking"),
        SentimentLabel::Positive
    );
}

#[test]
fn contrast_weighs_the_second_clause() {
    assert_eq!(
        label("thanks, but my bag is lost and the staff were rude"),
        SentimentLabel::Negative
    );
    assert_eq!(
        label("the delay was annoying but the crew were wonderful"),
        SentimentLabel::Positive
    );
    let plain = score("the crew were wonderful");
    let after_but = score("the seats were bad but the crew were wonderful");
    assert!(after_but > 0.0 && after_but < plain + 0.5);
}

#[test]
fn caps_punctuation_boosters_and_elongation_intensify() {
    let base = score("this is bad");
    assert!(score("this is BAD") < base, "caps");
    assert!(score("this is bad!!!") < base, "exclamation");
    assert!(score("this is very bad") < base, "booster");
    assert!(score("this is slightly bad") > base, "dampener");
    assert!(score("this is baaaad") < base, "elongation");
    let good = score("this is good");
    assert!(score("this is sooooo good") > good, "elongated booster");
    // all-caps text is a habit, not emphasis of one word
    assert!((score("THIS IS BAD") - base).abs() < 1e-6);
}

#[test]
fn emoji_and_emoticons_carry_sentiment() {
    assert_eq!(label("my flight today 😡"), SentimentLabel::Negative);
    assert_eq!(label("my flight today 😍"), SentimentLabel::Positive);
    assert_eq!(label("landed :)"), SentimentLabel::Positive);
    assert_eq!(label("landed :("), SentimentLabel::Negative);
    assert_eq!(label("😡😡😡"), SentimentLabel::Negative);
}

#[test]
fn mentions_hashtags_urls() {
    // a brand handle or a URL is not sentiment
    assert_eq!(
        label("@HappyAirways @GreatBank http://example.com/awful"),
        SentimentLabel::Unclassified
    );
    // hashtag words count, camel case is split
    assert_eq!(label("flight 402 #fail"), SentimentLabel::Negative);
    assert_eq!(
        label("flying with you #NeverAgain"),
        SentimentLabel::Negative
    );
}

#[test]
fn short_or_unsupported_is_unclassified() {
    let e = enricher();
    for t in ["", "   ", "@united", "http://t.co/abc", "??", "12345", "hm"] {
        assert_eq!(
            e.enrich(t, None).sentiment.label,
            SentimentLabel::Unclassified,
            "{t:?}"
        );
    }
    let es = e.enrich(
        "el servicio de atención al cliente es terrible, llevo tres horas esperando",
        None,
    );
    assert_eq!(es.language.as_deref(), Some("es"));
    assert_eq!(es.sentiment.label, SentimentLabel::Unclassified);
    // the caller's hint is trusted
    let hinted = e.enrich("this is great", Some("fr"));
    assert_eq!(hinted.language.as_deref(), Some("fr"));
    assert_eq!(hinted.sentiment.label, SentimentLabel::Unclassified);
}

#[test]
fn detects_language_of_posts() {
    let e = enricher();
    let en = e.enrich(
        "@AcmeAir my bag did not arrive and nobody at the desk could tell me why",
        None,
    );
    assert_eq!(en.language.as_deref(), Some("en"));
    assert!(en.language_confidence > 0.2);
    let de = e.enrich(
        "Mein Paket ist immer noch nicht angekommen, das ist eine Frechheit",
        None,
    );
    assert_eq!(de.language.as_deref(), Some("de"));
    assert_eq!(e.enrich("😀😀", None).language, None);
}

#[test]
fn topics_from_keywords() {
    let e = enricher();
    let r = e.enrich("I was charged twice for my subscription", None);
    assert_eq!(r.topic.as_deref(), Some("billing"));
    assert!(r.topic_confidence > 0.5);
    let r = e.enrich("my parcels never arrived", None);
    assert_eq!(r.topic.as_deref(), Some("delivery"));
    let r = e.enrich("lovely weather", None);
    assert_eq!(r.topic, None);
    assert_eq!(r.topic_confidence, 0.0);
}

#[test]
fn returns_and_refunds_in_every_language_are_one_topic() {
    let e = enricher();
    for text in [
        // ties go to the earlier keyword: the return comes before the delivery words
        "the return label never arrived so I can't even send it back",
        "what's the return window for the headphones?",
        "devolví el pedido hace 9 días y todavía no tengo el reembolso",
        "j'ai renvoyé ma commande il y a 9 jours et toujours pas de remboursement",
        "Ich warte seit zwei Wochen auf meine Rückerstattung",
    ] {
        assert_eq!(
            e.enrich(text, None).topic.as_deref(),
            Some("refund"),
            "{text}"
        );
    }
    // "return" alone is not a refund
    assert_ne!(
        e.enrich("when do you return my call?", None)
            .topic
            .as_deref(),
        Some("refund")
    );
}

#[test]
fn custom_taxonomy() {
    let cfg = NlpConfig {
        taxonomy: Taxonomy {
            topics: vec![
                TopicDef {
                    name: "wifi".into(),
                    keywords: vec!["wifi".into(), "internet connection".into()],
                },
                TopicDef {
                    name: "food".into(),
                    keywords: vec!["meal".into(), "snacks".into()],
                },
            ],
        },
        ..NlpConfig::default()
    };
    let e = Enricher::new(cfg).unwrap();
    assert_eq!(
        e.enrich("the Internet connection on board keeps dropping", None)
            .topic
            .as_deref(),
        Some("wifi")
    );
    assert_eq!(
        e.enrich("no snack on a 5 hour flight", None)
            .topic
            .as_deref(),
        Some("food")
    );
    // a duplicate topic name is a configuration error
    let dup = NlpConfig {
        taxonomy: Taxonomy {
            topics: vec![
                TopicDef {
                    name: "a".into(),
                    keywords: vec![]
                };
                2
            ],
        },
        ..NlpConfig::default()
    };
    assert!(Enricher::new(dup).is_err());
}

#[test]
fn phrases_are_normalised() {
    let e = enricher();
    let p = e
        .enrich("I was CHARGED TWICE and my parcels never arrived!!", None)
        .phrases;
    assert_eq!(
        p,
        vec![
            "charged twice".to_string(),
            "parcel never arrived".to_string()
        ]
    );
    let p = e
        .enrich(
            "@AcmeAir the customer service agents were rude http://x.co",
            None,
        )
        .phrases;
    assert_eq!(
        p,
        vec!["customer service agent".to_string(), "rude".to_string()]
    );
    assert!(e.enrich("", None).phrases.is_empty());
}

#[test]
fn pii_through_enrich_with_offsets() {
    let e = enricher();
    let text = "📦 mail me at jo@example.com, order 99A77123, card 4111 1111 1111 1111";
    let r = e.enrich(text, None);
    let kinds: Vec<PiiKind> = r.pii.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        vec![PiiKind::Email, PiiKind::OrderNumber, PiiKind::PaymentCard]
    );
    assert_eq!(
        redact(text, &r.pii),
        "📦 mail me at [EMAIL], order [ORDER], card [CARD]"
    );
}

#[test]
fn rules_override_without_retraining() {
    let base = enricher();
    assert_eq!(
        base.enrich("the airport was a war zone today", None)
            .sentiment
            .label,
        SentimentLabel::Negative
    );
    let rules = Rules {
        rules: vec![
            Rule {
                phrase: "war zone".into(),
                sentiment: Some(SentimentLabel::Neutral),
                valence: None,
                topic: None,
            },
            Rule {
                phrase: "sick".into(),
                sentiment: Some(SentimentLabel::Positive),
                valence: None,
                topic: None,
            },
            Rule {
                phrase: "gate change".into(),
                sentiment: None,
                valence: None,
                topic: Some("gates".into()),
            },
        ],
    };
    let e = Enricher::new(NlpConfig::default())
        .unwrap()
        .with_rules(&rules)
        .unwrap();
    assert_eq!(
        e.enrich("the airport was a war zone today", None)
            .sentiment
            .label,
        SentimentLabel::Neutral
    );
    assert_eq!(
        e.enrich("that new board is sick", None).sentiment.label,
        SentimentLabel::Positive
    );
    assert_eq!(
        e.enrich("another gate change, delayed again", None)
            .topic
            .as_deref(),
        Some("gates")
    );
    // JSON form and bad rules
    let r = Rules::from_json(r#"{"rules":[{"phrase":"war zone","sentiment":"neutral"}]}"#).unwrap();
    assert_eq!(r.rules.len(), 1);
    let empty = Rules {
        rules: vec![Rule {
            phrase: "!!".into(),
            sentiment: Some(SentimentLabel::Neutral),
            valence: None,
            topic: None,
        }],
    };
    assert!(
        Enricher::new(NlpConfig::default())
            .unwrap()
            .with_rules(&empty)
            .is_err()
    );
    let nothing = Rules {
        rules: vec![Rule {
            phrase: "x y".into(),
            sentiment: None,
            valence: None,
            topic: None,
        }],
    };
    assert!(
        Enricher::new(NlpConfig::default())
            .unwrap()
            .with_rules(&nothing)
            .is_err()
    );
    let out_of_range = Rules {
        rules: vec![Rule {
            phrase: "x".into(),
            sentiment: None,
            valence: Some(9.0),
            topic: None,
        }],
    };
    assert!(
        Enricher::new(NlpConfig::default())
            .unwrap()
            .with_rules(&out_of_range)
            .is_err()
    );
    assert!(Rules::from_json("{").is_err());
}

#[test]
fn bad_config_is_an_error() {
    let bad_lang = NlpConfig {
        languages: vec!["klingon".into()],
        ..NlpConfig::default()
    };
    assert!(Enricher::new(bad_lang).is_err());
    let bad_band = NlpConfig {
        neutral_band: 2.0,
        ..NlpConfig::default()
    };
    assert!(Enricher::new(bad_band).is_err());
    let cfg: NlpConfig = serde_json::from_str(r#"{"neutral_band": 0.1}"#).unwrap();
    assert_eq!(cfg.neutral_band, 0.1);
    assert_eq!(cfg.taxonomy, Taxonomy::default());
}

#[test]
fn never_panics_on_odd_input() {
    let e = enricher();
    let huge = "terrible service, call 555 123 4567 ".repeat(60_000); // ~2 MB
    let r = e.enrich(&huge, None);
    assert_eq!(r.sentiment.label, SentimentLabel::Negative);
    assert_eq!(r.pii.len(), 60_000, "PII is searched in the whole text");
    assert!(r.phrases.len() <= e.config().max_phrases);
    let samples = [
        "\u{0}\u{1}\u{7f}",
        "🙂🙂🙂🙂",
        "👨‍👩‍👧‍👦👍🏽",
        "http://a http://b https://c",
        "é".repeat(20_000).as_str().to_owned().leak(),
        "@@@@####!!!!????",
        "a'b'c'd-e-f",
        "1,2.3,4.5",
        "ａｂｃ　全角",
        "\u{202e}reversed\u{202c}",
        "x@y",
        "+",
        "(",
    ];
    for s in samples {
        let r = e.enrich(s, None);
        assert!((0.0..=1.0).contains(&r.language_confidence));
        assert!((-1.0..=1.0).contains(&r.sentiment.score));
        assert!((0.0..=1.0).contains(&r.sentiment.confidence));
        assert!((0.0..=1.0).contains(&r.topic_confidence));
        for span in &r.pii {
            assert!(s.get(span.start..span.end).is_some());
        }
        let _ = redact(s, &r.pii);
    }
}

#[test]
fn enrichment_roundtrips_through_json() {
    let r = enricher().enrich("not happy, order 12345678 is late", None);
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"label\":\"negative\""));
    let back: nlp::Enrichment = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
}

#[test]
fn label_strings() {
    for l in [
        SentimentLabel::Negative,
        SentimentLabel::Neutral,
        SentimentLabel::Positive,
        SentimentLabel::Unclassified,
    ] {
        assert_eq!(l.as_str().parse::<SentimentLabel>().unwrap(), l);
    }
    assert_eq!(
        "POS".parse::<SentimentLabel>().unwrap(),
        SentimentLabel::Positive
    );
    assert!("happy".parse::<SentimentLabel>().is_err());
}

#[test]
fn shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Enricher>();
    let e = Arc::new(Enricher::new(NlpConfig::default()).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let e = Arc::clone(&e);
            std::thread::spawn(move || {
                e.enrich(&format!("thread {i}: the crew were wonderful"), None)
                    .sentiment
                    .label
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), SentimentLabel::Positive);
    }
}

/// Random strings built from pieces that exercise every tokeniser path (ASCII words, capitals,
/// elongations, joiners, mentions, hashtags, URLs, digits, cards, e-mails, emoji with modifiers,
/// emoticons, multi-byte letters, odd whitespace, control characters): `enrich` must return
/// values in range and spans on character boundaries, and never panic.
#[test]
fn random_inputs_keep_invariants() {
    const PIECES: &[&str] = &[
        "good",
        "BAD",
        "sooooo",
        "not",
        "never",
        "but",
        "don't",
        "can’t",
        "@united",
        "#NeverAgain",
        "#",
        "@",
        "http://x.co/a?b=c",
        "www.",
        "123",
        "3.5",
        "1,000",
        "4111 1111 1111 1111",
        "+1 (555) 123-4567",
        "a@b.io",
        "@b.io",
        "😡",
        "👍🏽",
        "👨‍👩‍👧",
        "\u{FE0F}",
        "\u{200D}",
        ":)",
        ":-(",
        "</3",
        "xD",
        "!!!",
        "???",
        "...",
        "…",
        "¿",
        "é",
        "Ünïcödé",
        "日本語",
        "мой",
        "مرحبا",
        " ",
        "\t",
        "\n",
        "\u{a0}",
        "\u{3000}",
        "\u{0}",
        "\u{7f}",
        "'",
        "-",
        "_",
        ",",
        ".",
        "order #AB12345",
        "account 99887766",
        "still waiting",
        "where is my",
        "on hold",
        "war zone",
        "x",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ];
    let e = enricher();
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for _ in 0..3000 {
        let n = (next() % 24) as usize;
        let mut text = String::new();
        for _ in 0..n {
            text.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
            if next() % 3 != 0 {
                text.push(' ');
            }
        }
        let r = e.enrich(&text, None);
        assert!((0.0..=1.0).contains(&r.language_confidence), "{text:?}");
        assert!((-1.0..=1.0).contains(&r.sentiment.score), "{text:?}");
        assert!((0.0..=1.0).contains(&r.sentiment.confidence), "{text:?}");
        assert!((0.0..=1.0).contains(&r.topic_confidence), "{text:?}");
        assert!(r.phrases.len() <= e.config().max_phrases);
        let mut last_end = 0;
        for s in &r.pii {
            assert!(
                s.start < s.end && s.start >= last_end,
                "{text:?}: {:?}",
                r.pii
            );
            assert!(text.get(s.start..s.end).is_some(), "{text:?}");
            last_end = s.end;
        }
        let red = redact(&text, &r.pii);
        assert!(red.len() <= text.len() + 10 * r.pii.len(), "{text:?}");
    }
}
