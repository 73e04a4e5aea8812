//! When things happen: daily and weekly seasonality, and the business
//! changes (releases, policies, outages...) whose effects show in the
//! conversations that follow, so that detectors have something to find and
//! candidate causes to offer.

use crate::rng::{Rng, mix};
use crate::text::{self, Topic};
use domain::record::ChangeKind;
use time::{Duration, OffsetDateTime, Weekday};

/// Relative volume by local hour of day: quiet nights, a lunchtime and an
/// evening peak.
const HOURLY: [f64; 24] = [
    0.35, 0.22, 0.15, 0.12, 0.12, 0.18, 0.35, 0.65, 0.95, 1.15, 1.25, 1.30, 1.35, 1.30, 1.25, 1.20,
    1.15, 1.15, 1.20, 1.30, 1.30, 1.15, 0.85, 0.55,
];

/// Relative volume by weekday, Monday first: busy Mondays, quiet weekends.
const WEEKLY: [f64; 7] = [1.12, 1.06, 1.02, 1.00, 0.95, 0.72, 0.68];

/// Share of an average day's volume that falls in this hour of this
/// weekday (averages to 1/24 over a week).
pub fn hour_share(at: OffsetDateTime) -> f64 {
    let hourly_sum: f64 = HOURLY.iter().sum();
    let weekly_mean: f64 = WEEKLY.iter().sum::<f64>() / 7.0;
    let h = HOURLY.get(usize::from(at.hour())).copied().unwrap_or(1.0);
    let w = WEEKLY
        .get(usize::from(at.weekday().number_days_from_monday()))
        .copied()
        .unwrap_or(1.0);
    (h / hourly_sum) * (w / weekly_mean)
}

pub fn is_weekend(at: OffsetDateTime) -> bool {
    matches!(at.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Night: no or few agents on shift.
pub fn is_night(at: OffsetDateTime) -> bool {
    let h = at.hour();
    !(7..22).contains(&h)
}

/// How a change shows in the conversations after it.
#[derive(Debug, Clone, Copy)]
pub enum Effect {
    /// A topic's share grows gradually to `max` times over `ramp_days`.
    SlowBleed {
        topic: Topic,
        max: f64,
        ramp_days: f64,
    },
    /// A topic's share jumps to `mult` times and stays.
    Step { topic: Topic, mult: f64 },
    /// A burst of volume about one topic for a few hours.
    Spike {
        topic: Topic,
        hours: f64,
        volume: f64,
    },
    /// More volume for a few days, leaning to one topic.
    Campaign {
        topic: Topic,
        days: f64,
        volume: f64,
    },
}

/// A change entry and its effect.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub at: OffsetDateTime,
    pub kind: ChangeKind,
    pub title: &'static str,
    pub team: &'static str,
    pub effect: Effect,
}

#[derive(Debug, Clone)]
pub struct Timeline {
    pub scripted: Vec<Scripted>,
}

impl Timeline {
    /// Places the scripted changes at fixed fractions of the period
    /// `[origin, origin + days)`, each at a plausible time of day.
    pub fn new(origin: OffsetDateTime, days: u32, incidents: bool) -> Self {
        if !incidents || days == 0 {
            return Timeline {
                scripted: Vec::new(),
            };
        }
        let plan: [(f64, u8, u8, ChangeKind, &str, &str, Effect); 5] = [
            (
                0.15,
                9,
                30,
                ChangeKind::Release,
                "Mobile app 5.2: new login flow",
                // the teams of the default owner map (`analytics::insight::OwnerMap`), so that
                // the demo's findings and their causes name the same teams
                "it",
                Effect::SlowBleed {
                    topic: Topic::AccountAccess,
                    max: 2.6,
                    ramp_days: 10.0,
                },
            ),
            (
                0.35,
                6,
                0,
                ChangeKind::Integration,
                "New courier partner for the northern region",
                "logistics",
                Effect::Step {
                    topic: Topic::Delivery,
                    mult: 1.6,
                },
            ),
            (
                0.55,
                13,
                5,
                ChangeKind::Outage,
                "Checkout outage: payment provider timeouts",
                "platform",
                Effect::Spike {
                    topic: Topic::Outage,
                    hours: 3.5,
                    volume: 3.0,
                },
            ),
            (
                0.70,
                0,
                1,
                ChangeKind::Policy,
                "Return window shortened from 30 to 14 days",
                "finance",
                Effect::Step {
                    topic: Topic::Refund,
                    mult: 1.8,
                },
            ),
            (
                0.85,
                8,
                0,
                ChangeKind::Comms,
                "Spring sale e-mail campaign",
                "marketing",
                Effect::Campaign {
                    topic: Topic::ProductQuestion,
                    days: 2.0,
                    volume: 1.25,
                },
            ),
        ];
        let scripted = plan
            .into_iter()
            .map(|(frac, hour, minute, kind, title, team, effect)| {
                let day = (f64::from(days) * frac).floor() as i64;
                let at = origin
                    + Duration::days(day)
                    + Duration::hours(i64::from(hour))
                    + Duration::minutes(i64::from(minute));
                Scripted {
                    at,
                    kind,
                    title,
                    team,
                    effect,
                }
            })
            .collect();
        Timeline { scripted }
    }

    /// Multiplier of the whole volume at `at`.
    pub fn volume(&self, at: OffsetDateTime) -> f64 {
        let mut v = 1.0;
        for s in &self.scripted {
            let since = (at - s.at).as_seconds_f64();
            match s.effect {
                Effect::Spike { hours, volume, .. } if since >= 0.0 && since < hours * 3600.0 => {
                    v *= volume;
                }
                Effect::Campaign { days, volume, .. }
                    if since >= 0.0 && since < days * 86_400.0 =>
                {
                    v *= volume;
                }
                _ => {}
            }
        }
        v
    }

    /// Topic weights at `at`.
    pub fn topic_weights(&self, at: OffsetDateTime) -> [f64; 9] {
        let mut w = Topic::ALL.map(Topic::base_weight);
        for s in &self.scripted {
            let since = (at - s.at).as_seconds_f64();
            if since < 0.0 {
                continue;
            }
            match s.effect {
                Effect::SlowBleed {
                    topic,
                    max,
                    ramp_days,
                } => {
                    let progress = (since / (ramp_days * 86_400.0)).min(1.0);
                    w[topic.index()] *= 1.0 + (max - 1.0) * progress;
                }
                Effect::Step { topic, mult } => w[topic.index()] *= mult,
                Effect::Spike { topic, hours, .. } if since < hours * 3600.0 => {
                    // Most of the burst is about the incident.
                    w[topic.index()] *= 60.0;
                }
                Effect::Campaign { topic, days, .. } if since < days * 86_400.0 => {
                    w[topic.index()] *= 2.0;
                }
                _ => {}
            }
        }
        w
    }

    /// How much more negative conversations about `topic` are at `at`
    /// (added to the chance of a negative opening).
    pub fn negativity(&self, at: OffsetDateTime, topic: Topic) -> f64 {
        self.scripted
            .iter()
            .filter(|s| at >= s.at)
            .map(|s| match s.effect {
                Effect::SlowBleed { topic: t, .. } | Effect::Step { topic: t, .. }
                    if t == topic =>
                {
                    0.15
                }
                _ => 0.0,
            })
            .sum()
    }

    /// Weighted texts for unprompted feedback at `at`.
    pub fn feedback_texts(&self, at: OffsetDateTime) -> Vec<(&'static str, f64)> {
        let mut texts: Vec<(&'static str, f64)> =
            text::FEEDBACK_GENERAL.iter().map(|t| (*t, 1.0)).collect();
        for s in &self.scripted {
            let since_days = (at - s.at).as_seconds_f64() / 86_400.0;
            if since_days < 0.0 {
                continue;
            }
            match s.effect {
                Effect::SlowBleed {
                    topic: Topic::AccountAccess,
                    ramp_days,
                    ..
                } => texts.push((
                    text::FEEDBACK_LOGOUT,
                    6.0 * (since_days / ramp_days).min(1.0),
                )),
                Effect::Step {
                    topic: Topic::Refund,
                    ..
                } => texts.push((text::FEEDBACK_RETURNS, 4.0)),
                Effect::Step {
                    topic: Topic::Delivery,
                    ..
                } => texts.push((text::FEEDBACK_COURIER, 3.0)),
                _ => {}
            }
        }
        texts
    }
}

/// Routine changes of one day (web releases, newsletters, operational
/// tweaks) that have no effect: realistic noise among candidate causes.
pub fn routine_changes(
    seed: u64,
    day_index: u64,
    day_start: OffsetDateTime,
) -> Vec<(OffsetDateTime, ChangeKind, String, &'static str)> {
    let mut rng = Rng::new(mix(&[seed, 0xC4A1, day_index]));
    let mut out = Vec::new();
    let weekday = day_start.weekday();
    if matches!(weekday, Weekday::Tuesday | Weekday::Thursday) && rng.chance(0.6) {
        let at = day_start + Duration::hours(10) + Duration::minutes(rng.between(0, 90) as i64);
        out.push((
            at,
            ChangeKind::Release,
            format!("Website release {}.{}", day_start.year(), day_index + 1),
            "web",
        ));
    }
    if weekday == Weekday::Monday {
        let at = day_start + Duration::hours(8) + Duration::minutes(rng.between(0, 30) as i64);
        out.push((
            at,
            ChangeKind::Comms,
            "Weekly newsletter".to_string(),
            "marketing",
        ));
    }
    if rng.chance(0.05) {
        let titles = [
            "Warehouse shift pattern changed",
            "New macro set for social care agents",
            "Help centre articles reorganised",
            "Payment page copy updated",
        ];
        let title = rng.pick(&titles).unwrap_or(titles[0]);
        let at = day_start + Duration::hours(rng.between(9, 17) as i64);
        out.push((at, ChangeKind::Other, title.to_string(), "operations"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn hour_shares_average_to_one_day() {
        let monday = datetime!(2026-03-02 00:00 UTC);
        let total: f64 = (0..24 * 7)
            .map(|h| hour_share(monday + Duration::hours(h)))
            .sum();
        assert!((total - 7.0).abs() < 1e-9, "{total}");
        assert!(hour_share(monday + Duration::hours(3)) < hour_share(monday + Duration::hours(12)));
        let saturday_noon = monday + Duration::days(5) + Duration::hours(12);
        assert!(hour_share(saturday_noon) < hour_share(monday + Duration::hours(12)));
    }

    #[test]
    fn scripted_effects_show_after_their_change() {
        let origin = datetime!(2026-03-02 00:00 UTC);
        let t = Timeline::new(origin, 40, true);
        assert_eq!(t.scripted.len(), 5);
        let outage = &t.scripted[2];
        assert_eq!(outage.kind, ChangeKind::Outage);
        let before = outage.at - Duration::hours(1);
        let during = outage.at + Duration::hours(1);
        assert_eq!(t.volume(before), 1.0);
        assert!(t.volume(during) > 2.0);
        let o = Topic::Outage.index();
        assert!(t.topic_weights(during)[o] > 20.0 * t.topic_weights(before)[o]);
        let release = &t.scripted[0];
        let a = Topic::AccountAccess.index();
        let w0 = t.topic_weights(release.at - Duration::days(1))[a];
        let w3 = t.topic_weights(release.at + Duration::days(3))[a];
        let w12 = t.topic_weights(release.at + Duration::days(12))[a];
        assert!(w0 < w3 && w3 < w12, "{w0} {w3} {w12}");
        assert!(Timeline::new(origin, 40, false).scripted.is_empty());
    }
}
