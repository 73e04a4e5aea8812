use nlp::{
    CsvOptions, Enricher, Example, Model, NlpConfig, NlpError, Report, SentimentLabel, Task,
    TrainOptions, cross_validate, evaluate, read_examples, train,
};

/// A small synthetic set whose labels depend on words that are not in any sentiment lexicon,
/// so a model that ignores its training data (or always predicts one class) fails.
fn synthetic(n_per_class: usize, offset: usize) -> Vec<Example> {
    let pos = ["zorbly", "quintal", "fexo"];
    let neg = ["blarg", "wumpet", "droll-o"];
    let neu = ["tabletop", "mauve", "pylon"];
    let fillers = ["the", "my", "order", "today", "with", "a", "flight", "app"];
    let mut out = Vec::new();
    for i in offset..offset + n_per_class {
        let f = |k: usize| fillers[(i * 7 + k * 3) % fillers.len()];
        out.push(Example::new(
            format!("{} {} {} {}", f(0), pos[i % 3], f(1), f(2)),
            "positive",
        ));
        out.push(Example::new(
            format!("{} {} {} {}", f(1), neg[i % 3], f(2), f(3)),
            "negative",
        ));
        out.push(Example::new(
            format!("{} {} {} {}", f(2), neu[i % 3], f(3), f(0)),
            "neutral",
        ));
    }
    out
}

fn small_opts() -> TrainOptions {
    TrainOptions {
        hash_bits: 14,
        epochs: 8,
        ..TrainOptions::default()
    }
}

#[test]
fn learns_a_synthetic_task_and_generalises() {
    let train_set = synthetic(30, 0);
    let test_set = synthetic(10, 1000);
    let model = train(Task::Sentiment, &train_set, &small_opts()).unwrap();
    assert_eq!(model.labels(), ["negative", "neutral", "positive"]);
    let report = evaluate(&model, &test_set).unwrap();
    assert!(report.accuracy > 0.95, "{report}");
    assert!(report.macro_f1 > 0.95, "{report}");
    assert_eq!(report.confusion.len(), 3);
    assert_eq!(report.n, 30);
    let p = model.predict("my zorbly order");
    assert_eq!(p.label, "positive");
    assert!(p.confidence > 0.5 && p.confidence <= 1.0);
    let total: f32 = p.probabilities.iter().map(|(_, q)| q).sum();
    assert!((total - 1.0).abs() < 1e-4);
}

#[test]
fn shuffled_labels_do_not_generalise() {
    // the same texts with labels unrelated to the words: held-out accuracy must stay near chance
    let mut train_set = synthetic(30, 0);
    let labels = ["positive", "negative", "neutral"];
    for (i, e) in train_set.iter_mut().enumerate() {
        e.label = labels[(i / 3 + i * 5) % 3].to_string();
    }
    let model = train(Task::Sentiment, &train_set, &small_opts()).unwrap();
    let report = evaluate(&model, &synthetic(10, 1000)).unwrap();
    assert!(report.accuracy < 0.7, "{report}");
}

#[test]
fn cross_validation_reports_folds() {
    let cv = cross_validate(Task::Sentiment, &synthetic(20, 0), 5, &small_opts()).unwrap();
    assert_eq!(cv.folds.len(), 5);
    assert_eq!(cv.pooled.n, 60);
    assert!(cv.mean_accuracy > 0.9, "{}", cv.pooled);
    // every example is evaluated exactly once
    assert_eq!(cv.folds.iter().map(|f| f.n).sum::<usize>(), 60);
    assert!(matches!(
        cross_validate(Task::Sentiment, &synthetic(20, 0), 1, &small_opts()),
        Err(NlpError::Options(_))
    ));
}

#[test]
fn report_metrics_by_hand() {
    let labels = ["a".to_string(), "b".to_string()];
    // gold a a a b, predicted a a b b
    let r = Report::from_predictions(&labels, &[0, 0, 0, 1], &[0, 0, 1, 1]).unwrap();
    assert_eq!(r.confusion, vec![vec![2, 1], vec![0, 1]]);
    assert!((r.accuracy - 0.75).abs() < 1e-9);
    assert!((r.per_class[0].precision - 1.0).abs() < 1e-9);
    assert!((r.per_class[0].recall - 2.0 / 3.0).abs() < 1e-9);
    assert!((r.per_class[1].precision - 0.5).abs() < 1e-9);
    let f1a = 2.0 * (2.0 / 3.0) / (1.0 + 2.0 / 3.0);
    let f1b = 2.0 * 0.5 / 1.5;
    assert!((r.macro_f1 - (f1a + f1b) / 2.0).abs() < 1e-9);
    assert!(Report::from_predictions(&labels, &[0], &[0, 1]).is_err());
    assert!(Report::from_predictions(&labels, &[5], &[0]).is_err());
}

#[test]
fn bad_training_input_is_a_clear_error() {
    let one_class = vec![
        Example::new("good", "positive"),
        Example::new("great", "positive"),
    ];
    let err = train(Task::Sentiment, &one_class, &small_opts()).unwrap_err();
    assert!(
        matches!(err, NlpError::TooFewClasses { found: 1, .. }),
        "{err}"
    );
    assert!(matches!(
        train(Task::Sentiment, &[], &small_opts()),
        Err(NlpError::Empty(_))
    ));
    let bad_label = vec![
        Example::new("good", "positive"),
        Example::new("meh", "so-so"),
    ];
    let err = train(Task::Sentiment, &bad_label, &small_opts()).unwrap_err();
    assert!(matches!(err, NlpError::InvalidLabel { .. }), "{err}");
    assert!(err.to_string().contains("so-so"));
    let bad_opts = TrainOptions {
        hash_bits: 40,
        ..TrainOptions::default()
    };
    assert!(matches!(
        train(Task::Sentiment, &synthetic(2, 0), &bad_opts),
        Err(NlpError::Options(_))
    ));
    let bad_lr = TrainOptions {
        learning_rate: f32::NAN,
        ..TrainOptions::default()
    };
    assert!(matches!(
        train(Task::Sentiment, &synthetic(2, 0), &bad_lr),
        Err(NlpError::Options(_))
    ));
    // a topic label can be anything non-empty
    let topics = vec![
        Example::new("bag lost", "Lost Luggage"),
        Example::new("late again", "Late Flight"),
    ];
    assert_eq!(
        train(Task::Topic, &topics, &small_opts()).unwrap().labels(),
        ["Late Flight", "Lost Luggage"]
    );
    assert!(
        train(
            Task::Topic,
            &[Example::new("x", " "), Example::new("y", "a")],
            &small_opts()
        )
        .is_err()
    );
}

#[test]
fn csv_one_class_file_is_an_error() {
    let csv = "text,label\ngood,positive\ngreat,positive\n";
    let ex = read_examples(csv.as_bytes(), Task::Sentiment, &CsvOptions::default()).unwrap();
    assert!(matches!(
        train(Task::Sentiment, &ex, &small_opts()),
        Err(NlpError::TooFewClasses { .. })
    ));
}

#[test]
fn model_bytes_roundtrip_and_task_check() {
    let model = train(Task::Sentiment, &synthetic(10, 0), &small_opts()).unwrap();
    let bytes = model.to_bytes().unwrap();
    let back = Model::from_bytes(&bytes).unwrap();
    assert_eq!(back, model);
    assert_eq!(back.task(), Task::Sentiment);
    assert_eq!(
        back.predict("a blarg app").label,
        model.predict("a blarg app").label
    );
    // loading for another task is a clear error
    let err = Model::from_bytes_for(&bytes, Task::Topic).unwrap_err();
    assert!(
        matches!(
            err,
            NlpError::WrongTask {
                expected: Task::Topic,
                found: Task::Sentiment
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("sentiment"));
    let e = Enricher::new(NlpConfig::default()).unwrap();
    assert!(matches!(
        e.with_topic_model(model.clone()),
        Err(NlpError::WrongTask { .. })
    ));
    // garbage and truncated bytes are errors, not panics
    assert!(matches!(
        Model::from_bytes(b"hello"),
        Err(NlpError::ModelFormat(_))
    ));
    assert!(Model::from_bytes(&bytes[..bytes.len() / 2]).is_err());
    let mut flipped = bytes.clone();
    for b in flipped.iter_mut().skip(8).step_by(97) {
        *b ^= 0x5a;
    }
    let _ = Model::from_bytes(&flipped);
    // serde JSON works too
    let json = serde_json::to_string(&model).unwrap();
    let from_json: Model = serde_json::from_str(&json).unwrap();
    assert_eq!(from_json, model);
}

#[test]
fn enricher_uses_a_trained_model() {
    let model = train(Task::Sentiment, &synthetic(30, 0), &small_opts()).unwrap();
    let e = Enricher::new(NlpConfig::default())
        .unwrap()
        .with_sentiment_model(model)
        .unwrap();
    let r = e.enrich("my order today was zorbly", Some("en"));
    assert_eq!(r.sentiment.label, SentimentLabel::Positive);
    assert!(r.sentiment.score > 0.0 && r.sentiment.confidence > 0.5);
    let r = e.enrich("my order today was blarg", Some("en"));
    assert_eq!(r.sentiment.label, SentimentLabel::Negative);
    // gating still applies
    assert_eq!(
        e.enrich("", None).sentiment.label,
        SentimentLabel::Unclassified
    );
    assert_eq!(
        e.enrich("zorbly zorbly", Some("de")).sentiment.label,
        SentimentLabel::Unclassified
    );

    let topics: Vec<Example> = (0..20)
        .flat_map(|i| {
            [
                Example::new(format!("bag {i} lost at the carousel"), "Lost Luggage"),
                Example::new(format!("flight {i} is late again"), "Late Flight"),
            ]
        })
        .collect();
    let tm = train(Task::Topic, &topics, &small_opts()).unwrap();
    let e = e.with_topic_model(tm).unwrap();
    let r = e.enrich("my bag was lost", None);
    assert_eq!(r.topic.as_deref(), Some("Lost Luggage"));
    assert!(r.topic_confidence > 0.5);
}
