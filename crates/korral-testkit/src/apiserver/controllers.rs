//! The simulated controllers; [`Controllers`] documents what they do. One module per
//! controller, each a function over the store that one tick calls in turn.

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

/// A small simulation of the controllers a real cluster runs, for tests of rollouts,
/// and its settings: opt in with [`ServerOptions::controllers`](super::ServerOptions).
///
/// Every [`tick`](Self::tick) one task on the server's runtime reconciles the store,
/// writing through it as clients' writes go: watches see ADDED, MODIFIED and DELETED
/// events, resourceVersions advance, and `managedFields` name the real managers
/// (`kube-controller-manager`, `kube-scheduler`, `kubelet`). It stops with the server.
/// The defaults suit tests: a tick of 50 ms and pod lifecycles of a few ticks.
///
/// # Controllers
///
/// - **Deployment**: a ReplicaSet per pod template, `<deployment>-<pod-template-hash>`
///   (label `pod-template-hash` on its selector, template and pods; ownerReference
///   with `controller` and `blockOwnerDeletion`), annotation
///   `deployment.kubernetes.io/revision` on it and the Deployment, the next revision
///   for each new template; going back to an earlier template reuses its ReplicaSet
///   (a rollback), which gets the next revision. Rolling update, simplified: the new
///   ReplicaSet is scaled to `replicas` at once (no `maxSurge` steps) and the old ones
///   to 0 only once it has `replicas` available pods, so a broken template leaves the
///   old pods serving; `Recreate` scales the old ones to 0 first. Status:
///   `observedGeneration`, `replicas`, `updatedReplicas`, `readyReplicas`,
///   `availableReplicas`, `unavailableReplicas`, conditions `Available`
///   (`MinimumReplicasAvailable`/`MinimumReplicasUnavailable`, by `maxUnavailable`) and
///   `Progressing` (`ReplicaSetUpdated`, then `NewReplicaSetAvailable`, which holds
///   until the next change of the spec even if pods fail later; False
///   `ProgressDeadlineExceeded` when no new pod became available for
///   `progressDeadlineSeconds`, or [`progress_deadline`](Self::progress_deadline);
///   Unknown `DeploymentPaused` under `spec.paused`, which stops the rollout). Old
///   ReplicaSets are never pruned by `revisionHistoryLimit`; `minReadySeconds` is not
///   waited for.
/// - **ReplicaSet**: pods `<replicaset>-<5 random>` from its template (labels,
///   annotations, spec) owned by it, the excess deleted (not ready first, then
///   newest); status `replicas`, `fullyLabeledReplicas`, `readyReplicas`,
///   `availableReplicas`, `observedGeneration`.
/// - **StatefulSet**: pods `<name>-0` … `<name>-(n-1)`, each created once the one
///   before is ready (all at once with `podManagementPolicy: Parallel`), labels
///   `controller-revision-hash`, `statefulset.kubernetes.io/pod-name`,
///   `apps.kubernetes.io/pod-index`; a new template replaces pods from the highest
///   ordinal down, one at a time while the others are ready; status `replicas`,
///   `readyReplicas`, `availableReplicas`, `currentReplicas`, `updatedReplicas`,
///   `currentRevision`, `updateRevision` (`<name>-<hash>`; no ControllerRevision
///   objects), `observedGeneration`. No PersistentVolumeClaims from
///   `volumeClaimTemplates`.
/// - **DaemonSet**: one pod per Node object (none without Nodes), placed by
///   `spec.nodeName` (no affinity, taints or node selectors), old-template pods
///   replaced one at a time; status `desiredNumberScheduled`,
///   `currentNumberScheduled`, `numberReady`, `updatedNumberScheduled`,
///   `numberAvailable`, `numberUnavailable`, `observedGeneration`.
/// - **Job**: pods `<job>-<5 random>` labelled `batch.kubernetes.io/job-name`,
///   `job-name`, `batch.kubernetes.io/controller-uid`, `controller-uid`, up to
///   `parallelism` at once until `completions` succeeded; status `active`, `ready`,
///   `succeeded`, `failed` (with `restartPolicy: OnFailure` each container restart
///   counts), `startTime`, `completionTime`, conditions `SuccessCriteriaMet` and
///   `Complete` (`CompletionsReached`), or, after `backoffLimit` + 1 failures,
///   `FailureTarget` and `Failed` (`BackoffLimitExceeded`) with the active pods
///   deleted; the same with `DeadlineExceeded` once `activeDeadlineSeconds` passed
///   since `startTime`. No backoff delay between failed pods, no indexed Jobs, success
///   or pod failure policies or suspend.
/// - **Garbage collector**: an object none of whose owners (by `ownerReferences`
///   uid) exists is deleted. A delete's `propagationPolicy` (query or
///   `DeleteOptions` body; default `Background`, but `Orphan` for `batch/v1` Jobs as
///   the real Job strategy has it): `Foreground` keeps the owner with a
///   `deletionTimestamp` and finalizer `foregroundDeletion`, deletes its dependents in
///   the foreground too and lets it go once no dependent with `blockOwnerDeletion`
///   is left; `Orphan` (finalizer `orphan`) removes the ownerReferences to it from its
///   dependents, then lets it go.
/// - **Namespace**: a deleted Namespace stays, `status.phase: Terminating` with
///   `spec.finalizers: [kubernetes]`, while every object in it is deleted (creates in
///   it are a 403 `unable to create new content in namespace … because it is being
///   terminated`), then goes. A deleted CustomResourceDefinition takes its custom
///   resources along.
/// - **Scheduler**: a pod without `spec.nodeName` gets the first Node in the store
///   (else `korral-test-node`).
/// - **Kubelet**, driven by each container's image as kwok's stages are (nothing
///   runs): the pod gets `PodScheduled`, `Initialized`, `PodReadyToStartContainers`,
///   `ContainersReady` and `Ready` conditions, `hostIP` (the Node's `InternalIP`,
///   else `172.18.0.2`), `podIP` (`10.244.x.y`), `startTime` and per container
///   `ready`, `started`, `restartCount`, `state`, `lastState`, `image`, `imageID`
///   and `containerID`. A container is `ContainerCreating` for a tick, then by the
///   image's tag (after the last `:`, or a `-missing`, `-crash`… suffix of the name):
///
/// | tag | the container |
/// |---|---|
/// | any other | running and ready; with `restartPolicy` `Never` or `OnFailure` it runs a tick, then terminates with exit 0 (`Completed`) and the pod `Succeeded` |
/// | `:slow` | running, ready after [`slow_ticks`](Self::slow_ticks) |
/// | `:missing` | waiting `ErrImagePull`, then `ImagePullBackOff` (`Back-off pulling image "web:missing"`); the pod stays Pending, not ready |
/// | `:crash` | with `restartPolicy: Never`, as `:fail`; otherwise runs, then waits in `CrashLoopBackOff` (`back-off 10s restarting failed container=… pod=…`), `lastState.terminated` exit 1 `Error`, `restartCount` rising every [`crash_ticks`](Self::crash_ticks); each crash appends `panic: crashing on purpose` to its log |
/// | `:oom` | as `:crash`, but `OOMKilled`, exit 137 (with `restartPolicy: Never` it terminates `OOMKilled` and the pod is `Failed`) |
/// | `:fail` | terminates with exit 1 (`Error`): with `restartPolicy: Never` the pod is `Failed`; otherwise as `:crash` |
/// | `:unschedulable` | the pod stays Pending with `PodScheduled` False, `Unschedulable`, `0/1 nodes are available: 1 Insufficient cpu. preemption: …` |
///
/// Probes are not run (a container with a readiness probe becomes ready as any
/// other), init containers are ignored (no `initContainerStatuses`), pods are deleted
/// at once (no graceful termination) and no Events are recorded.
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

/// The objects of a kind by the uid of their controller: an index built once per
/// pass, so that a controller asks for an owner's children rather than scanning every
/// object per owner. Children created during the pass show from the next one, as a
/// real controller's informer cache lags its own writes.
struct Children {
    t: Option<ResourceType>,
    by_owner: HashMap<String, Vec<(String, String)>>,
}

impl Children {
    fn of(store: &Store, group: &str, kind: &str) -> Self {
        #[derive(serde::Deserialize)]
        struct Object {
            #[serde(default)]
            metadata: Meta,
        }
        #[derive(serde::Deserialize, Default)]
        struct Meta {
            #[serde(default, rename = "ownerReferences")]
            owner_references: Vec<OwnerRef>,
        }
        #[derive(serde::Deserialize)]
        struct OwnerRef {
            #[serde(default)]
            uid: String,
            #[serde(default)]
            controller: Option<bool>,
        }
        let t = type_of(store, group, kind);
        let mut by_owner: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (key, entry) in t
            .as_ref()
            .and_then(|t| store.table(t))
            .into_iter()
            .flatten()
        {
            let Ok(object) = serde_json::from_str::<Object>(&entry.text) else {
                continue;
            };
            if let Some(owner) = object
                .metadata
                .owner_references
                .into_iter()
                .find(|r| r.controller == Some(true))
            {
                by_owner.entry(owner.uid).or_default().push(key.clone());
            }
        }
        Self { t, by_owner }
    }

    /// The current state of `owner`'s children, but those being deleted.
    fn of_owner(&self, store: &Store, owner: &Value) -> Vec<Value> {
        let Some(t) = &self.t else {
            return Vec::new();
        };
        self.by_owner
            .get(uid(owner))
            .into_iter()
            .flatten()
            .filter_map(|(ns, name)| store.get(t, ns, name))
            .map(|e| e.value())
            .filter(|o| controller_uid(o) == Some(uid(owner)) && !deleting(o))
            .collect()
    }
}

/// One object's current state.
fn get(store: &Store, group: &str, kind: &str, object: &Value) -> Option<Value> {
    let t = type_of(store, group, kind)?;
    store
        .get(&t, namespace(object), name(object))
        .map(|e| e.value())
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
    mut status: Value,
) {
    // Stored objects hold no nulls (see `defaults::drop_nulls`): compare like with like.
    super::defaults::drop_nulls(&mut status);
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
fn write(store: &mut Store, manager: &str, group: &str, kind: &str, old: &Value, mut new: Value) {
    super::defaults::drop_nulls(&mut new);
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

    fn cluster() -> Store {
        let mut store = Store::new(10_000);
        store.controllers = true;
        store
            .seed(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "app"}}),
                None,
            )
            .unwrap();
        store
    }

    fn deployment(image: &str, extra: &Value) -> Value {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "app"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": image}]}}}});
        if let (Some(spec), Some(extra)) = (d["spec"].as_object_mut(), extra.as_object()) {
            spec.extend(extra.clone());
        }
        d
    }

    fn run(store: &mut Store, state: &mut State, ticks: usize) {
        for _ in 0..ticks {
            reconcile(store, &Controllers::default(), state);
        }
    }

    fn apply(store: &mut Store, value: Value) {
        let t = store.type_of(&value).unwrap();
        let object = name(&value).to_owned();
        if store.get(&t, "app", &object).is_some() {
            store
                .update(&t, "app", &object, Part::Main, |_| Ok(value))
                .unwrap();
        } else {
            store.create(&t, "app", value, true).unwrap();
        }
    }

    fn replica_sets(store: &Store) -> Vec<(String, i64)> {
        all(store, "apps", "ReplicaSet")
            .iter()
            .map(|rs| {
                (
                    text(rs, "/spec/template/spec/containers/0/image").to_owned(),
                    int(rs, "/spec/replicas", 0),
                )
            })
            .collect()
    }

    #[test]
    fn recreate_scales_the_old_pods_away_before_the_new_come() {
        let mut store = cluster();
        let mut state = State::default();
        let recreate = json!({"strategy": {"type": "Recreate"}});
        apply(&mut store, deployment("web:1", &recreate));
        run(&mut store, &mut state, 8);
        apply(&mut store, deployment("web:2", &recreate));
        run(&mut store, &mut state, 1);
        let mut sets = replica_sets(&store);
        sets.sort();
        assert_eq!(sets, [("web:1".to_owned(), 0), ("web:2".to_owned(), 0)]);
        run(&mut store, &mut state, 8);
        let images: Vec<String> = all(&store, "", "Pod")
            .iter()
            .map(|p| text(p, "/spec/containers/0/image").to_owned())
            .collect();
        assert_eq!(images, ["web:2", "web:2"]);
    }

    #[test]
    fn a_paused_deployment_keeps_its_replica_set() {
        let mut store = cluster();
        let mut state = State::default();
        apply(&mut store, deployment("web:1", &json!({})));
        run(&mut store, &mut state, 8);
        apply(&mut store, deployment("web:2", &json!({"paused": true})));
        run(&mut store, &mut state, 4);
        assert_eq!(replica_sets(&store), [("web:1".to_owned(), 2)]);
        let d = &all(&store, "apps", "Deployment")[0];
        let progressing = d["status"]["conditions"][1].clone();
        assert_eq!(
            (text(&progressing, "/status"), text(&progressing, "/reason")),
            ("Unknown", "DeploymentPaused")
        );
        assert_eq!(int(d, "/status/availableReplicas", 0), 2);
    }

    #[test]
    fn a_steady_cluster_writes_nothing() {
        let mut store = cluster();
        let mut state = State::default();
        apply(&mut store, deployment("web:1", &json!({})));
        run(&mut store, &mut state, 10);
        let rv = store.rv;
        run(&mut store, &mut state, 5);
        assert_eq!(store.rv, rv, "the controllers keep writing a settled state");
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
