//! Labelled examples from CSV: configurable text and label columns, per-row errors with line
//! numbers, and a progress bar on large files when stderr is a terminal.

use std::io::{IsTerminal, Read};
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::NlpError;
use crate::model::{Example, Task, canonical_label};

/// How to read a CSV file of examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CsvOptions {
    pub text_column: String,
    pub label_column: String,
    pub delimiter: u8,
    /// Skip rows whose label cell is empty (e.g. a complaint-reason column that is filled only
    /// for negative rows) instead of failing on them.
    pub skip_empty_labels: bool,
    /// Keep only rows whose `filter_column` equals `filter_value` (e.g. airline_sentiment =
    /// negative when training complaint reasons).
    pub filter_column: Option<String>,
    pub filter_value: Option<String>,
    /// Drop rows whose `id_column` value was seen before (the first occurrence is kept).
    pub id_column: Option<String>,
    /// Show a progress bar for files over 1 MiB when stderr is a terminal.
    pub progress: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            text_column: "text".into(),
            label_column: "label".into(),
            delimiter: b',',
            skip_empty_labels: false,
            filter_column: None,
            filter_value: None,
            id_column: None,
            progress: true,
        }
    }
}

/// Read examples for `task` from a CSV file. Every label is checked (for sentiment: negative,
/// neutral or positive); the first invalid one is an error naming its line.
pub fn read_examples_csv(
    path: impl AsRef<Path>,
    task: Task,
    opts: &CsvOptions,
) -> Result<Vec<Example>, NlpError> {
    let file = std::fs::File::open(path.as_ref())?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if opts.progress && len > (1 << 20) && std::io::stderr().is_terminal() {
        let b = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{msg} {bar:40} {bytes}/{total_bytes} ({eta})")
        {
            b.set_style(style);
        }
        b.set_message(format!("reading {}", path.as_ref().display()));
        b
    } else {
        ProgressBar::hidden()
    };
    let out = read_examples(bar.wrap_read(file), task, opts);
    bar.finish_and_clear();
    out
}

fn column(headers: &csv::StringRecord, name: &str) -> Result<usize, NlpError> {
    headers
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| NlpError::MissingColumn {
            column: name.to_string(),
            found: headers.iter().map(str::to_string).collect(),
        })
}

/// Read examples for `task` from CSV data (with a header row).
pub fn read_examples<R: Read>(
    reader: R,
    task: Task,
    opts: &CsvOptions,
) -> Result<Vec<Example>, NlpError> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(opts.delimiter)
        .flexible(false)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map_err(|e| NlpError::Csv {
            line: Some(1),
            message: e.to_string(),
        })?
        .clone();
    let text_i = column(&headers, &opts.text_column)?;
    let label_i = column(&headers, &opts.label_column)?;
    let filter = match (&opts.filter_column, &opts.filter_value) {
        (Some(c), Some(v)) => Some((column(&headers, c)?, v.as_str())),
        (None, None) => None,
        _ => {
            return Err(NlpError::Options(
                "filter_column and filter_value go together".into(),
            ));
        }
    };
    let id_i = opts
        .id_column
        .as_deref()
        .map(|c| column(&headers, c))
        .transpose()?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map(|p| p.line());
                return Err(NlpError::Csv {
                    line,
                    message: e.to_string(),
                });
            }
        }
        let line = record.position().map(|p| p.line());
        if let Some((fi, fv)) = filter {
            if record.get(fi).map(str::trim) != Some(fv) {
                continue;
            }
        }
        if let Some(ii) = id_i {
            let id = record.get(ii).unwrap_or("").to_string();
            if !seen.insert(id) {
                continue;
            }
        }
        let label = record.get(label_i).unwrap_or("");
        if label.trim().is_empty() && opts.skip_empty_labels {
            continue;
        }
        let label = canonical_label(task, label, line)?;
        let text = record.get(text_i).unwrap_or("").to_string();
        out.push(Example { text, label });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> CsvOptions {
        CsvOptions {
            text_column: "body".into(),
            label_column: "sentiment".into(),
            ..CsvOptions::default()
        }
    }

    #[test]
    fn reads_quoted_multiline_rows() {
        let csv = "id,sentiment,body\n1,positive,\"great, \"\"really\"\"\nthanks\"\n2,NEG,awful\n";
        let ex = read_examples(csv.as_bytes(), Task::Sentiment, &opts()).unwrap();
        assert_eq!(
            ex,
            vec![
                Example::new("great, \"really\"\nthanks", "positive"),
                Example::new("awful", "negative")
            ]
        );
    }

    #[test]
    fn invalid_label_names_the_line() {
        let csv = "id,sentiment,body\n1,positive,ok\n2,angry,bad\n";
        let err = read_examples(csv.as_bytes(), Task::Sentiment, &opts()).unwrap_err();
        assert!(
            matches!(err, NlpError::InvalidLabel { line: Some(3), .. }),
            "{err}"
        );
        assert!(err.to_string().contains("line 3"));
        assert!(err.to_string().contains("angry"));
    }

    #[test]
    fn missing_column_and_ragged_rows_are_errors() {
        let err = read_examples("a,b\n1,2\n".as_bytes(), Task::Sentiment, &opts()).unwrap_err();
        assert!(matches!(err, NlpError::MissingColumn { .. }));
        let err = read_examples(
            "body,sentiment\nx,positive,extra\n".as_bytes(),
            Task::Sentiment,
            &opts(),
        )
        .unwrap_err();
        assert!(matches!(err, NlpError::Csv { line: Some(2), .. }), "{err}");
    }

    #[test]
    fn filters_dedupes_and_skips_empty() {
        let csv = "id,s,reason,text\n1,negative,Late Flight,a\n1,negative,Late Flight,a\n2,positive,,b\n3,negative,,c\n";
        let o = CsvOptions {
            text_column: "text".into(),
            label_column: "reason".into(),
            skip_empty_labels: true,
            filter_column: Some("s".into()),
            filter_value: Some("negative".into()),
            id_column: Some("id".into()),
            ..CsvOptions::default()
        };
        let ex = read_examples(csv.as_bytes(), Task::Topic, &o).unwrap();
        assert_eq!(ex, vec![Example::new("a", "Late Flight")]);
        // without skipping, an empty topic label is an error
        let o2 = CsvOptions {
            skip_empty_labels: false,
            ..o
        };
        assert!(read_examples(csv.as_bytes(), Task::Topic, &o2).is_err());
    }
}
