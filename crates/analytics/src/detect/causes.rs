//! Probable causes (9): change-log entries in a lag window before a finding's start, ranked by
//! closeness in time × match of scope.

use super::{Cause, DetectConfig, Detection, DetectionKind};
use crate::rollup::{DAY_MS, Dim, HOUR_MS};
use domain::record::{ChangeEntry, ChangeKind};

fn ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000).clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// "an" before a vowel, else "a" (the kinds are English words: "an outage", "a release").
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Words of a scope value (`account_access` → `account`, `access`).
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3)
        .map(str::to_lowercase)
        .collect()
}

/// Ranked candidate causes of one detection. A change counts when it happened between
/// `cause_max_lag_days` before the finding's start and one bucket after it (an hour for
/// hourly findings, a day for daily ones, whose start is only known to the day). Score:
/// `exp(−lag / τ)` (τ: `cause_tau_days` for hourly findings, `cause_tau_daily_days` for
/// daily ones) × 3 when the change's owner team owns the finding's scope
/// × 2 when the change's title names the scope × 1.5 when the change's kind fits the finding
/// (an outage for a spike, an integration for a coverage gap).
pub(super) fn rank(d: &Detection, changes: &[ChangeEntry], cfg: &DetectConfig) -> Vec<Cause> {
    let slack = if d.kind.hourly() { HOUR_MS } else { DAY_MS };
    let max_lag = (cfg.cause_max_lag_days.max(0.0) * DAY_MS as f64) as i64;
    let owner = cfg.owners.owner(d.kind, &d.scope).to_string();
    let mut scope_words = words(&d.scope.value);
    if let Some(p) = d.scope.metric.strip_prefix("phrase:") {
        scope_words.extend(words(p));
    }
    let mut out: Vec<Cause> = changes
        .iter()
        .filter_map(|c| {
            let at = ms(c.at);
            let lag = d.start_ms - at;
            if lag > max_lag || lag < -slack {
                return None;
            }
            let lag_days = lag.max(0) as f64 / DAY_MS as f64;
            let tau = if d.kind.hourly() {
                cfg.cause_tau_days
            } else {
                cfg.cause_tau_daily_days
            };
            let mut score = (-lag_days / tau.max(0.1)).exp();
            // a change may come up to one bucket after the estimated start (the onset is known
            // to the bucket): say so instead of "-0.2 days before"
            let lag_d = lag as f64 / DAY_MS as f64;
            let mut reasons = vec![if lag >= 0 {
                format!("{lag_d:.1} days before")
            } else {
                format!(
                    "{:.1} days after the start, within its first bucket",
                    -lag_d
                )
            }];
            if d.scope.dim != Dim::All && c.owner_team.eq_ignore_ascii_case(&owner) {
                score *= 3.0;
                reasons.push(format!("owned by {owner}, who owns {}", d.scope.value));
            }
            let title = c.title.to_lowercase();
            if scope_words.iter().any(|w| title.contains(w.as_str())) {
                score *= 2.0;
                reasons.push("title names the scope".into());
            }
            let fits = matches!(
                (d.kind, c.kind),
                (DetectionKind::Spike, ChangeKind::Outage)
                    | (
                        DetectionKind::CoverageGap,
                        ChangeKind::Integration | ChangeKind::Outage
                    )
                    // what customers write about moves after a change to what they get
                    | (
                        DetectionKind::TopicTrend,
                        ChangeKind::Integration | ChangeKind::Policy | ChangeKind::Release
                    )
            );
            if fits {
                score *= 1.5;
                reasons.push(format!(
                    "{} {} fits {} {}",
                    article(c.kind.as_str()),
                    c.kind.as_str(),
                    article(d.kind.as_str()),
                    d.kind.as_str()
                ));
            }
            Some(Cause {
                change_id: c.id.clone(),
                kind: c.kind.as_str().to_string(),
                title: c.title.clone(),
                owner_team: c.owner_team.clone(),
                at_ms: at,
                lag_hours: lag as f64 / HOUR_MS as f64,
                score,
                reason: reasons.join("; "),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.change_id.cmp(&b.change_id))
    });
    out.truncate(cfg.max_causes);
    out
}
