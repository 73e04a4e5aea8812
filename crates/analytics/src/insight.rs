//! The pure part of insights: status workflow, owner team resolution and the weekly digest.

use crate::detect::{DetectionKind, Incident, Scope};
use crate::rollup::Dim;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InsightStatus {
    New,
    Acknowledged,
    Actioned,
    Dismissed,
}

impl InsightStatus {
    pub const ALL: [InsightStatus; 4] = [
        InsightStatus::New,
        InsightStatus::Acknowledged,
        InsightStatus::Actioned,
        InsightStatus::Dismissed,
    ];

    /// The status named `s`, as stored and as the API spells it.
    pub fn parse(s: &str) -> Option<InsightStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InsightStatus::New => "new",
            InsightStatus::Acknowledged => "acknowledged",
            InsightStatus::Actioned => "actioned",
            InsightStatus::Dismissed => "dismissed",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, InsightStatus::New | InsightStatus::Acknowledged)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid insight transition {from} → {to}: {reason}")]
pub struct TransitionError {
    pub from: &'static str,
    pub to: &'static str,
    pub reason: &'static str,
}

/// The workflow: `new → acknowledged → actioned | dismissed`; `new` may also go straight to
/// `actioned` (an owner who fixes it at once need not acknowledge first) or `dismissed` (a
/// false alarm is recognised on sight). `actioned` and `dismissed` are final: a finding that
/// comes back is a new insight. Staying in the same status is an error too (it would write a
/// history entry that says nothing).
pub fn transition(
    from: InsightStatus,
    to: InsightStatus,
) -> Result<InsightStatus, TransitionError> {
    use InsightStatus::*;
    let err = |reason| TransitionError {
        from: from.as_str(),
        to: to.as_str(),
        reason,
    };
    match (from, to) {
        (New, Acknowledged | Actioned | Dismissed) | (Acknowledged, Actioned | Dismissed) => Ok(to),
        (a, b) if a == b => Err(err("already in that status")),
        (Actioned | Dismissed, _) => Err(err("the insight is closed")),
        (_, New) => Err(err("an insight cannot become new again")),
        _ => Err(err("not allowed")),
    }
}

/// Who acts on a finding: topic → team, with fall-backs for channel coverage and the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerMap {
    pub by_topic: HashMap<String, String>,
    /// Owner of channel coverage gaps (a connector or source problem).
    pub coverage: String,
    /// Owner of channel-level service metrics (FRT, CSAT on a channel).
    pub channel_default: String,
    /// Owner when nothing else applies.
    pub fallback: String,
}

impl Default for OwnerMap {
    fn default() -> Self {
        let by_topic = [
            ("delivery", "logistics"),
            ("delay", "logistics"),
            ("billing", "finance"),
            ("refund", "finance"),
            ("cancellation", "finance"),
            ("account_access", "it"),
            ("outage", "platform"),
            ("product_quality", "product"),
            ("product_question", "product"),
            ("customer_service", "care"),
            ("booking", "operations"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        OwnerMap {
            by_topic,
            coverage: "integrations".into(),
            channel_default: "care".into(),
            fallback: "care".into(),
        }
    }
}

impl OwnerMap {
    /// The owner team of a finding of `kind` with `scope`.
    pub fn owner(&self, kind: DetectionKind, scope: &Scope) -> &str {
        if kind == DetectionKind::CoverageGap {
            return &self.coverage;
        }
        match scope.dim {
            Dim::Topic => self
                .by_topic
                .get(&scope.value)
                .map_or(self.fallback.as_str(), String::as_str),
            Dim::Channel => &self.channel_default,
            _ => &self.fallback,
        }
    }
}

/// One status change of an insight, with its actor and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: InsightStatus,
    pub at_ms: i64,
    pub actor: String,
}

/// An insight as the digest needs it: a finding, its owner and its status history (oldest
/// first; an empty history means `new` since `created_ms`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightRecord {
    pub id: String,
    pub title: String,
    pub owner_team: String,
    pub severity: f64,
    pub created_ms: i64,
    pub history: Vec<StatusChange>,
}

impl InsightRecord {
    /// A new insight from an incident, owned by the team of its top detection.
    pub fn from_incident(id: impl Into<String>, inc: &Incident, owners: &OwnerMap) -> Self {
        let kind = inc
            .detections
            .first()
            .map_or(DetectionKind::Spike, |d| d.kind);
        InsightRecord {
            id: id.into(),
            title: inc.title(),
            owner_team: owners.owner(kind, &inc.scope).to_string(),
            severity: inc.severity,
            created_ms: inc.detected_at_ms,
            history: Vec::new(),
        }
    }

    pub fn status(&self) -> InsightStatus {
        self.history.last().map_or(InsightStatus::New, |c| c.status)
    }

    /// Time of the last status change (or creation).
    pub fn last_touched_ms(&self) -> i64 {
        self.history.last().map_or(self.created_ms, |c| c.at_ms)
    }

    /// When the insight was (last) actioned, if it was.
    pub fn actioned_ms(&self) -> Option<i64> {
        self.history
            .iter()
            .rev()
            .find(|c| c.status == InsightStatus::Actioned)
            .map(|c| c.at_ms)
    }

    /// Applies a status change, checking the workflow.
    pub fn set_status(
        &mut self,
        to: InsightStatus,
        at_ms: i64,
        actor: impl Into<String>,
    ) -> Result<(), TransitionError> {
        let status = transition(self.status(), to)?;
        self.history.push(StatusChange {
            status,
            at_ms,
            actor: actor.into(),
        });
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DigestItem {
    pub id: String,
    pub title: String,
    pub status: InsightStatus,
    pub severity: f64,
    /// Days since the last status change.
    pub idle_days: f64,
    /// For an actioned insight: whether its metric came back since (filled by whoever holds
    /// the cells; see [`crate::follow_through`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<crate::follow_through::Outcome>,
}

/// One team's weekly digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamDigest {
    pub team: String,
    /// Open insights (new or acknowledged), most severe first.
    pub open: Vec<DigestItem>,
    /// Insights actioned during the week.
    pub actioned_this_week: Vec<DigestItem>,
    /// Open insights untouched for more than `stale_days`, longest idle first.
    pub untouched: Vec<DigestItem>,
    /// Insights actioned in the [`FOLLOW_DAYS`] before the week's end, most recently actioned
    /// first: the ones whose outcome the team should check.
    pub follow_through: Vec<DigestItem>,
}

/// How long after its action an insight stays on its team's follow-through list.
pub const FOLLOW_DAYS: i64 = crate::follow_through::AFTER_MAX_DAYS;

/// Weekly digests per owner team for the week `[week_end_ms − 7 days, week_end_ms)`: what is
/// open, what was actioned that week, and what has been left untouched for more than
/// `stale_days`. Insights created after `week_end_ms` are ignored; teams with nothing to report
/// are left out.
pub fn weekly_digest(
    insights: &[InsightRecord],
    week_end_ms: i64,
    stale_days: f64,
) -> Vec<TeamDigest> {
    let week_start = week_end_ms - 7 * crate::rollup::DAY_MS;
    let mut teams: BTreeMap<&str, TeamDigest> = BTreeMap::new();
    for ins in insights.iter().filter(|i| i.created_ms < week_end_ms) {
        // the state as of the end of the week
        let history: Vec<&StatusChange> = ins
            .history
            .iter()
            .filter(|c| c.at_ms < week_end_ms)
            .collect();
        let status = history.last().map_or(InsightStatus::New, |c| c.status);
        let touched = history.last().map_or(ins.created_ms, |c| c.at_ms);
        let idle_days = (week_end_ms - touched) as f64 / crate::rollup::DAY_MS as f64;
        let item = DigestItem {
            id: ins.id.clone(),
            title: ins.title.clone(),
            status,
            severity: ins.severity,
            idle_days,
            outcome: None,
        };
        let actioned = history
            .iter()
            .rev()
            .find(|c| c.status == InsightStatus::Actioned)
            .map(|c| c.at_ms);
        let d = teams
            .entry(ins.owner_team.as_str())
            .or_insert_with(|| TeamDigest {
                team: ins.owner_team.clone(),
                open: Vec::new(),
                actioned_this_week: Vec::new(),
                untouched: Vec::new(),
                follow_through: Vec::new(),
            });
        if status == InsightStatus::Actioned
            && actioned.is_some_and(|t| t >= week_end_ms - FOLLOW_DAYS * crate::rollup::DAY_MS)
        {
            d.follow_through.push(item.clone());
        }
        if status.is_open() {
            if idle_days > stale_days {
                d.untouched.push(item.clone());
            }
            d.open.push(item);
        } else if history.iter().any(|c| {
            c.status == InsightStatus::Actioned && c.at_ms >= week_start && c.at_ms < week_end_ms
        }) {
            d.actioned_this_week.push(item);
        }
    }
    let mut out: Vec<TeamDigest> = teams
        .into_values()
        .filter(|d| {
            !(d.open.is_empty() && d.actioned_this_week.is_empty() && d.follow_through.is_empty())
        })
        .collect();
    for d in &mut out {
        d.open.sort_by(|a, b| b.severity.total_cmp(&a.severity));
        d.untouched
            .sort_by(|a, b| b.idle_days.total_cmp(&a.idle_days));
        // an actioned insight's idle time is the time since its action
        d.follow_through
            .sort_by(|a, b| a.idle_days.total_cmp(&b.idle_days));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use InsightStatus::*;

    #[test]
    fn workflow_allows_the_documented_paths_only() {
        assert_eq!(transition(New, Acknowledged), Ok(Acknowledged));
        assert_eq!(transition(New, Dismissed), Ok(Dismissed));
        assert_eq!(transition(New, Actioned), Ok(Actioned));
        assert_eq!(transition(Acknowledged, Actioned), Ok(Actioned));
        assert_eq!(transition(Acknowledged, Dismissed), Ok(Dismissed));
        for (a, b) in [
            (Actioned, Acknowledged),
            (Dismissed, New),
            (Acknowledged, New),
            (New, New),
            (Actioned, Dismissed),
        ] {
            let e = transition(a, b).unwrap_err();
            assert!(
                e.to_string().contains(a.as_str()) && e.to_string().contains(b.as_str()),
                "{e}"
            );
        }
    }

    #[test]
    fn owners_follow_topics_and_coverage_goes_to_integrations() {
        let m = OwnerMap::default();
        let topic = |v: &str| Scope {
            metric: "repeat_rate".into(),
            dim: Dim::Topic,
            value: v.into(),
        };
        assert_eq!(
            m.owner(DetectionKind::RepeatTrend, &topic("delivery")),
            "logistics"
        );
        assert_eq!(m.owner(DetectionKind::Spike, &topic("billing")), "finance");
        assert_eq!(
            m.owner(DetectionKind::SlowBleed, &topic("account_access")),
            "it"
        );
        assert_eq!(m.owner(DetectionKind::SlowBleed, &topic("weather")), "care");
        let ch = Scope {
            metric: "inbound_messages".into(),
            dim: Dim::Channel,
            value: "facebook".into(),
        };
        assert_eq!(m.owner(DetectionKind::CoverageGap, &ch), "integrations");
    }

    #[test]
    fn digest_groups_by_team() {
        let day = crate::rollup::DAY_MS;
        let week_end = 100 * day;
        let mk = |id: &str, team: &str, created: i64| InsightRecord {
            id: id.into(),
            title: id.into(),
            owner_team: team.into(),
            severity: 0.5,
            created_ms: created,
            history: vec![],
        };
        let mut a = mk("a", "logistics", week_end - 20 * day);
        a.set_status(Acknowledged, week_end - 19 * day, "u")
            .unwrap();
        let mut b = mk("b", "logistics", week_end - 3 * day);
        b.set_status(Actioned, week_end - 2 * day, "u").unwrap();
        let c = mk("c", "finance", week_end - day);
        let mut d = mk("d", "finance", week_end - 30 * day);
        d.set_status(Dismissed, week_end - 29 * day, "u").unwrap();
        let future = mk("e", "it", week_end + day);
        assert!(b.set_status(Acknowledged, week_end, "u").is_err());
        let digest = weekly_digest(&[a, b, c, d, future], week_end, 14.0);
        assert_eq!(digest.len(), 2);
        let fin = &digest[0];
        assert_eq!(fin.team, "finance");
        assert_eq!(fin.open.len(), 1);
        assert!(fin.untouched.is_empty());
        let log = &digest[1];
        assert_eq!(log.open.len(), 1);
        assert_eq!(log.untouched.len(), 1, "a is idle 19 days");
        assert_eq!(log.actioned_this_week.len(), 1);
        assert_eq!(log.follow_through.len(), 1, "b was actioned 2 days ago");
        assert_eq!(log.follow_through[0].id, "b");
        assert!(fin.follow_through.is_empty(), "d was dismissed");
    }

    #[test]
    fn follow_through_lists_actions_of_the_last_four_weeks() {
        let day = crate::rollup::DAY_MS;
        let week_end = 100 * day;
        let mk = |id: &str, actioned_days_ago: i64| {
            let mut r = InsightRecord {
                id: id.into(),
                title: id.into(),
                owner_team: "finance".into(),
                severity: 0.5,
                created_ms: week_end - 40 * day,
                history: vec![],
            };
            r.set_status(Actioned, week_end - actioned_days_ago * day, "u")
                .unwrap();
            r
        };
        let old = mk("old", 29);
        let recent = mk("recent", 20);
        let latest = mk("latest", 10);
        assert_eq!(latest.actioned_ms(), Some(week_end - 10 * day));
        let digest = weekly_digest(&[old, recent, latest], week_end, 7.0);
        assert_eq!(digest.len(), 1, "follow-through alone keeps a team in");
        let ids: Vec<&str> = digest[0]
            .follow_through
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(ids, ["latest", "recent"]);
        assert!(digest[0].actioned_this_week.is_empty());
    }
}
