//! Keeps `docs/import-format.md` and `docs/import-format.schema.json` true:
//! every example parses, every documented error is the one the parser
//! gives, and the schema lists exactly the fields the parser accepts.

use channels::RecordError;
use channels::native::{
    AUTHOR_FIELDS, RECORD_TYPES, allowed_fields, parse_line, parse_value, to_line,
};
use domain::channel::Channel;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

const DOC: &str = include_str!("../../../docs/import-format.md");
const SCHEMA: &str = include_str!("../../../docs/import-format.schema.json");

/// The lines of every fenced block with the given info string.
fn blocks(info: &str) -> Vec<Vec<&'static str>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in DOC.lines() {
        match &mut current {
            None if line.trim() == format!("```{info}") => current = Some(Vec::new()),
            Some(lines) if line.trim() == "```" => {
                out.push(std::mem::take(lines));
                current = None;
            }
            Some(lines) => lines.push(line),
            None => {}
        }
    }
    assert!(current.is_none(), "unclosed ```{info} block");
    out
}

fn examples() -> Vec<&'static str> {
    blocks("jsonl").into_iter().flatten().collect()
}

#[test]
fn every_example_line_parses_and_round_trips() {
    let lines = examples();
    assert!(lines.len() >= 15, "{}", lines.len());
    let mut types = BTreeSet::new();
    for line in lines {
        let record = parse_line(line).unwrap_or_else(|e| panic!("{line}\n{e}"));
        assert_eq!(parse_line(&to_line(&record)), Ok(record), "{line}");
        let v: Value = serde_json::from_str(line).expect("JSON");
        types.insert(v["type"].as_str().unwrap_or_default().to_string());
    }
    let all: BTreeSet<String> = RECORD_TYPES.split(", ").map(String::from).collect();
    assert_eq!(types, all, "every record type has an example");
}

#[test]
fn documented_errors_are_the_real_ones() {
    let cases = blocks("error");
    assert!(cases.len() >= 10);
    for case in cases {
        let [input, expected] = case.as_slice() else {
            panic!("an error block holds an input line and an error line: {case:?}")
        };
        match parse_line(input) {
            Ok(r) => panic!("{input} parsed as {r:?}"),
            Err(e) => assert_eq!(&e.to_string(), expected, "{input}"),
        }
    }
}

fn schema() -> Value {
    serde_json::from_str(SCHEMA).expect("the schema is JSON")
}

fn names(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn schema_lists_exactly_the_accepted_fields() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let defs = &schema["$defs"];
    let types: BTreeSet<String> = RECORD_TYPES.split(", ").map(String::from).collect();
    assert_eq!(strings(&schema["properties"]["type"]["enum"]), types);
    for t in &types {
        let def = &defs[t.as_str()];
        assert_eq!(def["properties"]["type"]["const"], t.as_str(), "{t}");
        assert_eq!(def["additionalProperties"], false, "{t}");
        let allowed: BTreeSet<String> = allowed_fields(t)
            .unwrap_or_default()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(names(&def["properties"]), allowed, "{t}");
    }
    let author: BTreeSet<String> = AUTHOR_FIELDS.iter().map(|s| s.to_string()).collect();
    assert_eq!(names(&defs["author"]["properties"]), author);
    let channels: BTreeSet<String> = Channel::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(strings(&defs["channel"]["enum"]), channels);
    let refs: Vec<&str> = schema["oneOf"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["$ref"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(refs.len(), types.len());
}

fn with(example: &Map<String, Value>, key: &str, value: Option<Value>) -> Value {
    let mut m = example.clone();
    match value {
        Some(v) => m.insert(key.to_string(), v),
        None => m.remove(key),
    };
    Value::Object(m)
}

#[test]
fn schema_required_and_optional_fields_match_the_parser() {
    let schema = schema();
    let examples: Vec<Map<String, Value>> = examples()
        .into_iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v.as_object().cloned())
        .collect();
    for t in RECORD_TYPES.split(", ") {
        let def = &schema["$defs"][t];
        let required = strings(&def["required"]);
        let example = examples
            .iter()
            .find(|e| e.get("type").and_then(Value::as_str) == Some(t))
            .unwrap_or_else(|| panic!("no example of {t}"));
        for field in names(&def["properties"]) {
            if required.contains(&field) {
                assert!(example.contains_key(&field), "{t} example lacks {field}");
                assert_eq!(
                    parse_value(with(example, &field, None)),
                    Err(RecordError::MissingField {
                        field: field.clone()
                    }),
                    "{t} without {field}"
                );
            } else {
                assert!(
                    parse_value(with(example, &field, None)).is_ok(),
                    "{t} without {field}"
                );
                assert!(
                    parse_value(with(example, &field, Some(Value::Null))).is_ok(),
                    "{t} with {field}: null"
                );
            }
        }
        assert!(matches!(
            parse_value(with(example, "bogus", Some(Value::Bool(true)))),
            Err(RecordError::UnknownField { .. })
        ));
    }
}
