//! Queue admission: which waiting runs start now, and for the others their place, why
//! they wait and when they may start. Pure functions over the queue's runs.
//!
//! Runs are ordered by priority (higher first), then by creation, then by name, and
//! admitted strictly in that order: a run that does not fit holds back the runs behind
//! it, so that a large important run is not starved by small ones slipping past.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use korral_core::Quantity;
use serde::Serialize;
use serde_json::Value;

/// Amounts of resources by name (`cpu` in cores, `memory` in bytes, `nvidia.com/gpu`).
pub type Resources = BTreeMap<String, f64>;

/// A queue's limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// The most runs at once.
    pub max_concurrent: Option<u32>,
    /// The most of each resource the running runs may request together.
    pub budget: Resources,
    /// What the other queues of the cohort do not use and lend.
    pub borrowable: Resources,
}

impl Limits {
    /// From a Queue's spec; a quantity that does not parse is an error naming it.
    pub fn from_spec(spec: &crate::resources::QueueSpec) -> Result<Self, String> {
        let mut budget = Resources::new();
        for (name, text) in &spec.resources {
            let q = text
                .parse::<Quantity>()
                .map_err(|e| format!("spec.resources.{name}: {e}"))?;
            budget.insert(name.clone(), q.0);
        }
        Ok(Self {
            max_concurrent: spec.max_concurrent,
            budget,
            borrowable: Resources::new(),
        })
    }
}

/// A run waiting for its queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    /// The run's name.
    pub name: String,
    /// Its priority.
    pub priority: i32,
    /// When it was created.
    pub created: Timestamp,
    /// What its pod requests.
    pub requests: Resources,
}

/// A run holding a place in the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Active {
    /// The run's name.
    pub name: String,
    /// What its pod requests.
    pub requests: Resources,
    /// When its current attempt started.
    pub started: Option<Timestamp>,
}

/// The verdict on one waiting run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The run's name.
    pub name: String,
    /// Start it now.
    pub admit: bool,
    /// Its place among the waiting, 1 first (0 when admitted).
    pub position: u32,
    /// Why it waits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it may start, from recent run durations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_start: Option<Timestamp>,
}

/// The order runs are admitted in.
pub fn order(waiting: &mut [Waiting]) {
    waiting.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(a.created.cmp(&b.created))
            .then(a.name.cmp(&b.name))
    });
}

fn sum(active: &[Active]) -> Resources {
    let mut used = Resources::new();
    for run in active {
        for (name, amount) in &run.requests {
            *used.entry(name.clone()).or_default() += amount;
        }
    }
    used
}

/// The first resource `requests` would take past the budget (and what the cohort
/// lends): `(name, requested, free)`.
fn short(limits: &Limits, used: &Resources, requests: &Resources) -> Option<(String, f64, f64)> {
    limits.budget.iter().find_map(|(name, cap)| {
        let want = requests.get(name).copied().unwrap_or_default();
        let free = cap + limits.borrowable.get(name).copied().unwrap_or_default()
            - used.get(name).copied().unwrap_or_default();
        (want > free + 1e-9).then(|| (name.clone(), want, free.max(0.0)))
    })
}

fn amount(name: &str, value: f64) -> String {
    match name {
        "cpu" => Quantity(value).millicores(),
        "memory" => Quantity(value).mebibytes(),
        _ => format!("{value}"),
    }
}

/// Decides for every waiting run (in any order; they are sorted here). `typical` is
/// how long a run of this queue usually takes (the median of recent ones), for the
/// estimates; none gives none.
pub fn admit(
    limits: &Limits,
    active: &[Active],
    waiting: &[Waiting],
    now: Timestamp,
    typical: Option<SignedDuration>,
) -> Vec<Verdict> {
    let mut waiting = waiting.to_vec();
    order(&mut waiting);
    let mut used = sum(active);
    let mut running = u32::try_from(active.len()).unwrap_or(u32::MAX);
    let mut verdicts = Vec::with_capacity(waiting.len());
    let mut blocked: Option<String> = None;
    let mut position = 0;
    for run in &waiting {
        let full = limits.max_concurrent.is_some_and(|m| running >= m);
        let reason = if let Some(why) = &blocked {
            Some(why.clone())
        } else if full {
            Some(format!(
                "the queue is full: {running} of {} runs running",
                limits.max_concurrent.unwrap_or_default()
            ))
        } else {
            short(limits, &used, &run.requests).map(|(name, want, free)| {
                format!(
                    "needs {name} {} and {} is free in the queue's budget",
                    amount(&name, want),
                    amount(&name, free)
                )
            })
        };
        match reason {
            None => {
                running += 1;
                for (name, a) in &run.requests {
                    *used.entry(name.clone()).or_default() += a;
                }
                verdicts.push(Verdict {
                    name: run.name.clone(),
                    admit: true,
                    position: 0,
                    reason: None,
                    estimated_start: Some(now),
                });
            }
            Some(reason) => {
                position += 1;
                if blocked.is_none() {
                    blocked = Some(format!("waits behind `{}`: {reason}", run.name));
                }
                verdicts.push(Verdict {
                    name: run.name.clone(),
                    admit: false,
                    position,
                    reason: Some(reason),
                    estimated_start: None,
                });
            }
        }
    }
    if let Some(typical) = typical {
        estimate(&mut verdicts, limits, active, now, typical);
    }
    verdicts
}

/// Estimated starts: each run takes `typical`; slots free up as the active runs end
/// (those past their typical time any moment now).
fn estimate(
    verdicts: &mut [Verdict],
    limits: &Limits,
    active: &[Active],
    now: Timestamp,
    typical: SignedDuration,
) {
    let slots = limits
        .max_concurrent
        .map_or(usize::MAX, |m| m as usize)
        .max(1);
    let mut ends: Vec<Timestamp> = active
        .iter()
        .map(|a| {
            let end = a
                .started
                .and_then(|s| s.checked_add(typical).ok())
                .unwrap_or(now);
            end.max(now)
        })
        .collect();
    // Slots free now (admitted this round take one each from now).
    let admitted = verdicts.iter().filter(|v| v.admit).count();
    ends.extend(std::iter::repeat_n(
        now.checked_add(typical).unwrap_or(now),
        admitted,
    ));
    ends.sort();
    for v in verdicts.iter_mut().filter(|v| !v.admit) {
        let start = if ends.len() < slots {
            now
        } else {
            ends.remove(0)
        };
        v.estimated_start = Some(start);
        let end = start.checked_add(typical).unwrap_or(start);
        let at = ends.partition_point(|e| *e <= end);
        ends.insert(at, end);
    }
}

/// The median of durations; none for none.
pub fn median(mut durations: Vec<SignedDuration>) -> Option<SignedDuration> {
    if durations.is_empty() {
        return None;
    }
    durations.sort();
    Some(durations[durations.len() / 2])
}

/// What a pod made from `template` requests, with `resources` replacing the first
/// container's: the sum of its containers' requests (a limit stands for a missing
/// request, as the API server defaults it).
pub fn requests(template: &Value, resources: Option<&Value>) -> Resources {
    let mut total = Resources::new();
    let containers = template
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, container) in containers.iter().enumerate() {
        let r = match (i, resources) {
            (0, Some(r)) => r,
            _ => container.get("resources").unwrap_or(&Value::Null),
        };
        let mut each = Resources::new();
        for part in ["limits", "requests"] {
            if let Some(map) = r.get(part).and_then(Value::as_object) {
                for (name, q) in map {
                    let text = q.as_str().map_or_else(|| q.to_string(), str::to_owned);
                    if let Ok(q) = text.parse::<Quantity>() {
                        each.insert(name.clone(), q.0);
                    }
                }
            }
        }
        for (name, a) in each {
            *total.entry(name).or_default() += a;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn waiting(name: &str, priority: i32, created: i64, cpu: f64) -> Waiting {
        Waiting {
            name: name.to_owned(),
            priority,
            created: t(created),
            requests: [("cpu".to_owned(), cpu)].into(),
        }
    }

    fn active(name: &str, cpu: f64, started: i64) -> Active {
        Active {
            name: name.to_owned(),
            requests: [("cpu".to_owned(), cpu)].into(),
            started: Some(t(started)),
        }
    }

    fn limits(max: Option<u32>, cpu: Option<f64>) -> Limits {
        Limits {
            max_concurrent: max,
            budget: cpu.map(|c| ("cpu".to_owned(), c)).into_iter().collect(),
            borrowable: Resources::new(),
        }
    }

    fn admitted(verdicts: &[Verdict]) -> Vec<&str> {
        verdicts
            .iter()
            .filter(|v| v.admit)
            .map(|v| v.name.as_str())
            .collect()
    }

    #[test]
    fn priority_then_age_then_name() {
        let runs = [
            waiting("low", 1, 0, 1.0),
            waiting("high", 10, 5, 1.0),
            waiting("mid-b", 5, 1, 1.0),
            waiting("mid-a", 5, 1, 1.0),
            waiting("mid-old", 5, 0, 1.0),
        ];
        let v = admit(&limits(Some(1), None), &[], &runs, t(10), None);
        assert_eq!(admitted(&v), ["high"]);
        let order: Vec<(&str, u32)> = v.iter().map(|v| (v.name.as_str(), v.position)).collect();
        assert_eq!(
            order,
            [
                ("high", 0),
                ("mid-old", 1),
                ("mid-a", 2),
                ("mid-b", 3),
                ("low", 4)
            ]
        );
        assert_eq!(
            v[1].reason.as_deref(),
            Some("the queue is full: 1 of 1 runs running")
        );
        assert_eq!(
            v[2].reason.as_deref(),
            Some("waits behind `mid-old`: the queue is full: 1 of 1 runs running")
        );
    }

    #[test]
    fn running_runs_take_their_places() {
        let v = admit(
            &limits(Some(2), None),
            &[active("a", 1.0, 0), active("b", 1.0, 0)],
            &[waiting("c", 0, 0, 1.0)],
            t(10),
            None,
        );
        assert!(admitted(&v).is_empty());
        let v = admit(
            &limits(Some(3), None),
            &[active("a", 1.0, 0), active("b", 1.0, 0)],
            &[waiting("c", 0, 0, 1.0), waiting("d", 0, 1, 1.0)],
            t(10),
            None,
        );
        assert_eq!(admitted(&v), ["c"]);
    }

    #[test]
    fn the_budget_holds_back_what_does_not_fit_and_everything_behind_it() {
        let v = admit(
            &limits(None, Some(4.0)),
            &[active("a", 1.5, 0)],
            &[waiting("big", 9, 0, 3.0), waiting("small", 0, 0, 0.5)],
            t(10),
            None,
        );
        assert!(admitted(&v).is_empty(), "{v:?}");
        assert_eq!(
            v[0].reason.as_deref(),
            Some("needs cpu 3000m and 2500m is free in the queue's budget")
        );
        assert!(
            v[1].reason
                .as_deref()
                .unwrap()
                .starts_with("waits behind `big`")
        );
        let v = admit(
            &limits(None, Some(4.0)),
            &[active("a", 1.0, 0)],
            &[waiting("big", 9, 0, 3.0), waiting("small", 0, 0, 0.5)],
            t(10),
            None,
        );
        assert_eq!(admitted(&v), ["big"]);
    }

    #[test]
    fn a_cohort_lends_its_unused_budget() {
        let mut l = limits(None, Some(2.0));
        let runs = [waiting("big", 0, 0, 3.0)];
        assert!(admitted(&admit(&l, &[], &runs, t(0), None)).is_empty());
        l.borrowable.insert("cpu".to_owned(), 1.0);
        assert_eq!(admitted(&admit(&l, &[], &runs, t(0), None)), ["big"]);
    }

    #[test]
    fn estimates_follow_the_slots() {
        // One slot, a run started 30 s ago, runs take 60 s: the first waiting run
        // starts in 30 s, the next 60 s later.
        let v = admit(
            &limits(Some(1), None),
            &[active("a", 1.0, 0)],
            &[waiting("b", 0, 0, 1.0), waiting("c", 0, 1, 1.0)],
            t(30),
            Some(SignedDuration::from_secs(60)),
        );
        let starts: Vec<Option<Timestamp>> = v.iter().map(|v| v.estimated_start).collect();
        assert_eq!(starts, [Some(t(60)), Some(t(120))]);
    }

    #[test]
    #[allow(clippy::float_cmp)] // sums of exact binary fractions
    fn medians_and_requests() {
        assert_eq!(median(Vec::new()), None);
        let d = |s| SignedDuration::from_secs(s);
        assert_eq!(median(vec![d(5), d(1), d(100)]), Some(d(5)));
        let template = json!({"spec": {"containers": [
            {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
            {"name": "b", "resources": {"limits": {"cpu": "1", "nvidia.com/gpu": "1"}}}]}});
        let r = requests(&template, None);
        assert_eq!(r["cpu"], 1.25);
        assert_eq!(r["memory"], 64.0 * 1_048_576.0);
        assert_eq!(r["nvidia.com/gpu"], 1.0);
        let over = json!({"requests": {"cpu": "2"}});
        assert_eq!(requests(&template, Some(&over))["cpu"], 3.0);
    }

    #[test]
    fn a_bad_budget_is_named() {
        let spec = crate::resources::QueueSpec {
            resources: [("cpu".to_owned(), "lots".to_owned())].into(),
            ..Default::default()
        };
        let err = Limits::from_spec(&spec).unwrap_err();
        assert!(err.starts_with("spec.resources.cpu: `lots`"), "{err}");
    }
}
