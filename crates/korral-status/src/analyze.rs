use std::fmt::Write as _;

use jiff::{SignedDuration, Timestamp};
use korral_core::{Object, ObjectSet};

use crate::report::{
    ClaimIssue, EventLine, JobIssue, NodeIssue, NodeSummary, NotDeployed, Report, WorkloadIssue,
};
use crate::{pod, spec};

/// What counts as "too long" and "recent", and where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The time the report is about: now for a live cluster, the snapshot's time for a
    /// dump.
    pub now: Timestamp,
    /// A pod Pending this long is reported (`Unschedulable` or `Pending`). Default 5
    /// minutes; zero reports a Pending pod at once.
    pub pending_after: SignedDuration,
    /// Warning events newer than this are reported. Default 1 hour.
    pub event_window: SignedDuration,
    /// Only this namespace (nodes are always shown).
    pub namespace: Option<String>,
}

impl Options {
    /// Defaults, at the current time: for a live cluster.
    pub fn live() -> Self {
        Self::at(Timestamp::now())
    }

    /// Defaults, at the time a snapshot was taken: the newest timestamp in it (object
    /// creation, event times). A dump read a week later then reads as it did.
    pub fn for_snapshot(set: &ObjectSet) -> Self {
        let newest = set
            .objects()
            .iter()
            .flat_map(|o| {
                let created = o
                    .metadata()
                    .creation_timestamp
                    .as_deref()
                    .and_then(parse_time);
                let event = (o.kind() == "Event")
                    .then(|| o.raw().parse::<spec::Event>().ok())
                    .flatten()
                    .and_then(|e| event_time(&e));
                [created, event]
            })
            .flatten()
            .max();
        Self::at(newest.unwrap_or_else(Timestamp::now))
    }

    /// Defaults, at `now`: for tests, and callers that keep their own clock.
    pub fn at(now: Timestamp) -> Self {
        Self {
            now,
            pending_after: SignedDuration::from_mins(5),
            event_window: SignedDuration::from_hours(1),
            namespace: None,
        }
    }
}

pub(crate) fn parse_time(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

fn event_time(event: &spec::Event) -> Option<Timestamp> {
    [
        event
            .series
            .as_ref()
            .and_then(|s| s.last_observed_time.as_deref()),
        event.last_timestamp.as_deref(),
        event.deprecated_last_timestamp.as_deref(),
        event.event_time.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find_map(parse_time)
}

/// Reads the health of everything in `set`.
///
/// Every document is judged where it stands ([`ObjectSet::documents`]): when files
/// define an object twice, each definition is reported with its own `file:line`. An
/// object with no status recorded (a manifest never applied) is listed as not
/// deployed, neither healthy nor broken.
#[allow(clippy::too_many_lines)] // one pass over the kinds the report reads, in report order
pub fn analyze(set: &ObjectSet, options: &Options) -> Report {
    let mut report = Report::default();
    let (mut workloads, mut pods, mut claims, mut jobs) = (0, 0, 0, 0);
    // The same Event read through both APIs (core `v1` and `events.k8s.io/v1`, as two
    // dumps of one cluster hold it) is one event: counted once, by uid.
    let mut event_uids = std::collections::HashSet::new();
    let in_scope = |o: &Object| {
        options
            .namespace
            .as_deref()
            .is_none_or(|ns| o.namespace().is_none_or(|n| n == ns))
    };
    // Live objects have no file to point at.
    let from_files = !set.files().is_empty();
    let at = |object: &Object| from_files.then(|| set.location(object));
    for object in set.documents().filter(|o| in_scope(o)) {
        let judged = matches!(
            (object.group(), object.kind()),
            ("", "Node" | "Pod" | "PersistentVolumeClaim")
                | ("apps", "Deployment" | "StatefulSet" | "DaemonSet")
                | ("batch", "Job")
        );
        if judged
            && !object
                .raw()
                .parse::<spec::Recorded>()
                .unwrap_or_default()
                .any()
        {
            report.not_deployed.push(NotDeployed {
                kind: object.kind().to_owned(),
                namespace: ns(object),
                name: object.name().to_owned(),
                source: at(object),
            });
            continue;
        }
        let source = at(object);
        match (object.group(), object.kind()) {
            ("", "Node") => node(object, source, &mut report.nodes),
            ("apps", kind @ ("Deployment" | "StatefulSet" | "DaemonSet")) => {
                workloads += 1;
                report.workloads.extend(workload(object, kind, source));
            }
            ("", "Pod") => {
                pods += 1;
                report.pods.extend(pod::issue(object, options, source));
            }
            ("", "PersistentVolumeClaim") => {
                claims += 1;
                let phase = object
                    .raw()
                    .parse::<spec::Claim>()
                    .ok()
                    .and_then(|c| c.status.phase);
                if let Some(phase @ ("Pending" | "Lost")) = phase.as_deref() {
                    report.claims.push(ClaimIssue {
                        namespace: ns(object),
                        name: object.name().to_owned(),
                        phase: phase.to_owned(),
                        source,
                    });
                }
            }
            ("batch", "Job") => {
                jobs += 1;
                report.jobs.extend(job(object, source));
            }
            ("" | "events.k8s.io", "Event") => {
                let uid = object.metadata().uid.as_deref();
                if uid.is_none_or(|uid| event_uids.insert(uid)) {
                    report.events.extend(event(object, options));
                }
            }
            _ => {}
        }
    }
    report.nodes.issues.sort_by(|a, b| a.name.cmp(&b.name));
    report
        .workloads
        .sort_by(|a, b| (&a.namespace, &a.name, &a.kind).cmp(&(&b.namespace, &b.name, &b.kind)));
    report
        .pods
        .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    report
        .claims
        .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    report
        .jobs
        .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    report.not_deployed.sort_by(|a, b| {
        (&a.namespace, &a.kind, &a.name, &a.source).cmp(&(
            &b.namespace,
            &b.kind,
            &b.name,
            &b.source,
        ))
    });
    // Newest first; ties in a stable order.
    report.events.sort_by(|a, b| {
        (&b.last_seen, &a.namespace, &a.object, &a.reason).cmp(&(
            &a.last_seen,
            &b.namespace,
            &b.object,
            &b.reason,
        ))
    });

    let not_ready = report.nodes.total - report.nodes.ready;
    report.healthy = report
        .nodes
        .issues
        .iter()
        .all(|n| n.problems == ["Cordoned"])
        && report.workloads.is_empty()
        && report.pods.is_empty()
        && report.claims.is_empty()
        && report.jobs.is_empty();
    report.summary = format!(
        "{}: {} node{} ({not_ready} not ready), {workloads} workload{} ({} short), {pods} pod{} ({} failing), {claims} claim{} ({} pending), {jobs} job{} ({} failed), {} warning event{}",
        if report.healthy {
            "healthy"
        } else {
            "unhealthy"
        },
        report.nodes.total,
        plural(report.nodes.total),
        plural(workloads),
        report.workloads.len(),
        plural(pods),
        report.pods.len(),
        plural(claims),
        report.claims.len(),
        plural(jobs),
        report.jobs.len(),
        report.events.len(),
        plural(report.events.len()),
    );
    if !report.not_deployed.is_empty() {
        let count = report.not_deployed.len();
        let _ = write!(
            report.summary,
            "; {count} object{} with no status (not deployed, health unknown)",
            plural(count)
        );
    }
    report
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn ns(object: &Object) -> String {
    object.namespace().unwrap_or_default().to_owned()
}

fn node(object: &Object, source: Option<String>, summary: &mut NodeSummary) {
    summary.total += 1;
    let node = object.raw().parse::<spec::Node>().unwrap_or_default();
    let mut problems = Vec::new();
    let mut message = None;
    match node.status.conditions.iter().find(|c| c.kind == "Ready") {
        Some(ready) if ready.status == "True" => summary.ready += 1,
        Some(ready) => {
            problems.push(
                if ready.status == "Unknown" {
                    "Unknown"
                } else {
                    "NotReady"
                }
                .to_owned(),
            );
            message.clone_from(&ready.message);
        }
        None => problems.push("Unknown".to_owned()),
    }
    for condition in &node.status.conditions {
        let pressure = matches!(
            condition.kind.as_str(),
            "MemoryPressure" | "DiskPressure" | "PIDPressure" | "NetworkUnavailable"
        );
        if pressure && condition.status == "True" {
            problems.push(condition.kind.clone());
        }
    }
    if node.spec.unschedulable {
        problems.push("Cordoned".to_owned());
    }
    if !problems.is_empty() {
        summary.issues.push(NodeIssue {
            name: object.name().to_owned(),
            problems,
            message,
            source,
        });
    }
}

fn workload(object: &Object, kind: &str, source: Option<String>) -> Option<WorkloadIssue> {
    let workload = object.raw().parse::<spec::Workload>().unwrap_or_default();
    let (desired, ready) = if kind == "DaemonSet" {
        (
            workload.status.desired_number_scheduled.unwrap_or(0),
            workload.status.number_ready.unwrap_or(0),
        )
    } else {
        (
            workload.spec.replicas.unwrap_or(1),
            workload.status.ready_replicas.unwrap_or(0),
        )
    };
    (ready < desired).then(|| WorkloadIssue {
        kind: kind.to_owned(),
        namespace: ns(object),
        name: object.name().to_owned(),
        desired,
        ready,
        source,
    })
}

fn job(object: &Object, source: Option<String>) -> Option<JobIssue> {
    let job = object.raw().parse::<spec::Job>().ok()?;
    let failed = job
        .status
        .conditions
        .into_iter()
        .find(|c| c.kind == "Failed" && c.status == "True")?;
    Some(JobIssue {
        namespace: ns(object),
        name: object.name().to_owned(),
        reason: failed.reason.unwrap_or_else(|| "Failed".to_owned()),
        message: failed.message,
        source,
    })
}

fn event(object: &Object, options: &Options) -> Option<EventLine> {
    let line = event_line(object)?;
    if line.kind != "Warning" {
        return None;
    }
    let when = line.last_seen.as_deref().and_then(parse_time);
    if when.is_some_and(|t| options.now.duration_since(t) > options.event_window) {
        return None;
    }
    Some(line)
}

/// The events among `objects` as lines, oldest first; one Event read through both APIs
/// (two dumps of one cluster, core/v1 and events.k8s.io/v1) is shown once.
pub fn event_lines<'a>(objects: impl IntoIterator<Item = &'a Object>) -> Vec<EventLine> {
    let mut uids = std::collections::HashSet::new();
    let mut lines: Vec<EventLine> = objects
        .into_iter()
        .filter(|o| {
            o.metadata()
                .uid
                .as_deref()
                .is_none_or(|uid| uids.insert(uid.to_owned()))
        })
        .filter_map(event_line)
        .collect();
    lines.sort_by(|a, b| {
        (&a.last_seen, &a.namespace, &a.object).cmp(&(&b.last_seen, &b.namespace, &b.object))
    });
    lines
}

/// An Event object (core/v1 or events.k8s.io/v1) as one line; `None` for other
/// objects.
pub fn event_line(object: &Object) -> Option<EventLine> {
    if object.kind() != "Event" {
        return None;
    }
    let event = object.raw().parse::<spec::Event>().ok()?;
    let target = event.involved_object.as_ref().or(event.regarding.as_ref());
    Some(EventLine {
        kind: event.kind.clone().unwrap_or_else(|| "Normal".to_owned()),
        namespace: ns(object),
        object: target.map_or_else(String::new, |t| format!("{}/{}", t.kind, t.name)),
        reason: event.reason.clone().unwrap_or_default(),
        message: event
            .message
            .clone()
            .or(event.note.clone())
            .unwrap_or_default(),
        count: event
            .series
            .as_ref()
            .and_then(|s| s.count)
            .or(event.count)
            .or(event.deprecated_count)
            .unwrap_or(1),
        last_seen: event_time(&event).map(|t| t.to_string()),
    })
}

#[cfg(test)]
mod tests;
