//! A small simulation of the controllers a real cluster runs, for tests of rollouts:
//! opt in with [`ServerOptions::controllers`](super::ServerOptions::controllers).
//!
//! Every [`Controllers::tick`] one task reconciles the whole store, writing through it
//! as a client's writes go, so watches see ADDED, MODIFIED and DELETED events and
//! resourceVersions advance; `managedFields` name the real managers
//! (`kube-controller-manager`, `kube-scheduler`, `kubelet`). In order:
//!
//! - **garbage collector** and **namespace controller** ([`gc`]): dependents of a
//!   deleted owner (by `ownerReferences` uid) are deleted; `propagationPolicy`
//!   `Foreground` (finalizer `foregroundDeletion`) keeps the owner until its dependents
//!   with `blockOwnerDeletion` are gone, `Orphan` (finalizer `orphan`) removes the
//!   ownerReferences instead; a terminating Namespace is emptied, then removed;
//! - **Deployment** and **ReplicaSet** controllers ([`deployment`]): a ReplicaSet
//!   `<deployment>-<pod-template-hash>` per pod template, `deployment.kubernetes.io/revision`,
//!   a simplified rolling update, pods `<replicaset>-<5 random>`;
//! - **StatefulSet** and **DaemonSet** controllers ([`sets`]);
//! - **Job** controller ([`job`]);
//! - **scheduler** and **kubelet** ([`kubelet`]): pods get a node and then a status
//!   driven by their images' tags (`:missing`, `:crash`, `:fail`, `:oom`,
//!   `:unschedulable`, `:slow`), as kwok's stages do.

mod deployment;
mod gc;
mod job;
mod kubelet;
mod sets;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::logs::LogLine;
use super::resources::ResourceType;
use super::server::Shared;
use super::store::{Part, Propagation, Store, now_secs};
use crate::synth::timestamp;

/// The simulated controllers' settings. The defaults suit tests: a tick of 50 ms and
/// pod lifecycles of a few ticks.
#[derive(Debug, Clone)]
pub struct Controllers {
    /// How often the controllers reconcile (default 50 ms).
    pub tick: Duration,
    /// The progress deadline of every Deployment, instead of its
    /// `spec.progressDeadlineSeconds` (default 600 s): tests of
    /// `ProgressDeadlineExceeded` set a second or less.
    pub progress_deadline: Option<Duration>,
    /// How many ticks a container of an image tagged `:slow` runs before it is ready
    /// (default 20, a second at the default tick).
    pub slow_ticks: u32,
    /// How many ticks a crashing container (`:crash`, `:oom`, `:fail` with
    /// `restartPolicy: Always`) runs between restarts (default 4).
    pub crash_ticks: u32,
    /// How many ticks an image tagged `:missing` shows `ErrImagePull` before
    /// `ImagePullBackOff` (default 2).
    pub image_pull_ticks: u32,
}

impl Default for Controllers {
    fn default() -> Self {
        Self {
            tick: Duration::from_millis(50),
            progress_deadline: None,
            slow_ticks: 20,
            crash_ticks: 4,
            image_pull_ticks: 2,
        }
    }
}

/// What the controllers remember between ticks (a real controller keeps the like in
/// its informers' caches and its own maps).
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Per Deployment uid: the pod template hash last seen, when the rollout last made
    /// progress, and how many new pods were available then.
    progress: HashMap<String, (String, Instant, i64)>,
    /// Per pod uid: what the kubelet knows of it.
    pods: HashMap<String, kubelet::PodState>,
    /// The last pod IP handed out.
    next_ip: u32,
    /// Log lines to append after the tick (namespace, pod, container, line).
    logs: Vec<(String, String, String, String)>,
}

/// Runs the controllers every tick until the server stops.
pub(crate) async fn run(shared: Arc<Shared>, options: Controllers) {
    let mut stopped = shared.stopped.subscribe();
    let mut interval = tokio::time::interval(options.tick.max(Duration::from_millis(1)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut state = State::default();
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        shared.mutate(|store| reconcile(store, &options, &mut state));
        let lines = std::mem::take(&mut state.logs);
        if !lines.is_empty() {
            {
                let mut logs = shared.logs();
                for (ns, pod, container, line) in lines {
                    logs.entry((ns, pod, container))
                        .or_default()
                        .push(LogLine::now(&line));
                }
            }
            shared.logs_changed.send_modify(|n| *n += 1);
        }
    }
}

/// One pass of every controller.
pub(crate) fn reconcile(store: &mut Store, options: &Controllers, state: &mut State) {
    gc::collect(store);
    gc::namespaces(store);
    deployment::deployments(store, options, state);
    deployment::replica_sets(store);
    sets::stateful_sets(store);
    sets::daemon_sets(store);
    job::jobs(store);
    kubelet::schedule(store);
    kubelet::run(store, options, state);
    store.writer = None;
}

// Reading and writing through the store, as a controller does through the API.

pub(crate) const CONTROLLER_MANAGER: &str = "kube-controller-manager";

fn type_of(store: &Store, group: &str, kind: &str) -> Option<ResourceType> {
    store.registry.by_kind(group, kind).cloned()
}

/// Every object of a kind, in key order.
fn all(store: &Store, group: &str, kind: &str) -> Vec<Value> {
    type_of(store, group, kind)
        .and_then(|t| {
            store
                .table(&t)
                .map(|table| table.values().map(|e| e.value()).collect())
        })
        .unwrap_or_default()
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn int(value: &Value, pointer: &str, default: i64) -> i64 {
    value
        .pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or(default)
}

fn uid(value: &Value) -> &str {
    text(value, "/metadata/uid")
}

fn name(value: &Value) -> &str {
    text(value, "/metadata/name")
}

fn namespace(value: &Value) -> &str {
    text(value, "/metadata/namespace")
}

fn deleting(value: &Value) -> bool {
    value.pointer("/metadata/deletionTimestamp").is_some()
}

/// The uid of the object's controller (the ownerReference with `controller: true`).
fn controller_uid(value: &Value) -> Option<&str> {
    value
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|r| r.get("uid"))
        .and_then(Value::as_str)
}

/// The objects of a kind `owner` controls, not being deleted.
fn owned<'a>(objects: &'a [Value], owner: &Value) -> Vec<&'a Value> {
    let owner = uid(owner);
    objects
        .iter()
        .filter(|o| controller_uid(o) == Some(owner) && !deleting(o))
        .collect()
}

/// The ownerReference a controller sets on what it creates.
fn owner_reference(api_version: &str, kind: &str, owner: &Value) -> Value {
    json!({"apiVersion": api_version, "kind": kind, "name": name(owner), "uid": uid(owner),
        "controller": true, "blockOwnerDeletion": true})
}

fn now() -> String {
    timestamp(now_secs())
}

/// Creates an object as `manager`; a refusal (a terminating namespace) is left for the
/// next tick, as a controller retries.
fn create(store: &mut Store, manager: &str, group: &str, kind: &str, value: Value) -> bool {
    let Some(t) = type_of(store, group, kind) else {
        return false;
    };
    let ns = namespace(&value).to_owned();
    store.writer = Some(manager.to_owned());
    store.create(&t, &ns, value, false).is_ok()
}

/// Writes an object's status as `manager`, when it changed.
fn write_status(
    store: &mut Store,
    manager: &str,
    group: &str,
    kind: &str,
    object: &Value,
    status: Value,
) {
    if object.get("status") == Some(&status) {
        return;
    }
    let Some(t) = type_of(store, group, kind) else {
        return;
    };
    store.writer = Some(manager.to_owned());
    let _ = store.update(
        &t,
        namespace(object),
        name(object),
        Part::Status,
        |mut current| {
            current["status"] = status;
            Ok(current)
        },
    );
}

/// Writes an object whole as `manager` (its spec or metadata), when it changed.
fn write(store: &mut Store, manager: &str, group: &str, kind: &str, old: &Value, new: Value) {
    if *old == new {
        return;
    }
    let Some(t) = type_of(store, group, kind) else {
        return;
    };
    store.writer = Some(manager.to_owned());
    let _ = store.update(&t, namespace(old), name(old), Part::Whole, |_| Ok(new));
}

fn delete(store: &mut Store, group: &str, kind: &str, object: &Value) {
    if let Some(t) = type_of(store, group, kind) {
        let _ = store.delete(
            &t,
            namespace(object),
            name(object),
            None,
            Some(Propagation::Background),
        );
    }
}

/// A condition as controllers write them: the old one's `lastTransitionTime` is kept
/// while its status holds, and its `lastUpdateTime` (with `update_time`) while
/// nothing changes, so that a steady state writes nothing.
fn condition(
    old_status: Option<&Value>,
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    update_time: bool,
) -> Value {
    let old = old_status
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
        });
    let same_status = old.is_some_and(|c| text(c, "/status") == status);
    let unchanged = same_status
        && old.is_some_and(|c| text(c, "/reason") == reason && text(c, "/message") == message);
    let keep = |field: &str, keep: bool| {
        old.filter(|_| keep)
            .and_then(|c| c.get(field))
            .cloned()
            .unwrap_or_else(|| now().into())
    };
    let mut c = json!({"type": kind, "status": status});
    if update_time {
        c["lastUpdateTime"] = keep("lastUpdateTime", unchanged);
    }
    c["lastTransitionTime"] = keep("lastTransitionTime", same_status);
    if !reason.is_empty() {
        c["reason"] = reason.into();
    }
    if !message.is_empty() {
        c["message"] = message.into();
    }
    c
}

/// Whether a pod's `Ready` condition is True.
fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| text(c, "/type") == "Ready" && text(c, "/status") == "True")
        })
}

/// Whether a pod still runs or will (not Succeeded or Failed, not being deleted).
fn pod_active(pod: &Value) -> bool {
    !deleting(pod) && !matches!(text(pod, "/status/phase"), "Succeeded" | "Failed")
}

/// A pod from a template, owned by `owner`.
fn pod_from_template(template: &Value, ns: &str, owner_ref: &Value) -> Value {
    let mut metadata = json!({"namespace": ns, "ownerReferences": [owner_ref.clone()]});
    for field in ["labels", "annotations"] {
        if let Some(v) = template.pointer(&format!("/metadata/{field}")) {
            metadata[field] = v.clone();
        }
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({}))})
}

/// A stable hash of a pod template, in the alphabet `rand.SafeEncodeString` uses for
/// `pod-template-hash` (FNV-1a of the template's JSON, as the real one hashes its
/// Go dump).
fn template_hash(template: &Value) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut template = template.clone();
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove("pod-template-hash");
    }
    let hash = crate::synth::rng::hash(&template.to_string()) as u32;
    hash.to_string()
        .bytes()
        .map(|b| ALPHABET[usize::from(b) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_hashes_are_stable_and_ignore_their_own_label() {
        let a = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "web:1"}]}});
        let mut labelled = a.clone();
        labelled["metadata"]["labels"]["pod-template-hash"] = "x".into();
        assert_eq!(template_hash(&a), template_hash(&labelled));
        let mut b = a.clone();
        b["spec"]["containers"][0]["image"] = "web:2".into();
        assert_ne!(template_hash(&a), template_hash(&b));
    }

    #[test]
    fn a_steady_condition_keeps_its_times() {
        let first = condition(None, "Ready", "True", "", "", true);
        let status = json!({"conditions": [first.clone()]});
        assert_eq!(
            condition(Some(&status), "Ready", "True", "", "", true),
            first
        );
    }
}
