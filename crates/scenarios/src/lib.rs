//! Evaluation scenarios for Earshot's detectors: a clean simulated history (`simulate` with
//! its scripted incidents off) with one kind of anomaly injected as a transformation of the
//! record stream, and the truth of what was injected (kind, scope, start, end, cause) as JSON.
//! [`eval::run`] replays scenarios through the rollups, runs the detectors day by day on the
//! data known at each moment, and scores them against the truth.

pub mod eval;
pub mod file;
mod inject;
pub mod replay;
pub mod scripted;

use analytics::detect::DetectionKind;
use analytics::rollup::Dim;
use domain::record::Record;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;
use time::{Duration, OffsetDateTime};

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("unknown scenario '{0}' (expected one of: {1})")]
    Unknown(String, String),
    #[error(transparent)]
    Replay(#[from] replay::ReplayError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} holds no readable record ({bad_lines} bad lines)")]
    Empty { path: String, bad_lines: usize },
    #[error(
        "{path} spans {days} days from its first record to its last, more than the {max} an \
         evaluation replays (a timestamp far from the others?)"
    )]
    Span { path: String, days: i64, max: u32 },
    #[error("truth file {path}: {message}")]
    Truth { path: String, message: String },
}

/// The anomaly a scenario injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    Clean,
    VolumeSpike,
    NegativeSpike,
    BleedSentiment,
    BleedCsat,
    BleedFrt,
    RepeatTrend,
    MaskedResolution,
    CsatMasking,
    CoverageGap,
    RecurringPhrase,
    EscalationTrend,
    TopicShift,
    BleedResponse,
}

impl ScenarioKind {
    pub const ALL: [ScenarioKind; 14] = [
        ScenarioKind::Clean,
        ScenarioKind::VolumeSpike,
        ScenarioKind::NegativeSpike,
        ScenarioKind::BleedSentiment,
        ScenarioKind::BleedCsat,
        ScenarioKind::BleedFrt,
        ScenarioKind::RepeatTrend,
        ScenarioKind::MaskedResolution,
        ScenarioKind::CsatMasking,
        ScenarioKind::CoverageGap,
        ScenarioKind::RecurringPhrase,
        ScenarioKind::EscalationTrend,
        ScenarioKind::TopicShift,
        ScenarioKind::BleedResponse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScenarioKind::Clean => "clean",
            ScenarioKind::VolumeSpike => "volume_spike",
            ScenarioKind::NegativeSpike => "negative_spike",
            ScenarioKind::BleedSentiment => "bleed_sentiment",
            ScenarioKind::BleedCsat => "bleed_csat",
            ScenarioKind::BleedFrt => "bleed_frt",
            ScenarioKind::RepeatTrend => "repeat_trend",
            ScenarioKind::MaskedResolution => "masked_resolution",
            ScenarioKind::CsatMasking => "csat_masking",
            ScenarioKind::CoverageGap => "coverage_gap",
            ScenarioKind::RecurringPhrase => "recurring_phrase",
            ScenarioKind::EscalationTrend => "escalation_trend",
            ScenarioKind::TopicShift => "topic_shift",
            ScenarioKind::BleedResponse => "bleed_response",
        }
    }

    pub fn parse(s: &str) -> Result<ScenarioKind, ScenarioError> {
        ScenarioKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ScenarioKind::ALL.iter().map(|k| k.as_str()).collect();
                ScenarioError::Unknown(s.to_string(), names.join(", "))
            })
    }
}

impl fmt::Display for ScenarioKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was injected, where and when: one line of a truth file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub id: String,
    /// The detector that should find it.
    pub kind: DetectionKind,
    /// Other detectors whose findings this anomaly legitimately explains (not false alarms).
    pub also: Vec<DetectionKind>,
    /// Metrics a matching detection may be about (empty: any).
    pub metrics: Vec<String>,
    /// Dimension values a matching detection may be scoped to (empty: any).
    pub scopes: Vec<(Dim, String)>,
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
    /// Text a matching detection's examples must contain (recurring phrases).
    pub marker: Option<String>,
    /// The change-log entry injected as this anomaly's cause, if any.
    pub cause_change_id: Option<String>,
    pub description: String,
}

/// Size and seed of a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioParams {
    pub seed: u64,
    /// Days simulated (the anomaly starts after the first eight weeks when there is room).
    pub days: u32,
    pub customers_per_day: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
}

impl Default for ScenarioParams {
    fn default() -> Self {
        ScenarioParams {
            seed: 1,
            days: 84,
            customers_per_day: 300,
            start: time::macros::datetime!(2026-01-05 00:00 UTC),
        }
    }
}

/// Records (in time order) and the truth of what was injected into them.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// The injected kind; `None` for a history read from a file.
    pub kind: Option<ScenarioKind>,
    pub params: ScenarioParams,
    pub records: Vec<Record>,
    pub truths: Vec<Truth>,
}

impl Scenario {
    pub fn end(&self) -> OffsetDateTime {
        self.params.start + Duration::days(i64::from(self.params.days))
    }

    /// Writes `<dir>/<name>.jsonl` (Earshot's native import format) and
    /// `<dir>/<name>.truth.json` next to it.
    pub fn write(&self, dir: &Path) -> Result<(), ScenarioError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| ScenarioError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let data = dir.join(format!("{}.jsonl", self.name));
        let mut text = String::new();
        for r in &self.records {
            text.push_str(&channels::native::to_line(r));
            text.push('\n');
        }
        std::fs::write(&data, text).map_err(io(&data))?;
        let truth = dir.join(format!("{}.truth.json", self.name));
        let json = serde_json::to_string_pretty(&self.truths).unwrap_or_else(|_| "[]".into());
        std::fs::write(&truth, json).map_err(io(&truth))?;
        Ok(())
    }
}

/// Builds a scenario: the clean simulated history of `params` with `kind` injected.
pub fn scenario(kind: ScenarioKind, params: &ScenarioParams) -> Result<Scenario, ScenarioError> {
    let sim = simulate::SimConfig {
        seed: params.seed,
        start: params.start,
        days: params.days,
        customers_per_day: params.customers_per_day,
        brand: "AcmeCare".into(),
        brand_name: "Acme".into(),
        incidents: false,
        tag_language: false,
    };
    let records = simulate::generate(&sim);
    let (records, truths) = inject::inject(kind, params, records)?;
    Ok(Scenario {
        name: format!("{}-seed{}", kind.as_str(), params.seed),
        kind: Some(kind),
        params: params.clone(),
        records,
        truths,
    })
}
