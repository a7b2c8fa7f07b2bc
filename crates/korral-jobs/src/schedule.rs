//! When a Schedule starts runs: a pure function of its spec, what it did last, the
//! runs still going and the time now (the controller passes its clock, tests theirs).
//!
//! As CronJob: the fire times since the last one are found; those older than the
//! starting deadline are dropped; of the rest, the newest `catchUp` are started (one,
//! by default); the concurrency policy decides about runs still going. Unlike CronJob,
//! a time zone is any IANA name (the database is built in), catch-up can start more
//! than one missed run, and a manual trigger obeys the same concurrency policy.

use croner::Cron;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::resources::{ConcurrencyPolicy, ScheduleSpec};

/// The most fire times looked at in one pass: a schedule every second that was away
/// for a month must not make the controller count millions of them.
const MAX_SCAN: usize = 10_000;

/// What a schedule is to do now.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// Fire times to start a run for, oldest first.
    pub start: Vec<Timestamp>,
    /// Runs to cancel first (`Replace`).
    pub cancel: Vec<String>,
    /// The newest fire time dealt with (started or skipped): the new
    /// `status.lastScheduleTime`.
    pub last: Option<Timestamp>,
    /// The next fire time after now.
    pub next: Option<Timestamp>,
    /// Why fire times were skipped.
    pub message: Option<String>,
}

/// A schedule's cron expression and time zone, checked.
#[derive(Debug, Clone)]
pub struct Cadence {
    cron: Cron,
    zone: TimeZone,
}

impl Cadence {
    /// Parses `spec.schedule` and `spec.timeZone`; the error names the field and says
    /// what is expected.
    pub fn new(spec: &ScheduleSpec) -> Result<Self, String> {
        let cron = spec.schedule.parse::<Cron>().map_err(|e| {
            format!(
                "spec.schedule `{}` is not a cron expression ({e}); write five fields like `*/15 * * * *` or `@daily`",
                spec.schedule
            )
        })?;
        let zone = match spec.time_zone.as_deref() {
            None | Some("") => TimeZone::UTC,
            Some(name) => TimeZone::get(name).map_err(|_| {
                format!("spec.timeZone `{name}` is not a known time zone; use an IANA name like `Europe/Berlin`")
            })?,
        };
        Ok(Self { cron, zone })
    }

    /// The newest fire time at or before `t`.
    pub fn at_or_before(&self, t: Timestamp) -> Option<Timestamp> {
        self.cron
            .find_previous_occurrence(&t.to_zoned(self.zone.clone()), true)
            .ok()
            .map(|z| z.timestamp())
    }

    /// The first fire time after `t`.
    pub fn after(&self, t: Timestamp) -> Option<Timestamp> {
        self.cron
            .find_next_occurrence(&t.to_zoned(self.zone.clone()), false)
            .ok()
            .map(|z| z.timestamp())
    }
}

/// Plans for a schedule created at `created`, that last fired at `last`, with `active`
/// runs still going, at `now`.
pub fn plan(
    spec: &ScheduleSpec,
    cadence: &Cadence,
    created: Timestamp,
    last: Option<Timestamp>,
    active: &[String],
    now: Timestamp,
) -> Plan {
    let from = last.unwrap_or(created);
    let mut due = Vec::new();
    let mut t = from;
    let mut next = None;
    for _ in 0..MAX_SCAN {
        match cadence.after(t) {
            Some(fire) if fire <= now => {
                due.push(fire);
                t = fire;
            }
            other => {
                next = other;
                break;
            }
        }
    }
    if next.is_none() && due.len() == MAX_SCAN {
        // Still behind after the scan: what was missed before is too old to matter;
        // only the newest fire time counts.
        due = cadence.at_or_before(now).into_iter().collect();
        next = cadence.after(now);
    }
    let mut plan = Plan {
        last,
        next,
        ..Plan::default()
    };
    if spec.suspend {
        if !due.is_empty() {
            plan.message = Some("suspended".to_owned());
        }
        return plan;
    }
    let Some(&newest) = due.last() else {
        return plan;
    };
    plan.last = Some(newest);
    let missed = due.len();
    if let Some(deadline) = spec.starting_deadline_seconds {
        due.retain(|t| now.as_second() - t.as_second() <= deadline);
    }
    let keep = spec.catch_up as usize;
    if due.len() > keep {
        due.drain(..due.len() - keep);
    }
    let mut notes = Vec::new();
    if due.len() < missed {
        notes.push(format!(
            "{} missed start{} skipped (starting deadline or catch-up)",
            missed - due.len(),
            if missed - due.len() == 1 { "" } else { "s" }
        ));
    }
    match spec.concurrency_policy {
        ConcurrencyPolicy::Allow => plan.start = due,
        ConcurrencyPolicy::Forbid => {
            if active.is_empty() {
                // One at a time: only the newest of the missed ones.
                plan.start = due.last().copied().into_iter().collect();
            } else if !due.is_empty() {
                notes.push(format!(
                    "skipped: the concurrency policy is Forbid and `{}` is still running",
                    active[0]
                ));
            }
        }
        ConcurrencyPolicy::Replace => {
            plan.start = due.last().copied().into_iter().collect();
            if !plan.start.is_empty() {
                plan.cancel = active.to_vec();
            }
        }
    }
    if !notes.is_empty() {
        plan.message = Some(notes.join("; "));
    }
    plan
}

/// A manual trigger: `Ok(runs to cancel)` to start a run now, or why not.
pub fn trigger(spec: &ScheduleSpec, active: &[String]) -> Result<Vec<String>, String> {
    match spec.concurrency_policy {
        ConcurrencyPolicy::Forbid if !active.is_empty() => Err(format!(
            "the trigger started nothing: the concurrency policy is Forbid and `{}` is still running",
            active[0]
        )),
        ConcurrencyPolicy::Allow | ConcurrencyPolicy::Forbid => Ok(Vec::new()),
        ConcurrencyPolicy::Replace => Ok(active.to_vec()),
    }
}

/// The name of the run for fire time `t`: `SCHEDULE-UNIXSECONDS`, so that a restarted
/// controller finds the run it already started instead of starting another.
pub fn run_name(schedule: &str, t: Timestamp) -> String {
    format!("{schedule}-{}", t.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::RunSpec;

    fn spec(cron: &str) -> ScheduleSpec {
        ScheduleSpec {
            schedule: cron.to_owned(),
            catch_up: 1,
            run: RunSpec {
                tool: "t".to_owned(),
                ..RunSpec::default()
            },
            ..ScheduleSpec::default()
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn start(s: &ScheduleSpec, last: Option<&str>, active: &[&str], now: &str) -> Plan {
        let cadence = Cadence::new(s).unwrap();
        let active: Vec<String> = active.iter().map(|a| (*a).to_owned()).collect();
        plan(
            s,
            &cadence,
            at("2026-12-06T00:00:00Z"),
            last.map(at),
            &active,
            at(now),
        )
    }

    #[test]
    fn fires_once_per_due_time_and_names_the_next() {
        let s = spec("*/15 * * * *");
        let p = start(&s, None, &[], "2026-12-06T00:14:59Z");
        assert!(p.start.is_empty());
        assert_eq!(p.next, Some(at("2026-12-06T00:15:00Z")));
        let p = start(&s, None, &[], "2026-12-06T00:15:00Z");
        assert_eq!(p.start, [at("2026-12-06T00:15:00Z")]);
        assert_eq!(p.last, Some(at("2026-12-06T00:15:00Z")));
        // Once it fired, the same time does not fire again.
        let p = start(
            &s,
            Some("2026-12-06T00:15:00Z"),
            &[],
            "2026-12-06T00:20:00Z",
        );
        assert!(p.start.is_empty());
    }

    #[test]
    fn time_zones_move_the_fire_time() {
        let mut s = spec("0 9 * * *");
        s.time_zone = Some("Europe/Berlin".to_owned());
        let p = start(&s, None, &[], "2026-12-06T08:00:00Z");
        assert_eq!(p.start, [at("2026-12-06T08:00:00Z")]);
        s.time_zone = Some("Mars/Olympus".to_owned());
        let err = Cadence::new(&s).unwrap_err();
        assert!(err.contains("spec.timeZone `Mars/Olympus`"), "{err}");
    }

    #[test]
    fn a_bad_expression_is_named() {
        let err = Cadence::new(&spec("every tuesday")).unwrap_err();
        assert!(err.starts_with("spec.schedule `every tuesday`"), "{err}");
    }

    #[test]
    fn catch_up_starts_up_to_n_missed_runs() {
        let mut s = spec("0 * * * *");
        let p = start(&s, None, &[], "2026-12-06T05:30:00Z");
        assert_eq!(p.start, [at("2026-12-06T05:00:00Z")]);
        assert_eq!(
            p.message.as_deref(),
            Some("4 missed starts skipped (starting deadline or catch-up)")
        );
        s.catch_up = 3;
        let p = start(&s, None, &[], "2026-12-06T05:30:00Z");
        assert_eq!(
            p.start,
            [
                at("2026-12-06T03:00:00Z"),
                at("2026-12-06T04:00:00Z"),
                at("2026-12-06T05:00:00Z")
            ]
        );
        s.catch_up = 0;
        let p = start(&s, None, &[], "2026-12-06T05:30:00Z");
        assert!(p.start.is_empty());
        assert_eq!(p.last, Some(at("2026-12-06T05:00:00Z")));
    }

    #[test]
    fn the_starting_deadline_drops_late_starts() {
        let mut s = spec("0 * * * *");
        s.starting_deadline_seconds = Some(600);
        assert!(
            start(&s, None, &[], "2026-12-06T01:11:00Z")
                .start
                .is_empty()
        );
        assert_eq!(
            start(&s, None, &[], "2026-12-06T01:09:00Z").start,
            [at("2026-12-06T01:00:00Z")]
        );
    }

    #[test]
    fn concurrency_policies() {
        let mut s = spec("0 * * * *");
        s.catch_up = 2;
        let now = "2026-12-06T02:00:00Z";
        let allow = start(&s, None, &["old"], now);
        assert_eq!(allow.start.len(), 2);
        assert!(allow.cancel.is_empty());
        s.concurrency_policy = ConcurrencyPolicy::Forbid;
        let forbid = start(&s, None, &["old"], now);
        assert!(forbid.start.is_empty());
        assert_eq!(
            forbid.last,
            Some(at(now)),
            "a skipped time is not fired later"
        );
        assert!(forbid.message.unwrap().contains("`old` is still running"));
        assert_eq!(start(&s, None, &[], now).start, [at(now)]);
        s.concurrency_policy = ConcurrencyPolicy::Replace;
        let replace = start(&s, None, &["old"], now);
        assert_eq!(
            (replace.start, replace.cancel),
            (vec![at(now)], vec!["old".to_owned()])
        );
    }

    #[test]
    fn suspended_schedules_start_nothing_and_keep_their_place() {
        let mut s = spec("0 * * * *");
        s.suspend = true;
        let p = start(&s, None, &[], "2026-12-06T02:00:00Z");
        assert!(p.start.is_empty());
        assert_eq!(p.last, None);
        assert_eq!(p.message.as_deref(), Some("suspended"));
    }

    #[test]
    fn a_long_absence_is_bounded() {
        let s = spec("* * * * * *");
        let p = start(&s, None, &[], "2026-12-31T00:00:00Z");
        assert_eq!(p.start, [at("2026-12-31T00:00:00Z")]);
        assert!(p.next.is_some_and(|n| n > at("2026-12-31T00:00:00Z")));
    }

    #[test]
    fn triggers_obey_the_policy() {
        let mut s = spec("0 * * * *");
        let active = ["old".to_owned()];
        assert_eq!(trigger(&s, &active), Ok(Vec::new()));
        s.concurrency_policy = ConcurrencyPolicy::Forbid;
        assert!(trigger(&s, &active).unwrap_err().contains("Forbid"));
        assert_eq!(trigger(&s, &[]), Ok(Vec::new()));
        s.concurrency_policy = ConcurrencyPolicy::Replace;
        assert_eq!(trigger(&s, &active), Ok(vec!["old".to_owned()]));
        assert_eq!(
            run_name("nightly", at("2026-12-06T00:00:00Z")),
            "nightly-1796515200"
        );
    }
}
