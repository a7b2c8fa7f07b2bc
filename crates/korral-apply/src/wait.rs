//! Waiting until applied objects are ready, by kstatus rules, and saying exactly why
//! when they are not.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use korral_core::{FileId, Object, Source};
use korral_kube::{LogOptions, Resource, log_lines};
use korral_status::{Health, ReadyOptions, is_hard_failure, pod_issue, readiness};
use serde::Serialize;
use serde_json::Value;

use crate::api::Cluster;
use crate::error::Result;
use crate::manifest::ObjectId;
use crate::progress::{Event, Progress};

/// How to wait.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// When to give up.
    pub deadline: Instant,
    /// How long a failure must last before it fails the deploy: a pod that crashes once
    /// while its dependency starts is not a failed rollout.
    pub failure_grace: Duration,
    /// How often to look.
    pub poll: Duration,
    /// What readiness waits for beyond the defaults.
    pub ready: ReadyOptions,
}

/// An object that did not get ready, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The object.
    pub id: ObjectId,
    /// Why, in words (`pod shop/web-7d4-x2x4q: ImagePullBackOff: …`), or what it still
    /// waited for at the deadline.
    pub message: String,
    /// The pod at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Its reason (`ImagePullBackOff`, `CrashLoopBackOff`, `OOMKilled`, `Unschedulable`,
    /// `ProgressDeadlineExceeded`, `Timeout`, …).
    pub reason: String,
    /// The last lines of the failing container's log (CrashLoopBackOff, errors).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
}

/// A member to wait for.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub id: ObjectId,
    pub resource: Resource,
}

/// A pod-level problem found for a workload.
struct PodProblem {
    pod: String,
    namespace: String,
    reason: String,
    container: Option<String>,
    message: String,
}

/// Kinds whose pods are looked at when they are not ready.
fn runs_pods(id: &ObjectId) -> bool {
    matches!(
        (id.group.as_str(), id.kind.as_str()),
        (
            "apps",
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
        ) | ("batch", "Job")
            | ("", "ReplicationController")
    )
}

/// Waits until every member is ready. `Ok(vec![])` when all are; the failures
/// otherwise (a failure that lasted the grace period, or what was not ready at the
/// deadline).
#[allow(clippy::too_many_lines)] // one look at every member per round
pub(crate) async fn wait_ready(
    cluster: &Cluster,
    members: &[Member],
    selector: &str,
    options: &WaitOptions,
    progress: &mut dyn Progress,
) -> Result<Vec<Failure>> {
    let mut shown: HashMap<ObjectId, String> = HashMap::new();
    let mut ready: HashMap<ObjectId, bool> = HashMap::new();
    let mut failing_since: HashMap<ObjectId, (Instant, String)> = HashMap::new();
    loop {
        let now = Instant::now();
        let live = read(cluster, members, selector).await?;
        let mut pods_by_namespace: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut sets_by_namespace: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut pending: Vec<(ObjectId, String, Option<PodProblem>)> = Vec::new();
        let mut failures = Vec::new();
        for member in members {
            let object = live.get(&member.id);
            let (health, message) = match object {
                None => (Health::InProgress, "not found".to_owned()),
                Some(object) => {
                    let r = readiness(object, &options.ready);
                    (r.health, r.message)
                }
            };
            if health == Health::Current {
                if ready.insert(member.id.clone(), true) != Some(true) {
                    progress.event(Event::Ready {
                        id: member.id.clone(),
                    });
                }
                failing_since.remove(&member.id);
                continue;
            }
            ready.insert(member.id.clone(), false);
            let problem = match object {
                Some(object) if runs_pods(&member.id) || member.id.kind == "Pod" => {
                    let namespace = member.id.namespace.clone();
                    if !pods_by_namespace.contains_key(&namespace) {
                        let pods = pods_in(cluster, &namespace).await?;
                        pods_by_namespace.insert(namespace.clone(), pods);
                    }
                    let revision = match member.id.kind.as_str() {
                        // Until its controller has seen the new spec, no pod is of the
                        // new template yet: none can fail it.
                        "Deployment" if !observed(object) => {
                            Some(("pod-template-hash", String::from("(not yet created)")))
                        }
                        "Deployment" => {
                            if !sets_by_namespace.contains_key(&namespace) {
                                let sets = replica_sets_in(cluster, &namespace).await?;
                                sets_by_namespace.insert(namespace.clone(), sets);
                            }
                            current_template(object, &sets_by_namespace[&namespace])
                        }
                        "StatefulSet" => object
                            .pointer("/status/updateRevision")
                            .and_then(Value::as_str)
                            .map(|r| ("controller-revision-hash", r.to_owned())),
                        _ => None,
                    };
                    pod_problem(object, &pods_by_namespace[&namespace], revision.as_ref())
                }
                _ => None,
            };
            let failing = health == Health::Failed
                || problem.as_ref().is_some_and(|p| is_hard_failure(&p.reason));
            if failing {
                let text = match &problem {
                    Some(p) => format!("{message}; {}", p.describe()),
                    None => message.clone(),
                };
                let since = failing_since
                    .entry(member.id.clone())
                    .or_insert_with(|| (now, text.clone()));
                since.1.clone_from(&text);
                if shown.get(&member.id) != Some(&text) {
                    progress.event(Event::Failing {
                        id: member.id.clone(),
                        message: text.clone(),
                    });
                    shown.insert(member.id.clone(), text.clone());
                }
                if now.duration_since(since.0) >= options.failure_grace {
                    failures.push(failure(cluster, &member.id, text, health, problem).await);
                } else {
                    // Within the grace period it may still recover: keep waiting.
                    pending.push((member.id.clone(), text, problem));
                }
                continue;
            }
            failing_since.remove(&member.id);
            let text = match &problem {
                Some(p) => format!("{message}; {}", p.describe()),
                None => message.clone(),
            };
            if shown.get(&member.id) != Some(&text) {
                progress.event(Event::Waiting {
                    id: member.id.clone(),
                    message: text.clone(),
                });
                shown.insert(member.id.clone(), text.clone());
            }
            pending.push((member.id.clone(), text, problem));
        }
        if !failures.is_empty() {
            return Ok(failures);
        }
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        if now >= options.deadline {
            let mut out = Vec::new();
            for (id, text, problem) in pending {
                let mut f = failure(cluster, &id, text, Health::InProgress, problem).await;
                if f.pod.is_none() {
                    "Timeout".clone_into(&mut f.reason);
                }
                f.message = format!("not ready before the timeout: {}", f.message);
                out.push(f);
            }
            return Ok(out);
        }
        let left = options.deadline.saturating_duration_since(now);
        tokio::time::sleep(options.poll.min(left)).await;
    }
}

impl PodProblem {
    fn describe(&self) -> String {
        let mut text = format!("pod {}/{}: {}", self.namespace, self.pod, self.reason);
        if let Some(container) = &self.container {
            let _ = write!(text, " (container {container})");
        }
        if !self.message.is_empty() {
            text.push_str(": ");
            text.push_str(&self.message);
        }
        korral_core::terminal::escape(&text).into_owned()
    }
}

async fn failure(
    cluster: &Cluster,
    id: &ObjectId,
    message: String,
    health: Health,
    problem: Option<PodProblem>,
) -> Failure {
    let reason = match (&problem, health) {
        (Some(p), _) => p.reason.clone(),
        (None, Health::Failed) => message
            .split(':')
            .next()
            .filter(|w| !w.contains(' '))
            .unwrap_or("Failed")
            .to_owned(),
        (None, _) => "NotReady".to_owned(),
    };
    let mut logs = Vec::new();
    if let Some(p) = &problem
        && matches!(
            p.reason.as_str(),
            "CrashLoopBackOff" | "OOMKilled" | "Failed" | "Error"
        )
    {
        logs = last_lines(cluster, &p.namespace, &p.pod, p.container.as_deref()).await;
    }
    Failure {
        id: id.clone(),
        message,
        pod: problem
            .as_ref()
            .map(|p| format!("{}/{}", p.namespace, p.pod)),
        reason,
        logs,
    }
}

/// The last 10 lines of a container's log; none when they cannot be read.
async fn last_lines(
    cluster: &Cluster,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
) -> Vec<String> {
    let options = LogOptions {
        container: container.map(str::to_owned),
        tail_lines: Some(10),
        ..LogOptions::default()
    };
    let Ok(stream) = log_lines(cluster.client(), namespace, pod, &options).await else {
        return Vec::new();
    };
    let lines: Vec<_> = stream.take(10).collect().await;
    lines
        .into_iter()
        .filter_map(std::result::Result::ok)
        .map(|l| korral_core::terminal::escape(&l).into_owned())
        .collect()
}

/// The members as the server has them now: one list per resource and namespace, by
/// the set's label.
async fn read(
    cluster: &Cluster,
    members: &[Member],
    selector: &str,
) -> Result<HashMap<ObjectId, Value>> {
    let groups: BTreeSet<(Resource, String)> = members
        .iter()
        .map(|m| (m.resource.clone(), m.id.namespace.clone()))
        .collect();
    let mut out = HashMap::new();
    for (resource, namespace) in groups {
        let ns = (!namespace.is_empty()).then_some(namespace.as_str());
        for object in cluster.list(&resource, ns, selector).await? {
            out.insert(ObjectId::of(&object), object);
        }
    }
    Ok(out)
}

async fn pods_in(cluster: &Cluster, namespace: &str) -> Result<Vec<Value>> {
    let pod = Resource::new("v1", "Pod", "pods", true);
    cluster.list(&pod, Some(namespace), "").await
}

/// Whether a workload's controller has seen its current spec.
fn observed(object: &Value) -> bool {
    let generation = object
        .pointer("/metadata/generation")
        .and_then(Value::as_i64);
    let observed = object
        .pointer("/status/observedGeneration")
        .and_then(Value::as_i64);
    generation.is_none() || observed >= generation
}

async fn replica_sets_in(cluster: &Cluster, namespace: &str) -> Result<Vec<Value>> {
    let sets = Resource::new("apps/v1", "ReplicaSet", "replicasets", true);
    cluster.list(&sets, Some(namespace), "").await
}

/// The label that marks a Deployment's pods of its current template: the
/// `pod-template-hash` of the ReplicaSet it owns at its own revision
/// (`deployment.kubernetes.io/revision`). The old template's pods, crashing or not, are
/// what the rollout replaces: they do not fail it.
fn current_template(deployment: &Value, sets: &[Value]) -> Option<(&'static str, String)> {
    const REVISION: &str = "deployment.kubernetes.io/revision";
    let uid = deployment
        .pointer("/metadata/uid")
        .and_then(Value::as_str)?;
    let revision = deployment
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(REVISION))
        .and_then(Value::as_str)?;
    sets.iter()
        .filter(|set| {
            set.pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|owners| {
                    owners
                        .iter()
                        .any(|o| o.get("uid").and_then(Value::as_str) == Some(uid))
                })
        })
        .find(|set| {
            set.pointer("/metadata/annotations")
                .and_then(|a| a.get(REVISION))
                .and_then(Value::as_str)
                == Some(revision)
        })
        .and_then(|set| set.pointer("/metadata/labels/pod-template-hash"))
        .and_then(Value::as_str)
        .map(|hash| ("pod-template-hash", hash.to_owned()))
}

/// The worst problem among the pods a workload (or a pod) runs; with `current`, only
/// among its pods of the current template (a label and its value).
fn pod_problem(
    object: &Value,
    pods: &[Value],
    current: Option<&(&str, String)>,
) -> Option<PodProblem> {
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let candidates: Vec<&Value> = if kind == "Pod" {
        vec![object]
    } else {
        let selector = object.pointer("/spec/selector/matchLabels").or_else(|| {
            // Jobs generate their selector; ReplicationControllers have a plain map.
            object
                .pointer("/spec/selector")
                .filter(|s| s.get("matchLabels").is_none())
        })?;
        let selector = selector.as_object()?;
        if selector.is_empty() {
            return None;
        }
        pods.iter()
            .filter(|pod| {
                let labels = pod.pointer("/metadata/labels");
                selector
                    .iter()
                    .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
                    && current.is_none_or(|(key, value)| {
                        labels.and_then(|l| l.get(*key)).and_then(Value::as_str)
                            == Some(value.as_str())
                    })
            })
            .collect()
    };
    let options = korral_status::Options {
        pending_after: jiff::SignedDuration::ZERO,
        ..korral_status::Options::live()
    };
    let mut best: Option<PodProblem> = None;
    for pod in candidates {
        let Ok(object) = Object::from_json(
            &pod.to_string(),
            Source {
                file: FileId(0),
                line: 0,
            },
        ) else {
            continue;
        };
        let Some(issue) = pod_issue(&object, &options) else {
            continue;
        };
        let hard = is_hard_failure(&issue.reason);
        if best
            .as_ref()
            .is_some_and(|b| is_hard_failure(&b.reason) || !hard)
        {
            continue;
        }
        best = Some(PodProblem {
            pod: issue.name,
            namespace: issue.namespace,
            reason: issue.reason,
            container: issue.container,
            message: issue.message.unwrap_or_default(),
        });
    }
    best
}
