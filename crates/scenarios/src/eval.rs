//! The detector evaluation: scenarios → records replayed into cells day by day → detectors run
//! "as of" each midnight on the data known then → detections matched to the truth.
//!
//! - **Recall** per detector: injected anomalies of its kind found by a detection of that kind
//!   whose scope and metric fit the truth and whose window overlaps it (± 1 day), first
//!   reported after the anomaly started.
//! - **Delay**: first report − anomaly start. A detection is reported at the end of the bucket
//!   in which it fired, but never before the end of the run that first returned it (a
//!   detection a later run computes for an earlier bucket, with data that matured since, is
//!   dated to that later run).
//! - **False alarms per 4 weeks of clean data**: every detection in clean scenarios, and in
//!   injected scenarios every detection first reported before the anomaly started, over the
//!   time the detectors could judge (after `min_history_days`).
//! - Detections in injected scenarios after the start that no truth explains are reported
//!   separately ("unexplained"), as are probable-cause hits (the injected change ranked first).
//! - **Follow-through**: each found anomaly is "actioned" two hours after it was first
//!   reported, or after it ended if it ended later, and judged a week on (or at the end of the
//!   data): an anomaly that ended should read "recovered", one that runs to the end of the data
//!   "persisting" (nothing was fixed).

use crate::replay::Replayer;
use crate::{Scenario, ScenarioError, ScenarioKind, ScenarioParams, Truth, scenario};
use analytics::detect::{
    DetectConfig, DetectInput, Detection, DetectionKind, detect, same_finding,
};
use analytics::follow_through::{FollowInput, Verdict, follow_through};
use analytics::rollup::{DAY_MS, HOUR_MS};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalOptions {
    /// Histories read from files (with their truth files) instead of simulated scenarios.
    #[serde(default)]
    pub files: Vec<PathBuf>,
    pub seeds: Vec<u64>,
    pub kinds: Vec<ScenarioKind>,
    pub days: u32,
    pub customers_per_day: u32,
    pub config: DetectConfig,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            files: Vec::new(),
            seeds: vec![1, 2, 3],
            kinds: ScenarioKind::ALL.to_vec(),
            days: 84,
            customers_per_day: 300,
            config: DetectConfig::default(),
        }
    }
}

fn ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// One scenario's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub name: String,
    /// The injected kind and seed; `None` for a history read from a file.
    pub kind: Option<ScenarioKind>,
    pub seed: Option<u64>,
    /// Start of the scenario's first day (detection days are counted from it).
    #[serde(default)]
    pub start_ms: i64,
    pub records: usize,
    /// Lines of a data file that could not be read (kept out of the scenario).
    #[serde(default)]
    pub bad_lines: Vec<String>,
    /// The truth file read with a data file (`None`: simulated, or clean data).
    #[serde(default)]
    pub truth_file: Option<PathBuf>,
    pub truths: Vec<TruthResult>,
    /// Detections (merged across runs) with their report time.
    pub detections: Vec<Detection>,
    pub false_alarms: Vec<Detection>,
    pub unexplained: Vec<Detection>,
    /// Days of clean data the detectors could judge.
    pub clean_days: f64,
    /// The follow-through verdict of each found truth (see the module docs).
    #[serde(default)]
    pub follow_through: Vec<FollowResult>,
    pub seconds: f64,
}

/// A found anomaly, actioned as if nothing was fixed, and what follow-through said of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowResult {
    pub truth_id: String,
    /// Whether the anomaly had ended when it was actioned (then "recovered" is right;
    /// otherwise "persisting").
    pub ended: bool,
    pub verdict: Verdict,
    pub reason: String,
}

impl FollowResult {
    pub fn right(&self) -> bool {
        self.verdict
            == if self.ended {
                Verdict::Recovered
            } else {
                Verdict::Persisting
            }
    }

    /// The opposite verdict: recovered when nothing was fixed, persisting after it ended.
    pub fn wrong(&self) -> bool {
        self.verdict
            == if self.ended {
                Verdict::Persisting
            } else {
                Verdict::Recovered
            }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthResult {
    pub truth: Truth,
    pub found: bool,
    pub delay_hours: Option<f64>,
    /// Whether the first-ranked probable cause of the matching detection is the injected
    /// change (`None` when no cause was injected or nothing was found).
    pub cause_first: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorRow {
    pub detector: DetectionKind,
    pub injected: usize,
    pub found: usize,
    pub recall: Option<f64>,
    pub median_delay_hours: Option<f64>,
    pub max_delay_hours: Option<f64>,
    pub false_alarms: usize,
    pub false_alarms_per_4_weeks: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub options: EvalOptions,
    pub rows: Vec<DetectorRow>,
    pub clean_weeks: f64,
    pub false_alarms_total: usize,
    pub false_alarms_per_4_weeks: f64,
    pub unexplained_total: usize,
    pub cause_first_hits: usize,
    pub cause_first_of: usize,
    /// Follow-through verdicts: judged, right, and the opposite of right.
    #[serde(default)]
    pub follow_judged: usize,
    #[serde(default)]
    pub follow_right: usize,
    #[serde(default)]
    pub follow_wrong: usize,
    pub scenarios: Vec<ScenarioResult>,
    pub seconds: f64,
}

/// Replays a scenario and runs the detectors as of every midnight.
pub fn detect_scenario(sc: &Scenario, cfg: &DetectConfig) -> Result<Vec<Detection>, ScenarioError> {
    Ok(replay_and_detect(sc, cfg)?.0)
}

/// [`detect_scenario`], keeping the replayed state (all of the scenario's cells and phrases).
pub fn replay_and_detect(
    sc: &Scenario,
    cfg: &DetectConfig,
) -> Result<(Vec<Detection>, Replayer), ScenarioError> {
    let mut rep = Replayer::new()?;
    let start = ms(sc.params.start);
    let end = ms(sc.end());
    let first_run = start + cfg.min_history_days.max(1) * DAY_MS;
    let mut next = first_run;
    let mut prev = start;
    let mut found: Vec<Detection> = Vec::new();
    let run = |rep: &Replayer, from: i64, as_of: i64, found: &mut Vec<Detection>| {
        let input = DetectInput {
            cells: &rep.cells,
            phrases: &rep.phrases,
            changes: &rep.changes,
            from_ms: from,
            as_of_ms: as_of,
        };
        for mut d in detect(&input, cfg) {
            if let Some(k) = found.iter_mut().find(|k| same_finding(k, &d)) {
                k.end_ms = k.end_ms.max(d.end_ms);
                if k.probable_causes.is_empty() {
                    k.probable_causes = d.probable_causes;
                }
                continue;
            }
            if d.detected_at_ms <= from {
                d.detected_at_ms = as_of;
            }
            found.push(d);
        }
    };
    for r in &sc.records {
        let at = ms(r.at());
        while at >= next && next <= end {
            run(&rep, prev, next, &mut found);
            prev = next;
            next += DAY_MS;
        }
        rep.apply(r);
    }
    while next <= end {
        run(&rep, prev, next, &mut found);
        prev = next;
        next += DAY_MS;
    }
    Ok((found, rep))
}

/// How long after the action follow-through is judged.
const FOLLOW_AFTER_MS: i64 = 7 * DAY_MS;

/// How the evaluation actions a found truth: its first matching finding, actioned two hours
/// after that was reported, or after the truth ended if that is later (nothing fixed).
pub struct Action<'a> {
    pub finding: &'a Detection,
    pub at_ms: i64,
    /// The truth ended before the data did: "recovered" is right, else "persisting".
    pub ended: bool,
}

/// The [`Action`] of truth `t` among `dets`, in data that ends at `end_ms`; `None` if no
/// detection finds it.
pub fn action_of<'a>(t: &Truth, dets: &'a [Detection], end_ms: i64) -> Option<Action<'a>> {
    let first = dets
        .iter()
        .filter(|d| matches(t, d))
        .min_by_key(|d| d.detected_at_ms)?;
    let truth_end = ms(t.end);
    let ended = truth_end < end_ms;
    let reported = if ended {
        first.detected_at_ms.max(truth_end)
    } else {
        first.detected_at_ms
    };
    Some(Action {
        finding: first,
        at_ms: reported + 2 * HOUR_MS,
        ended,
    })
}

/// Follow-through of each found truth (see the module docs), on the replayed state. A truth
/// whose action would leave less than a day of data is not judged.
pub fn follow_up(
    sc: &Scenario,
    truths: &[TruthResult],
    dets: &[Detection],
    rep: &Replayer,
) -> Vec<FollowResult> {
    let end = ms(sc.end());
    let input = FollowInput {
        cells: &rep.cells,
        phrases: &rep.phrases,
    };
    let mut out = Vec::new();
    for t in truths.iter().filter(|t| t.found) {
        let Some(action) = action_of(&t.truth, dets, end) else {
            continue;
        };
        let (first, actioned, ended) = (action.finding, action.at_ms, action.ended);
        let now = (actioned + FOLLOW_AFTER_MS).min(end);
        if now - actioned < DAY_MS {
            continue;
        }
        let f = follow_through(&input, first, actioned, now);
        out.push(FollowResult {
            truth_id: t.truth.id.clone(),
            ended,
            verdict: f.verdict,
            reason: f.reason,
        });
    }
    out
}

/// Whether `d` finds `t` (see the module docs: kind, scope, metric, marker, window, reported
/// after the start).
fn matches(t: &Truth, d: &Detection) -> bool {
    if d.kind != t.kind {
        return false;
    }
    let (ts, te) = (ms(t.start), ms(t.end));
    let overlap = d.start_ms <= te + DAY_MS && d.end_ms >= ts - DAY_MS;
    let scope_ok = t.scopes.is_empty()
        || t.scopes
            .iter()
            .any(|(dim, v)| *dim == d.scope.dim && *v == d.scope.value);
    let metric_ok = t.metrics.is_empty() || t.metrics.contains(&d.scope.metric);
    let marker_ok = t.marker.as_ref().is_none_or(|m| {
        let m = m.to_lowercase();
        d.examples.iter().any(|x| x.to_lowercase().contains(&m))
    });
    overlap && scope_ok && metric_ok && marker_ok && d.detected_at_ms > ts
}

fn explained(t: &Truth, d: &Detection) -> bool {
    let (ts, te) = (ms(t.start), ms(t.end));
    (d.kind == t.kind || t.also.contains(&d.kind))
        && d.start_ms <= te + 3 * DAY_MS
        && d.end_ms >= ts - DAY_MS
}

/// Scores one scenario.
pub fn score(
    sc: &Scenario,
    dets: Vec<Detection>,
    cfg: &DetectConfig,
    seconds: f64,
) -> ScenarioResult {
    let start = ms(sc.params.start);
    let end = ms(sc.end());
    let judged_from = start + cfg.min_history_days.max(0) * DAY_MS;
    let first_truth = sc.truths.iter().map(|t| ms(t.start)).min();
    let clean_until = first_truth.unwrap_or(end).min(end);
    let clean_days = ((clean_until - judged_from) as f64 / DAY_MS as f64).max(0.0);
    let mut truths = Vec::new();
    for t in &sc.truths {
        let hits: Vec<&Detection> = dets.iter().filter(|d| matches(t, d)).collect();
        let first = hits.iter().min_by_key(|d| d.detected_at_ms);
        let cause_first = match (&t.cause_change_id, first) {
            (Some(id), Some(d)) => Some(
                d.probable_causes
                    .first()
                    .is_some_and(|c| &c.change_id == id),
            ),
            _ => None,
        };
        truths.push(TruthResult {
            truth: t.clone(),
            found: first.is_some(),
            delay_hours: first.map(|d| (d.detected_at_ms - ms(t.start)) as f64 / 3_600_000.0),
            cause_first,
        });
    }
    let mut false_alarms = Vec::new();
    let mut unexplained = Vec::new();
    for d in &dets {
        if d.detected_at_ms <= clean_until {
            false_alarms.push(d.clone());
        } else if !sc.truths.iter().any(|t| explained(t, d)) {
            unexplained.push(d.clone());
        }
    }
    ScenarioResult {
        name: sc.name.clone(),
        kind: sc.kind,
        seed: sc.kind.map(|_| sc.params.seed),
        start_ms: start,
        records: sc.records.len(),
        bad_lines: Vec::new(),
        truth_file: None,
        truths,
        detections: dets,
        false_alarms,
        unexplained,
        clean_days,
        follow_through: Vec::new(),
        seconds,
    }
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Replays, detects, scores and follows up one scenario.
pub fn evaluate(sc: &Scenario, cfg: &DetectConfig) -> Result<ScenarioResult, ScenarioError> {
    let t = Instant::now();
    let (dets, rep) = replay_and_detect(sc, cfg)?;
    let mut r = score(sc, dets, cfg, t.elapsed().as_secs_f64());
    r.follow_through = follow_up(sc, &r.truths, &r.detections, &rep);
    Ok(r)
}

/// Runs the files of `opts` (each with its truth file, see [`crate::file::load`]) or, when
/// there are none, every scenario kind of `opts` for every seed, and aggregates the results.
pub fn run(opts: &EvalOptions) -> Result<EvalReport, ScenarioError> {
    let t0 = Instant::now();
    let mut results = Vec::new();
    for path in &opts.files {
        let loaded = crate::file::load(path)?;
        let mut r = evaluate(&loaded.scenario, &opts.config)?;
        r.bad_lines = loaded.bad_lines;
        r.truth_file = loaded.truth_path;
        results.push(r);
    }
    for &seed in opts.seeds.iter().filter(|_| opts.files.is_empty()) {
        for &kind in &opts.kinds {
            let params = ScenarioParams {
                seed,
                days: opts.days,
                customers_per_day: opts.customers_per_day,
                ..ScenarioParams::default()
            };
            results.push(evaluate(&scenario(kind, &params)?, &opts.config)?);
        }
    }
    Ok(aggregate(opts, results, t0.elapsed().as_secs_f64()))
}

pub fn aggregate(opts: &EvalOptions, results: Vec<ScenarioResult>, seconds: f64) -> EvalReport {
    let clean_days: f64 = results.iter().map(|r| r.clean_days).sum();
    let per4 = |n: usize| {
        if clean_days > 0.0 {
            n as f64 / (clean_days / 28.0)
        } else {
            0.0
        }
    };
    let mut rows = Vec::new();
    for k in DetectionKind::ALL {
        let truths: Vec<&TruthResult> = results
            .iter()
            .flat_map(|r| r.truths.iter())
            .filter(|t| t.truth.kind == k)
            .collect();
        let found = truths.iter().filter(|t| t.found).count();
        let mut delays: Vec<f64> = truths.iter().filter_map(|t| t.delay_hours).collect();
        let max_delay = delays
            .iter()
            .copied()
            .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))));
        let fa = results
            .iter()
            .flat_map(|r| r.false_alarms.iter())
            .filter(|d| d.kind == k)
            .count();
        rows.push(DetectorRow {
            detector: k,
            injected: truths.len(),
            found,
            recall: (!truths.is_empty()).then(|| found as f64 / truths.len() as f64),
            median_delay_hours: median(&mut delays),
            max_delay_hours: max_delay,
            false_alarms: fa,
            false_alarms_per_4_weeks: per4(fa),
        });
    }
    let fa_total: usize = results.iter().map(|r| r.false_alarms.len()).sum();
    let follows: Vec<&FollowResult> = results.iter().flat_map(|r| &r.follow_through).collect();
    let causes: Vec<bool> = results
        .iter()
        .flat_map(|r| r.truths.iter())
        .filter_map(|t| t.cause_first)
        .collect();
    EvalReport {
        options: opts.clone(),
        rows,
        clean_weeks: clean_days / 7.0,
        false_alarms_total: fa_total,
        false_alarms_per_4_weeks: per4(fa_total),
        unexplained_total: results.iter().map(|r| r.unexplained.len()).sum(),
        cause_first_hits: causes.iter().filter(|c| **c).count(),
        cause_first_of: causes.len(),
        follow_judged: follows.len(),
        follow_right: follows.iter().filter(|f| f.right()).count(),
        follow_wrong: follows.iter().filter(|f| f.wrong()).count(),
        scenarios: results,
        seconds,
    }
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("—".into(), |x| format!("{x:.digits$}"))
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| detector | injected | found | recall | median delay (h) | max delay (h) | false alarms | FA / 4 weeks clean |"
        )?;
        writeln!(f, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
        for r in &self.rows {
            writeln!(
                f,
                "| {} | {} | {} | {} | {} | {} | {} | {:.2} |",
                r.detector.as_str(),
                r.injected,
                r.found,
                opt(r.recall, 2),
                opt(r.median_delay_hours, 1),
                opt(r.max_delay_hours, 1),
                r.false_alarms,
                r.false_alarms_per_4_weeks
            )?;
        }
        writeln!(
            f,
            "| **all detectors** | {} | {} | | | | {} | **{:.2}** |",
            self.rows.iter().map(|r| r.injected).sum::<usize>(),
            self.rows.iter().map(|r| r.found).sum::<usize>(),
            self.false_alarms_total,
            self.false_alarms_per_4_weeks
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "clean data judged: {:.1} weeks; unexplained detections after an injection: {}; injected cause ranked first: {}/{}; {} scenarios in {:.0} s",
            self.clean_weeks,
            self.unexplained_total,
            self.cause_first_hits,
            self.cause_first_of,
            self.scenarios.len(),
            self.seconds
        )?;
        let misses: Vec<String> = self
            .scenarios
            .iter()
            .flat_map(|s| {
                s.truths
                    .iter()
                    .filter(|t| !t.found)
                    .map(move |t| format!("{} ({})", s.name, t.truth.description))
            })
            .collect();
        if !misses.is_empty() {
            writeln!(f, "missed: {}", misses.join("; "))?;
        }
        for s in &self.scenarios {
            if s.kind.is_none() {
                writeln!(
                    f,
                    "{}: {} records, {}",
                    s.name,
                    s.records,
                    s.truth_file.as_ref().map_or_else(
                        || "no truth file: clean data".to_string(),
                        |p| format!("{} truths from {}", s.truths.len(), p.display())
                    )
                )?;
            }
        }
        for s in self.scenarios.iter().filter(|s| !s.bad_lines.is_empty()) {
            writeln!(
                f,
                "{}: {} unreadable lines left out (first: {})",
                s.name,
                s.bad_lines.len(),
                s.bad_lines[0]
            )?;
        }
        writeln!(
            f,
            "follow-through of found anomalies actioned without a fix: {} judged, {} right (recovered once ended, persisting while running), {} the opposite",
            self.follow_judged, self.follow_right, self.follow_wrong
        )?;
        for s in &self.scenarios {
            for r in s.follow_through.iter().filter(|r| !r.right()) {
                writeln!(
                    f,
                    "follow-through in {} ({}): {} — {}",
                    s.name,
                    if r.ended { "ended" } else { "still running" },
                    r.verdict.as_str(),
                    r.reason
                )?;
            }
        }
        for s in &self.scenarios {
            for d in s.false_alarms.iter().chain(s.unexplained.iter()) {
                let what = if s.false_alarms.contains(d) {
                    "false alarm"
                } else {
                    "unexplained"
                };
                writeln!(
                    f,
                    "{what} in {}: {} {} {}={} day {:.1} (p {:.2e}, severity {:.2})",
                    s.name,
                    d.kind.as_str(),
                    d.scope.metric,
                    d.scope.dim.as_str(),
                    d.scope.value,
                    (d.start_ms - s.start_ms) as f64 / DAY_MS as f64,
                    d.p_value,
                    d.severity
                )?;
            }
        }
        Ok(())
    }
}
