//! Business-hours calendars, one per queue, for business-hours first response time.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// Opening hours of one queue: open intervals per weekday in a fixed UTC offset (no daylight
/// saving: a queue that follows DST needs two calendars switched by configuration), minus
/// holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessCalendar {
    /// Local time = UTC + this many minutes (−1080..=1080; clamped).
    pub utc_offset_minutes: i32,
    /// Monday first; each entry lists `[start, end)` minutes after local midnight (0..=1440).
    pub week: [Vec<(u16, u16)>; 7],
    /// Local dates on which the queue is closed all day.
    #[serde(default)]
    pub holidays: Vec<Date>,
}

impl Default for BusinessCalendar {
    fn default() -> Self {
        Self::always_open()
    }
}

impl BusinessCalendar {
    /// Open around the clock (business time equals calendar time).
    pub fn always_open() -> Self {
        let day = vec![(0u16, 1440u16)];
        BusinessCalendar {
            utc_offset_minutes: 0,
            week: std::array::from_fn(|_| day.clone()),
            holidays: Vec::new(),
        }
    }

    /// Open Monday to Friday from `open` to `close` (minutes after local midnight).
    pub fn weekdays(open: u16, close: u16, utc_offset_minutes: i32) -> Self {
        let day = vec![(open.min(1440), close.min(1440))];
        BusinessCalendar {
            utc_offset_minutes,
            week: std::array::from_fn(|i| if i < 5 { day.clone() } else { Vec::new() }),
            holidays: Vec::new(),
        }
    }

    fn offset(&self) -> UtcOffset {
        let secs = self.utc_offset_minutes.clamp(-1080, 1080) * 60;
        UtcOffset::from_whole_seconds(secs).unwrap_or(UtcOffset::UTC)
    }

    /// Open seconds in a local day.
    fn open_secs(&self, date: Date) -> impl Iterator<Item = (i64, i64)> + '_ {
        let closed = self.holidays.contains(&date);
        let wd = usize::from(date.weekday().number_days_from_monday());
        self.week
            .get(wd)
            .into_iter()
            .flatten()
            .filter(move |_| !closed)
            .map(|&(a, b)| (i64::from(a.min(1440)) * 60, i64::from(b.min(1440)) * 60))
            .filter(|(a, b)| a < b)
    }

    /// Seconds between `from` and `to` during which the queue is open (0 when `to <= from`).
    /// Spans longer than ten years are measured over their first ten years.
    pub fn business_seconds(&self, from: OffsetDateTime, to: OffsetDateTime) -> f64 {
        if to <= from {
            return 0.0;
        }
        let off = self.offset();
        let a = from.to_offset(off);
        let b = to
            .to_offset(off)
            .min(a.checked_add(Duration::days(3653)).unwrap_or(a));
        let mut total: i64 = 0;
        let mut date = a.date();
        let last = b.date();
        while let Ok(midnight) = date.with_hms(0, 0, 0).map(|d| d.assume_offset(off)) {
            for (s, e) in self.open_secs(date) {
                let start = midnight + Duration::seconds(s);
                let end = midnight + Duration::seconds(e);
                let lo = start.max(a);
                let hi = end.min(b);
                if hi > lo {
                    total += (hi - lo).whole_seconds();
                }
            }
            if date >= last {
                break;
            }
            match date.next_day() {
                Some(d) => date = d,
                None => break,
            }
        }
        total as f64
    }
}

/// Calendars per queue, with a default for queues not listed (24×7 unless set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessCalendars {
    #[serde(default)]
    pub default: BusinessCalendar,
    #[serde(default)]
    pub by_queue: HashMap<String, BusinessCalendar>,
}

impl BusinessCalendars {
    pub fn for_queue(&self, queue: &str) -> &BusinessCalendar {
        self.by_queue.get(queue).unwrap_or(&self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn always_open_equals_calendar_time() {
        let c = BusinessCalendar::always_open();
        let a = datetime!(2026-03-06 17:00 UTC);
        assert_eq!(
            c.business_seconds(a, a + Duration::hours(70)),
            70.0 * 3600.0
        );
        assert_eq!(c.business_seconds(a, a), 0.0);
        assert_eq!(c.business_seconds(a + Duration::hours(1), a), 0.0);
    }

    #[test]
    fn worked_example_friday_evening_to_monday() {
        // docs/analytics.md: Mon–Fri 09:00–17:00 at UTC+1. A post on Friday 6 March 2026 at
        // 16:30 local (15:30 UTC) answered on Monday at 09:20 local: 30 + 20 = 50 minutes.
        let c = BusinessCalendar::weekdays(9 * 60, 17 * 60, 60);
        let asked = datetime!(2026-03-06 15:30 UTC);
        let answered = datetime!(2026-03-09 08:20 UTC);
        assert_eq!(c.business_seconds(asked, answered), 50.0 * 60.0);
        let mut h = c.clone();
        h.holidays.push(date!(2026 - 03 - 09));
        // Monday is a holiday: only Friday's 30 minutes count up to Monday 09:20.
        assert_eq!(h.business_seconds(asked, answered), 30.0 * 60.0);
    }

    #[test]
    fn huge_spans_terminate() {
        let c = BusinessCalendar::weekdays(0, 1440, 0);
        let a = datetime!(2000-01-01 0:00 UTC);
        let s = c.business_seconds(a, datetime!(9000-01-01 0:00 UTC));
        assert!(s > 0.0 && s.is_finite());
    }
}
