//! Scenarios read from files: any history in Earshot's native JSON Lines format with, next to
//! it, the truth of what it holds (`<stem>.truth.json`, as `earshot simulate --inject` writes
//! it). This is how detectors are judged on data they were not tuned on: a file someone else
//! simulated, edited or labelled by hand. A history without a truth file is clean data, where
//! every detection counts as a false alarm.

use crate::{Scenario, ScenarioError, ScenarioParams, Truth};
use domain::record::Record;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// The longest history an evaluation replays: the detectors run as of every midnight, so a
/// stray timestamp decades away would otherwise mean thousands of runs over empty days.
pub const MAX_DAYS: u32 = 731;

/// A scenario read from a file, and the lines that could not be read (kept out, reported).
#[derive(Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    /// "line N: what was wrong", in file order.
    pub bad_lines: Vec<String>,
    /// The truth file read, if any.
    pub truth_path: Option<PathBuf>,
}

/// The truth file that goes with a data file: `x.jsonl` → `x.truth.json`.
pub fn truth_path_for(data: &Path) -> PathBuf {
    data.with_extension("truth.json")
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ScenarioError + '_ {
    move |source| ScenarioError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Reads the records of `data` and the truths of [`truth_path_for`] `data` (absent: clean
/// data). Records are put in time order; the scenario spans whole UTC days from the first
/// record's day to the last record's.
pub fn load(data: &Path) -> Result<Loaded, ScenarioError> {
    let file = std::fs::File::open(data).map_err(io_err(data))?;
    let mut records: Vec<Record> = Vec::new();
    let mut bad_lines = Vec::new();
    for item in channels::native::read_jsonl(BufReader::new(file)) {
        match item {
            Ok(r) => records.push(r),
            Err(e) => bad_lines.push(e.to_string()),
        }
    }
    // stable: records at the same instant keep the file's order (a reply after its message)
    records.sort_by_key(Record::at);
    let (Some(first), Some(last)) = (records.first(), records.last()) else {
        return Err(ScenarioError::Empty {
            path: data.display().to_string(),
            bad_lines: bad_lines.len(),
        });
    };
    let start = first
        .at()
        .to_offset(time::UtcOffset::UTC)
        .replace_time(time::Time::MIDNIGHT);
    let span_days = (last.at() - start).whole_days() + 1;
    let days = u32::try_from(span_days)
        .ok()
        .filter(|d| *d <= MAX_DAYS)
        .ok_or_else(|| ScenarioError::Span {
            path: data.display().to_string(),
            days: span_days,
            max: MAX_DAYS,
        })?;
    let p = truth_path_for(data);
    let (truths, truth_path) = if p.exists() {
        (read_truths(&p)?, Some(p))
    } else {
        (Vec::new(), None)
    };
    let name = data.file_stem().map_or_else(
        || data.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    Ok(Loaded {
        scenario: Scenario {
            name,
            kind: None,
            params: ScenarioParams {
                seed: 0,
                days,
                customers_per_day: 0,
                start,
            },
            records,
            truths,
        },
        bad_lines,
        truth_path,
    })
}

fn read_truths(path: &Path) -> Result<Vec<Truth>, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    serde_json::from_str(&text).map_err(|e| ScenarioError::Truth {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}
