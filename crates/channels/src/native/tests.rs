use super::*;
use time::macros::datetime;

const MESSAGE: &str = r#"{"type":"message","channel":"x","id":"1001","direction":"inbound","visibility":"public","author":{"id":"u42","handle":"@ann","name":"Ann","followers":1200},"brand_account":"AcmeCare","text":"where is my parcel?","at":"2026-03-01T09:00:00Z","in_reply_to":null,"language":"en"}"#;

fn err(line: &str) -> RecordError {
    match parse_line(line) {
        Ok(r) => panic!("expected an error for {line}, got {r:?}"),
        Err(e) => e,
    }
}

/// The minimal message with one field replaced (or removed, with `None`).
fn message_with(key: &str, value: Option<Value>) -> Value {
    let mut v: Value = serde_json::from_str(MESSAGE).expect("fixture is JSON");
    if let Value::Object(map) = &mut v {
        match value {
            Some(x) => map.insert(key.to_string(), x),
            None => map.remove(key),
        };
    }
    v
}

#[test]
fn parses_a_full_message() {
    let r = parse_line(MESSAGE).expect("valid");
    let Record::Message(m) = r else {
        panic!("not a message: {r:?}")
    };
    assert_eq!(m.channel, Channel::X);
    assert_eq!(m.external_id, "1001");
    assert_eq!(m.direction, Direction::Inbound);
    assert_eq!(m.visibility, Visibility::Public);
    assert_eq!(m.author.id, "u42");
    assert_eq!(m.author.handle.as_deref(), Some("@ann"));
    assert_eq!(m.author.followers, Some(1200));
    assert_eq!(m.brand_account.as_deref(), Some("AcmeCare"));
    assert_eq!(m.created_at, datetime!(2026-03-01 09:00 UTC));
    assert_eq!(m.in_reply_to, None);
    assert_eq!(m.language.as_deref(), Some("en"));
}

#[test]
fn message_defaults_and_numeric_ids() {
    let line = r#"{"type":"message","channel":"Twitter","id":1002,"author":{"id":42},"text":"","at":"2026-03-01T10:00:00+02:00","in_reply_to":1001}"#;
    let Ok(Record::Message(m)) = parse_line(line) else {
        panic!("should parse")
    };
    assert_eq!(m.channel, Channel::X);
    assert_eq!(m.external_id, "1002");
    assert_eq!(m.author.id, "42");
    assert_eq!(m.in_reply_to.as_deref(), Some("1001"));
    assert_eq!(m.direction, Direction::Inbound);
    assert_eq!(m.visibility, Visibility::Public);
    assert_eq!(m.created_at, datetime!(2026-03-01 08:00 UTC));
    assert_eq!(m.text, "");
}

#[test]
fn other_record_types_parse() {
    let cases = [
        r#"{"type":"resolve","id":"ev-1","channel":"x","message_id":"1001","actor":"agent:maria","at":"2026-03-01T10:00:00Z"}"#,
        r#"{"type":"reopen","id":"ev-2","channel":"x","message_id":"1001","actor":"customer","at":"2026-03-01T11:00:00Z"}"#,
        r#"{"type":"escalate","id":"ev-3","channel":"x","message_id":"1001","actor":"agent:maria","tier":"pr","at":"2026-03-01T11:00:00Z"}"#,
        r#"{"type":"csat","id":"s-1","channel":"x","message_id":"1001","score":4,"comment":"quick","at":"2026-03-01T12:00:00Z"}"#,
        r#"{"type":"nps","id":"s-2","channel":"x","message_id":"1001","score":0,"at":"2026-03-01T12:00:00Z"}"#,
        r#"{"type":"feedback","id":"f-1","channel":"review","author":{"id":"r9"},"text":"app crashes on login","at":"2026-03-01T12:00:00Z"}"#,
        r#"{"type":"change","id":"c-1","kind":"release","title":"App 4.2","owner_team":"logistics","at":"2026-03-01T12:00:00Z"}"#,
    ];
    let kinds: Vec<&str> = cases
        .iter()
        .map(|l| parse_line(l).map(|r| r.kind()).unwrap_or("error"))
        .collect();
    assert_eq!(
        kinds,
        [
            "lifecycle",
            "lifecycle",
            "lifecycle",
            "survey",
            "survey",
            "feedback",
            "change"
        ]
    );
    let Ok(Record::Lifecycle(l)) = parse_line(cases[2]) else {
        panic!("escalate")
    };
    assert_eq!(l.action, LifecycleAction::Escalate { tier: "pr".into() });
    let Ok(Record::Survey(s)) = parse_line(cases[3]) else {
        panic!("csat")
    };
    assert_eq!(
        (s.kind, s.score, s.comment.as_deref()),
        (SurveyKind::Csat, 4, Some("quick"))
    );
}

#[test]
fn every_record_round_trips_through_to_line() {
    let lines = [
        MESSAGE,
        r#"{"type":"message","channel":"instagram","id":"dm-1","direction":"outbound","visibility":"private","author":{"id":"acme"},"text":"Hi \"Ann\"\n→ check your DMs","at":"2026-03-01T09:00:00.123456789+05:30"}"#,
        r#"{"type":"escalate","id":"ev-3","channel":"x","message_id":"1001","actor":"agent:maria","tier":"legal","at":"2026-03-01T11:00:00Z"}"#,
        r#"{"type":"resolve","id":"ev-1","channel":"chat","message_id":"1001","actor":"bot","at":"2026-03-01T10:00:00Z"}"#,
        r#"{"type":"nps","id":"s-2","channel":"x","message_id":"1001","score":10,"comment":"great","at":"2026-03-01T12:00:00Z"}"#,
        r#"{"type":"feedback","id":"f-1","channel":"review","author":{"id":"r9","followers":0},"text":"ok","at":"2026-03-01T12:00:00Z"}"#,
        r#"{"type":"change","id":"c-1","kind":"outage","title":"Checkout down","owner_team":"payments","at":"2026-03-01T12:00:00Z"}"#,
    ];
    for line in lines {
        let r = parse_line(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let written = to_line(&r);
        assert!(written.starts_with(r#"{"type":"#), "{written}");
        assert!(!written.contains('\n'), "{written}");
        assert_eq!(parse_line(&written), Ok(r), "{written}");
    }
}

#[test]
fn to_line_writes_utc_when_the_offset_has_seconds() {
    let Ok(Record::Change(mut c)) = parse_line(
        r#"{"type":"change","id":"c","kind":"other","title":"t","owner_team":"o","at":"2026-03-01T12:00:00Z"}"#,
    ) else {
        panic!("change")
    };
    let offset = UtcOffset::from_hms(1, 0, 30).expect("valid offset");
    c.at = c.at.to_offset(offset);
    let r = Record::Change(c);
    let line = to_line(&r);
    assert!(line.contains("2026-03-01T12:00:00Z"), "{line}");
    assert_eq!(parse_line(&line), Ok(r));
}

#[test]
fn malformed_json_reports_position() {
    let e = err(r#"{"type":"message", "channel": }"#);
    let RecordError::MalformedJson { line, column, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!((*line, *column), (1, 31));
    assert!(e.to_string().contains("line 1, column 31"), "{e}");
    assert!(matches!(err(""), RecordError::MalformedJson { .. }));
    assert!(matches!(
        err(r#"{"type":"message"} trailing"#),
        RecordError::MalformedJson { .. }
    ));
}

#[test]
fn non_objects_are_rejected() {
    assert_eq!(err("[1,2]"), RecordError::NotAnObject { found: "an array" });
    assert_eq!(err("42"), RecordError::NotAnObject { found: "a number" });
}

#[test]
fn missing_type_and_unknown_type() {
    assert_eq!(err(r#"{"id":"1"}"#), RecordError::missing("type"));
    let e = err(r#"{"type":"tweet"}"#);
    assert_eq!(
        e,
        RecordError::UnknownType {
            value: "tweet".into(),
            expected: RECORD_TYPES
        }
    );
    let text = e.to_string();
    for t in ["message", "resolve", "escalate", "csat", "nps", "change"] {
        assert!(text.contains(t), "{text}");
    }
    assert!(matches!(
        err(r#"{"type":7}"#),
        RecordError::WrongType { ref field, .. } if field == "type"
    ));
}

#[test]
fn each_missing_required_field_is_named() {
    for field in ["channel", "id", "author", "text", "at"] {
        let v = message_with(field, None);
        assert_eq!(parse_value(v), Err(RecordError::missing(field)), "{field}");
    }
    // null counts as missing for a required field
    let v = message_with("at", Some(Value::Null));
    assert_eq!(parse_value(v), Err(RecordError::missing("at")));
    let v = message_with("author", Some(serde_json::json!({"handle": "@ann"})));
    assert_eq!(parse_value(v), Err(RecordError::missing("author.id")));
    assert_eq!(
        err(
            r#"{"type":"escalate","id":"e","channel":"x","message_id":"1","actor":"a","at":"2026-03-01T11:00:00Z"}"#
        ),
        RecordError::missing("tier")
    );
    assert_eq!(
        err(
            r#"{"type":"csat","id":"s","channel":"x","message_id":"1","at":"2026-03-01T11:00:00Z"}"#
        ),
        RecordError::missing("score")
    );
    assert_eq!(
        err(
            r#"{"type":"change","id":"c","title":"t","owner_team":"o","at":"2026-03-01T11:00:00Z"}"#
        ),
        RecordError::missing("kind")
    );
}

#[test]
fn unknown_fields_are_rejected_not_dropped() {
    let v = message_with("txt", Some(Value::String("typo".into())));
    let e = parse_value(v).expect_err("unknown field");
    assert!(
        matches!(&e, RecordError::UnknownField { field, record_type, allowed }
            if field == "txt" && record_type == "message" && allowed.contains("text")),
        "{e:?}"
    );
    let v = message_with(
        "author",
        Some(serde_json::json!({"id": "u1", "follower": 3})),
    );
    assert!(matches!(
        parse_value(v),
        Err(RecordError::UnknownField { ref field, .. }) if field == "author.follower"
    ));
    // `tier` belongs to escalate only
    assert!(matches!(
        err(r#"{"type":"resolve","id":"e","channel":"x","message_id":"1","actor":"a","tier":"pr","at":"2026-03-01T11:00:00Z"}"#),
        RecordError::UnknownField { ref field, .. } if field == "tier"
    ));
}

#[test]
fn unknown_channel_and_enum_values() {
    let v = message_with("channel", Some(Value::String("myspace".into())));
    let e = parse_value(v).expect_err("channel");
    assert!(
        matches!(&e, RecordError::UnknownValue { field, value, .. } if field == "channel" && value == "myspace"),
        "{e:?}"
    );
    assert!(e.to_string().contains("tiktok"), "{e}");
    let v = message_with("direction", Some(Value::String("in".into())));
    assert!(matches!(
        parse_value(v),
        Err(RecordError::UnknownValue { ref field, .. }) if field == "direction"
    ));
    let v = message_with("visibility", Some(Value::String("dm".into())));
    assert!(matches!(
        parse_value(v),
        Err(RecordError::UnknownValue { ref field, .. }) if field == "visibility"
    ));
    assert!(matches!(
        err(r#"{"type":"change","id":"c","kind":"launch","title":"t","owner_team":"o","at":"2026-03-01T11:00:00Z"}"#),
        RecordError::UnknownValue { ref field, ref value, .. } if field == "kind" && value == "launch"
    ));
}

#[test]
fn invalid_timestamps_echo_the_value() {
    for bad in [
        "2026-03-01 09:00:00",
        "2026-03-01T09:00:00",
        "Tue Oct 31 22:10:47 +0000 2017",
        "2026-02-30T09:00:00Z",
    ] {
        let v = message_with("at", Some(Value::String(bad.into())));
        let e = parse_value(v).expect_err(bad);
        assert!(
            matches!(&e, RecordError::InvalidTimestamp { field, value, .. } if field == "at" && value == bad),
            "{e:?}"
        );
        assert!(e.to_string().contains(bad));
    }
    let v = message_with("at", Some(serde_json::json!(1_700_000_000)));
    assert!(matches!(
        parse_value(v),
        Err(RecordError::WrongType { ref field, .. }) if field == "at"
    ));
}

#[test]
fn oversized_text_names_the_limit() {
    let v = message_with("text", Some(Value::String("a".repeat(MAX_TEXT_BYTES + 1))));
    assert_eq!(
        parse_value(v),
        Err(RecordError::TooLong {
            field: "text".into(),
            len: MAX_TEXT_BYTES + 1,
            limit: MAX_TEXT_BYTES
        })
    );
    let v = message_with("text", Some(Value::String("a".repeat(MAX_TEXT_BYTES))));
    assert!(parse_value(v).is_ok());
    let v = message_with("id", Some(Value::String("9".repeat(MAX_ID_BYTES + 1))));
    assert!(matches!(
        parse_value(v),
        Err(RecordError::TooLong { ref field, .. }) if field == "id"
    ));
    let v = message_with(
        "author",
        Some(serde_json::json!({"id": "u", "name": "n".repeat(MAX_ID_BYTES + 1)})),
    );
    assert!(matches!(
        parse_value(v),
        Err(RecordError::TooLong { ref field, .. }) if field == "author.name"
    ));
}

fn survey_line(kind: &str, score: &str) -> String {
    format!(
        r#"{{"type":"{kind}","id":"s","channel":"x","message_id":"1","score":{score},"at":"2026-03-01T12:00:00Z"}}"#
    )
}

#[test]
fn scores_must_be_in_range() {
    for (kind, score) in [
        ("csat", "0"),
        ("csat", "6"),
        ("nps", "11"),
        ("nps", "-1"),
        ("csat", "300"),
        ("nps", "18446744073709551615"),
        ("csat", "7.0"),
    ] {
        let e = err(&survey_line(kind, score));
        assert!(
            matches!(&e, RecordError::ScoreOutOfRange { field, kind: k, .. } if field == "score" && *k == kind),
            "{kind} {score}: {e:?}"
        );
    }
    for (kind, score) in [
        ("csat", "1"),
        ("csat", "5"),
        ("nps", "0"),
        ("nps", "10"),
        ("csat", "4.0"),
    ] {
        assert!(
            parse_line(&survey_line(kind, score)).is_ok(),
            "{kind} {score}"
        );
    }
    for score in ["4.5", "\"4\"", "true"] {
        assert!(
            matches!(err(&survey_line("csat", score)), RecordError::WrongType { ref field, .. } if field == "score"),
            "{score}"
        );
    }
}

#[test]
fn wrong_types_and_empty_values_are_named() {
    let v = message_with("author", Some(Value::String("ann".into())));
    assert!(matches!(
        parse_value(v),
        Err(RecordError::WrongType { ref field, .. }) if field == "author"
    ));
    let v = message_with(
        "author",
        Some(serde_json::json!({"id": "u", "followers": -5})),
    );
    assert!(matches!(
        parse_value(v),
        Err(RecordError::WrongType { ref field, .. }) if field == "author.followers"
    ));
    let v = message_with("id", Some(Value::String("  ".into())));
    assert!(matches!(
        parse_value(v),
        Err(RecordError::InvalidValue { ref field, .. }) if field == "id"
    ));
    for bad in [serde_json::json!(1.5), serde_json::json!(-7)] {
        let v = message_with("id", Some(bad));
        assert!(matches!(
            parse_value(v),
            Err(RecordError::WrongType { ref field, .. }) if field == "id"
        ));
    }
    let v = message_with("id", Some(serde_json::json!(1.5)));
    assert!(matches!(
        parse_value(v),
        Err(RecordError::WrongType { ref field, .. }) if field == "id"
    ));
    let v = message_with("language", Some(Value::String("english!".into())));
    assert!(matches!(
        parse_value(v),
        Err(RecordError::InvalidValue { ref field, .. }) if field == "language"
    ));
    assert!(matches!(
        err(r#"{"type":"feedback","id":"f","channel":"review","author":{"id":"a"},"text":"  ","at":"2026-03-01T12:00:00Z"}"#),
        RecordError::InvalidValue { ref field, .. } if field == "text"
    ));
}

#[test]
fn domain_validation_runs_last() {
    let v = message_with("in_reply_to", Some(Value::String("1001".into())));
    let e = parse_value(v).expect_err("self reply");
    assert!(matches!(e, RecordError::Invalid(_)), "{e:?}");
    assert!(e.to_string().contains("in_reply_to"), "{e}");
}

#[test]
fn read_jsonl_streams_with_line_numbers() {
    let mut input = Vec::new();
    input.extend_from_slice("\u{feff}".as_bytes());
    input.extend_from_slice(MESSAGE.as_bytes());
    input.extend_from_slice(b"\r\n\n   \n{\"type\":\"nope\"}\n");
    input.extend_from_slice(b"{\"type\":\"message\",\"text\":\"caf\xe9\"}\n");
    input.extend_from_slice(survey_line("csat", "5").as_bytes()); // no final newline
    let out: Vec<_> = read_jsonl(input.as_slice()).collect();
    assert_eq!(out.len(), 4, "{out:?}");
    assert!(matches!(&out[0], Ok(Record::Message(_))));
    assert!(matches!(
        &out[1],
        Err(LineError {
            line: 4,
            error: RecordError::UnknownType { .. }
        })
    ));
    assert_eq!(
        out[2],
        Err(LineError {
            line: 5,
            error: RecordError::InvalidUtf8 {
                field: "line".into(),
                valid_up_to: 29
            }
        })
    );
    assert!(matches!(&out[3], Ok(Record::Survey(_))));
    assert_eq!(read_jsonl(&b""[..]).count(), 0);
    assert_eq!(read_jsonl(&b"\n\n"[..]).count(), 0);
}

#[test]
fn read_jsonl_skips_overlong_lines_and_goes_on() {
    let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
    input.push(b'\n');
    input.extend_from_slice(MESSAGE.as_bytes());
    // a tiny buffer makes the reader assemble lines from many chunks
    let reader = io::BufReader::with_capacity(7, input.as_slice());
    let out: Vec<_> = read_jsonl(reader).collect();
    assert_eq!(out.len(), 2);
    assert_eq!(
        out[0],
        Err(LineError {
            line: 1,
            error: RecordError::LineTooLong {
                limit: MAX_LINE_BYTES
            }
        })
    );
    assert!(out[1].is_ok(), "{:?}", out[1]);
}

#[test]
fn read_jsonl_stops_after_an_io_error() {
    struct Failing(bool);
    impl io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 {
                return Err(io::Error::other("disk on fire"));
            }
            self.0 = true;
            let line = format!("{MESSAGE}\n");
            let n = line.len().min(buf.len());
            buf[..n].copy_from_slice(&line.as_bytes()[..n]);
            Ok(n)
        }
    }
    let reader = io::BufReader::with_capacity(MESSAGE.len() + 1, Failing(false));
    let out: Vec<_> = read_jsonl(reader).collect();
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out[0].is_ok());
    assert!(matches!(
        &out[1],
        Err(LineError { line: 2, error: RecordError::Io(m) }) if m.contains("disk on fire")
    ));
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap deterministic fuzz: mutate a valid line byte by byte.
    let base = MESSAGE.as_bytes();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3000 {
        let mut bytes = base.to_vec();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state % bytes.len() as u64) as usize;
            bytes[i] = (state >> 32) as u8;
        }
        for record in read_jsonl(bytes.as_slice()).flatten() {
            assert_eq!(parse_line(&to_line(&record)), Ok(record));
        }
    }
}
