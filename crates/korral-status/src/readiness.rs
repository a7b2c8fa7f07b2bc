//! Readiness: whether an applied object is up as applied, by the kstatus rules
//! (kubernetes-sigs/cli-utils `pkg/kstatus/status`, which Flux and kapp share).
//!
//! Every object first goes through the generic rules: being deleted, a generation its
//! controller has not observed yet, and kstatus's standard conditions (`Reconciling`
//! True is in progress, `Stalled` True is failed). Then its kind's rules decide; a kind
//! with none reads its `Ready` (or `Available`) condition, and an object with neither is
//! current. Where korral differs from kstatus it says so on the rule.

use serde::Deserialize;
use serde_json::Value;

use crate::pod;
use crate::spec;

/// How far an object is from what was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Health {
    /// Not there yet, or its controller has not caught up.
    InProgress,
    /// Up as applied.
    Current,
    /// Will not get there without a change.
    Failed,
}

/// An object's [`Health`] and, unless it is current, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// How far it is.
    pub health: Health,
    /// Why it is not current (`0 of 3 updated replicas are available`); empty when current.
    pub message: String,
}

impl Readiness {
    /// Up as applied.
    pub fn current() -> Self {
        Self {
            health: Health::Current,
            message: String::new(),
        }
    }

    /// Not there yet, and why.
    pub fn in_progress(message: impl Into<String>) -> Self {
        Self {
            health: Health::InProgress,
            message: message.into(),
        }
    }

    /// Will not get there, and why.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            health: Health::Failed,
            message: message.into(),
        }
    }
}

/// What readiness waits for beyond the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadyOptions {
    /// A Service of type LoadBalancer is ready only with an ingress address.
    pub load_balancer_address: bool,
}

/// The readiness of `object` (as read from the API server, status included).
///
/// Generic rules, for every kind and in this order:
/// - `metadata.deletionTimestamp` set: in progress, `being deleted`;
/// - `metadata.generation` greater than `status.observedGeneration`: in progress
///   (`waiting for the controller to observe generation 4 (observed 3)`). For the
///   kinds whose controller always records it (Deployment, StatefulSet, DaemonSet,
///   ReplicaSet, PodDisruptionBudget), a missing `observedGeneration` counts as not
///   observed;
/// - condition `Reconciling` True: in progress; `Stalled` True: failed (with the
///   condition's reason and message);
/// - a kind read from its status (the kinds above, Pod, Job, PersistentVolumeClaim,
///   CustomResourceDefinition, APIService) with no status: in progress,
///   `no status reported yet`.
///
/// Then by kind, each counting in kstatus's order, worded in the manner of `kubectl
/// rollout status`, without the object's name:
/// - **Deployment**: `Progressing` with reason `ProgressDeadlineExceeded` is failed,
///   with the condition's message. In progress: `ReplicaFailure` True (its reason and
///   message, such as an exceeded quota; Kubernetes fails the rollout at its progress
///   deadline), `1 of 3 replicas created`, `1 of 3 replicas updated`, `2 old replicas
///   pending termination`, `2 of 3 updated replicas are available`, `2 of 3 replicas
///   are ready`, then (with a progress deadline) `Progressing` not yet
///   `NewReplicaSetAvailable` and `Available` not True.
/// - **StatefulSet**: update strategy `OnDelete` is current (its pods change when
///   someone deletes them). Otherwise `1 of 3 replicas created`, `2 of 3 replicas are
///   ready`, `2 of 3 replicas are available` (when the field is set), `1 replica pending
///   termination`; with a partition, current once the `replicas - partition` highest
///   ordinals are updated (`0 of 1 replicas updated (partition 2)`); else
///   `1 of 3 replicas updated` while `currentRevision` differs from `updateRevision`.
/// - **DaemonSet**: `desiredNumberScheduled` missing is in progress; then
///   `2 of 3 pods scheduled`, `1 of 3 pods updated` (skipped for `OnDelete`, where
///   nothing updates them until someone deletes them; kstatus waits), `2 of 3 pods are
///   available`, `2 of 3 pods are ready`.
/// - **ReplicaSet**: `ReplicaFailure` True is failed (kstatus: in progress), with its
///   message; `1 of 3 replicas labelled`, `…available`, `…ready`, `1 replica pending
///   termination`.
/// - **Pod**: `Succeeded` is current, `Failed` is failed (kstatus: current) with its
///   reason (`Evicted: The node was low on resource: memory.`); `Running` with `Ready`
///   True is current. Anything else is in progress with what is in the way:
///   `CrashLoopBackOff in container app: back-off 5m0s …`, `Unschedulable: 0/3 nodes
///   are available: …`, `Pending: containers waiting: ContainerCreating`, `not ready:
///   containers with unready status: [app]`. kstatus calls a crash-looping or
///   unschedulable pod failed at once; korral leaves it in progress (a pod may crash
///   while a dependency starts, the autoscaler may add a node) and the apply engine
///   fails it after a grace period with [`crate::is_hard_failure`].
/// - **Job**: current only once `Complete` is True. kstatus calls a running Job
///   current; korral waits until it completes, so that what runs after it (a
///   migration before the app) finds its work done. `Failed` True is failed
///   (`BackoffLimitExceeded: Job has reached the specified backoff limit`); otherwise
///   in progress: `suspended`, `not started`, `1 of 3 completions succeeded (2 active,
///   0 failed)`.
/// - **PersistentVolumeClaim**: `Bound` is current; `Lost` is failed (its volume is
///   gone; kstatus: in progress); else in progress, `phase Pending, not yet bound`. A
///   claim of a `WaitForFirstConsumer` storage class binds only once a pod uses it.
/// - **Service**: current, except type LoadBalancer with
///   [`ReadyOptions::load_balancer_address`]: in progress until
///   `status.loadBalancer.ingress` has an address.
/// - **CustomResourceDefinition**: `NamesAccepted` False is failed, `Established`
///   True is current, `Established` False for another reason than `Installing` is
///   failed; else in progress, `not yet established`.
/// - **APIService**: `Available` True is current; otherwise in progress with its reason
///   and message (`FailedDiscoveryCheck: failing or missing response from …`).
/// - **PodDisruptionBudget**: current once its generation is observed.
/// - **Any other kind**: a `Ready` condition decides (True current; False or Unknown in
///   progress with its reason and message, never failed: many controllers set it False
///   while they work, and `Stalled` is how they say they gave up); else an
///   `Available` condition, likewise; else current. kstatus reads neither and calls
///   such an object current.
pub fn readiness(object: &Value, options: &ReadyOptions) -> Readiness {
    let kind = text(object, "/kind").unwrap_or_default();
    let group = text(object, "/apiVersion")
        .and_then(|v| v.split_once('/'))
        .map_or("", |(group, _)| group);
    let always_recorded = matches!(
        (group, kind),
        (
            "apps" | "extensions",
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
        ) | ("policy", "PodDisruptionBudget")
    );
    if let Some(generic) = generic(object, always_recorded) {
        return generic;
    }
    let status = object.get("status");
    // Kinds read from their status: without one, nothing has reported on them yet.
    let read_from_status = matches!(
        (group, kind),
        (
            "apps" | "extensions",
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
        ) | ("", "Pod" | "PersistentVolumeClaim")
            | ("batch", "Job")
            | ("policy", "PodDisruptionBudget")
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | ("apiregistration.k8s.io", "APIService")
    );
    if read_from_status
        && status
            .and_then(Value::as_object)
            .is_none_or(serde_json::Map::is_empty)
    {
        return Readiness::in_progress("no status reported yet");
    }
    match (group, kind) {
        ("apps" | "extensions", "Deployment") => deployment(object),
        ("apps", "StatefulSet") => stateful_set(object),
        ("apps" | "extensions", "DaemonSet") => daemon_set(object),
        ("apps" | "extensions", "ReplicaSet") => replica_set(object),
        ("", "Pod") => pod_readiness(object),
        ("batch", "Job") => job(object),
        ("", "PersistentVolumeClaim") => claim(object),
        ("", "Service") => service(object, *options),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => custom_resource_definition(object),
        ("apiregistration.k8s.io", "APIService") => api_service(object),
        ("policy", "PodDisruptionBudget") => Readiness::current(),
        _ => other(object),
    }
}

/// The rules every kind goes through first; `None` when they do not decide.
/// `always_recorded`: the kind's controller always records `observedGeneration`, so
/// its absence means the object has not been observed.
fn generic(object: &Value, always_recorded: bool) -> Option<Readiness> {
    if text(object, "/metadata/deletionTimestamp").is_some_and(|t| !t.is_empty()) {
        return Some(Readiness::in_progress("being deleted"));
    }
    if let Some(generation) = int(object, "/metadata/generation") {
        let observed = int(object, "/status/observedGeneration");
        match observed {
            Some(observed) if generation > observed => {
                return Some(Readiness::in_progress(format!(
                    "waiting for the controller to observe generation {generation} (observed {observed})"
                )));
            }
            None if always_recorded => {
                return Some(Readiness::in_progress(format!(
                    "waiting for the controller to observe generation {generation}"
                )));
            }
            _ => {}
        }
    }
    let conditions = conditions(object);
    for condition in &conditions {
        if condition.status != "True" {
            continue;
        }
        match condition.kind.as_str() {
            "Reconciling" => {
                return Some(Readiness::in_progress(condition.describe("reconciling")));
            }
            "Stalled" => return Some(Readiness::failed(condition.describe("stalled"))),
            _ => {}
        }
    }
    None
}

fn deployment(object: &Value) -> Readiness {
    let conditions = conditions(object);
    let find = |kind: &str| conditions.iter().find(|c| c.kind == kind);
    if let Some(progressing) = find("Progressing")
        && progressing.reason.as_deref() == Some("ProgressDeadlineExceeded")
    {
        return Readiness::failed(progressing.describe_message("progress deadline exceeded"));
    }
    if let Some(failure) = find("ReplicaFailure").filter(|c| c.status == "True") {
        return Readiness::in_progress(failure.describe("replicas cannot be created"));
    }
    // The controller reads an absent `spec.replicas` as 1.
    let wanted = int(object, "/spec/replicas").unwrap_or(1);
    let replicas = int(object, "/status/replicas").unwrap_or(0);
    let updated = int(object, "/status/updatedReplicas").unwrap_or(0);
    let ready = int(object, "/status/readyReplicas").unwrap_or(0);
    let available = int(object, "/status/availableReplicas").unwrap_or(0);
    if wanted > replicas {
        return Readiness::in_progress(format!("{replicas} of {wanted} replicas created"));
    }
    if wanted > updated {
        return Readiness::in_progress(format!("{updated} of {wanted} replicas updated"));
    }
    if replicas > wanted {
        let old = replicas - wanted;
        return Readiness::in_progress(format!(
            "{old} old {} pending termination",
            replicas_word(old)
        ));
    }
    if updated > available {
        return Readiness::in_progress(format!(
            "{available} of {updated} updated replicas are available"
        ));
    }
    if wanted > ready {
        return Readiness::in_progress(format!("{ready} of {wanted} replicas are ready"));
    }
    // Without a progress deadline the controller sets no Progressing condition
    // (kstatus). The API server defaults it to 600 seconds.
    if int(object, "/spec/progressDeadlineSeconds").is_some() {
        let done = find("Progressing").is_some_and(|c| {
            c.status == "True" && c.reason.as_deref() == Some("NewReplicaSetAvailable")
        });
        if !done {
            return Readiness::in_progress("the new ReplicaSet is not available yet");
        }
    }
    match find("Available") {
        Some(available) if available.status == "True" => Readiness::current(),
        Some(available) => Readiness::in_progress(available.describe("not available")),
        None => Readiness::in_progress("not available"),
    }
}

fn stateful_set(object: &Value) -> Readiness {
    if text(object, "/spec/updateStrategy/type") == Some("OnDelete") {
        return Readiness::current();
    }
    let wanted = int(object, "/spec/replicas").unwrap_or(1);
    let replicas = int(object, "/status/replicas").unwrap_or(0);
    let ready = int(object, "/status/readyReplicas").unwrap_or(0);
    let current = int(object, "/status/currentReplicas").unwrap_or(0);
    let updated = int(object, "/status/updatedReplicas").unwrap_or(0);
    if wanted > replicas {
        return Readiness::in_progress(format!("{replicas} of {wanted} replicas created"));
    }
    if wanted > ready {
        return Readiness::in_progress(format!("{ready} of {wanted} replicas are ready"));
    }
    // Set since Kubernetes 1.22 (minReadySeconds); kstatus does not read it.
    if let Some(available) = int(object, "/status/availableReplicas")
        && wanted > available
    {
        return Readiness::in_progress(format!("{available} of {wanted} replicas are available"));
    }
    if replicas > wanted {
        let extra = replicas - wanted;
        return Readiness::in_progress(format!(
            "{extra} {} pending termination",
            replicas_word(extra)
        ));
    }
    // A partitioned rolling update stops at the partition: only ordinals at or above
    // it are updated, and that is all the update there will be. The API server
    // defaults the partition to 0, a plain rolling update.
    if let Some(partition) =
        int(object, "/spec/updateStrategy/rollingUpdate/partition").filter(|p| *p > 0)
    {
        let target = (wanted - partition).max(0);
        if updated < target {
            return Readiness::in_progress(format!(
                "{updated} of {target} replicas updated (partition {partition})"
            ));
        }
        return Readiness::current();
    }
    // Checked before `currentReplicas`: during a rolling update that counts the pods
    // still at the old revision, which says less than the updated ones.
    if text(object, "/status/currentRevision") != text(object, "/status/updateRevision") {
        return Readiness::in_progress(format!("{updated} of {wanted} replicas updated"));
    }
    if wanted > current {
        return Readiness::in_progress(format!(
            "{current} of {wanted} replicas at the current revision"
        ));
    }
    Readiness::current()
}

fn daemon_set(object: &Value) -> Readiness {
    let Some(desired) = int(object, "/status/desiredNumberScheduled") else {
        return Readiness::in_progress("no pods scheduled yet");
    };
    let scheduled = int(object, "/status/currentNumberScheduled").unwrap_or(0);
    let updated = int(object, "/status/updatedNumberScheduled").unwrap_or(0);
    let available = int(object, "/status/numberAvailable").unwrap_or(0);
    let ready = int(object, "/status/numberReady").unwrap_or(0);
    if desired > scheduled {
        return Readiness::in_progress(format!("{scheduled} of {desired} pods scheduled"));
    }
    let on_delete = text(object, "/spec/updateStrategy/type") == Some("OnDelete");
    if desired > updated && !on_delete {
        return Readiness::in_progress(format!("{updated} of {desired} pods updated"));
    }
    if desired > available {
        return Readiness::in_progress(format!("{available} of {desired} pods are available"));
    }
    if desired > ready {
        return Readiness::in_progress(format!("{ready} of {desired} pods are ready"));
    }
    Readiness::current()
}

fn replica_set(object: &Value) -> Readiness {
    if let Some(failure) = conditions(object)
        .iter()
        .find(|c| c.kind == "ReplicaFailure" && c.status == "True")
    {
        return Readiness::failed(failure.describe("replicas cannot be created"));
    }
    let wanted = int(object, "/spec/replicas").unwrap_or(1);
    let replicas = int(object, "/status/replicas").unwrap_or(0);
    let labelled = int(object, "/status/fullyLabeledReplicas").unwrap_or(0);
    let available = int(object, "/status/availableReplicas").unwrap_or(0);
    let ready = int(object, "/status/readyReplicas").unwrap_or(0);
    if wanted > labelled {
        return Readiness::in_progress(format!("{labelled} of {wanted} replicas labelled"));
    }
    if wanted > available {
        return Readiness::in_progress(format!("{available} of {wanted} replicas are available"));
    }
    if wanted > ready {
        return Readiness::in_progress(format!("{ready} of {wanted} replicas are ready"));
    }
    if replicas > wanted {
        let extra = replicas - wanted;
        return Readiness::in_progress(format!(
            "{extra} {} pending termination",
            replicas_word(extra)
        ));
    }
    Readiness::current()
}

fn pod_readiness(object: &Value) -> Readiness {
    let status = spec::Pod::deserialize(object).unwrap_or_default().status;
    match status.phase.as_deref() {
        Some("Succeeded") => return Readiness::current(),
        Some("Failed") => {
            let problem = pod::problem(&status).map(|p| p.describe());
            return Readiness::failed(problem.unwrap_or_else(|| "Failed".to_owned()));
        }
        _ => {}
    }
    let ready = status.conditions.iter().find(|c| c.kind == "Ready");
    if status.phase.as_deref() == Some("Running") && ready.is_some_and(|c| c.status == "True") {
        return Readiness::current();
    }
    if let Some(problem) = pod::problem(&status) {
        return Readiness::in_progress(problem.describe());
    }
    match status.phase.as_deref() {
        Some("Pending") => Readiness::in_progress(pod::pending(&status).describe()),
        None => Readiness::in_progress("not yet scheduled"),
        Some(_) => {
            let why = ready
                .and_then(|c| c.message.as_deref())
                .map_or_else(|| "not ready".to_owned(), |m| format!("not ready: {m}"));
            Readiness::in_progress(why)
        }
    }
}

fn job(object: &Value) -> Readiness {
    let conditions = conditions(object);
    let is_true = |kind: &str| {
        conditions
            .iter()
            .find(|c| c.kind == kind && c.status == "True")
    };
    if is_true("Complete").is_some() {
        return Readiness::current();
    }
    if let Some(failed) = is_true("Failed") {
        return Readiness::failed(failed.describe("failed"));
    }
    if is_true("Suspended").is_some() {
        return Readiness::in_progress("suspended");
    }
    if text(object, "/status/startTime").is_none() {
        return Readiness::in_progress("not started");
    }
    let succeeded = int(object, "/status/succeeded").unwrap_or(0);
    let active = int(object, "/status/active").unwrap_or(0);
    let failed = int(object, "/status/failed").unwrap_or(0);
    // No `completions`: a work queue, done when one pod succeeds and none is active.
    Readiness::in_progress(match int(object, "/spec/completions") {
        Some(completions) => format!(
            "{succeeded} of {completions} completions succeeded ({active} active, {failed} failed)"
        ),
        None => format!("{active} active, {succeeded} succeeded, {failed} failed"),
    })
}

fn claim(object: &Value) -> Readiness {
    match text(object, "/status/phase") {
        Some("Bound") => Readiness::current(),
        Some("Lost") => Readiness::failed("Lost: its bound volume no longer exists"),
        phase => Readiness::in_progress(format!(
            "phase {}, not yet bound",
            phase.unwrap_or("unknown")
        )),
    }
}

fn service(object: &Value, options: ReadyOptions) -> Readiness {
    if !options.load_balancer_address || text(object, "/spec/type") != Some("LoadBalancer") {
        return Readiness::current();
    }
    let addressed = object
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .is_some_and(|ingress| !ingress.is_empty());
    if addressed {
        Readiness::current()
    } else {
        Readiness::in_progress("waiting for a load balancer address")
    }
}

fn custom_resource_definition(object: &Value) -> Readiness {
    let conditions = conditions(object);
    if let Some(names) = conditions
        .iter()
        .find(|c| c.kind == "NamesAccepted" && c.status == "False")
    {
        return Readiness::failed(names.describe("names not accepted"));
    }
    match conditions.iter().find(|c| c.kind == "Established") {
        Some(established) if established.status == "True" => Readiness::current(),
        Some(established)
            if established.status == "False"
                && established.reason.as_deref() != Some("Installing") =>
        {
            Readiness::failed(established.describe("not established"))
        }
        _ => Readiness::in_progress("not yet established"),
    }
}

fn api_service(object: &Value) -> Readiness {
    match conditions(object).iter().find(|c| c.kind == "Available") {
        Some(available) if available.status == "True" => Readiness::current(),
        Some(available) => Readiness::in_progress(available.describe("not available")),
        None => Readiness::in_progress("not yet available"),
    }
}

fn other(object: &Value) -> Readiness {
    let conditions = conditions(object);
    for (kind, otherwise) in [("Ready", "not ready"), ("Available", "not available")] {
        if let Some(condition) = conditions.iter().find(|c| c.kind == kind) {
            return if condition.status == "True" {
                Readiness::current()
            } else {
                Readiness::in_progress(condition.describe(otherwise))
            };
        }
    }
    Readiness::current()
}

impl spec::Condition {
    /// `Reason: message`, or whichever of them is set, or `otherwise`.
    fn describe(&self, otherwise: &str) -> String {
        let reason = self.reason.as_deref().filter(|r| !r.is_empty());
        let message = self.message.as_deref().filter(|m| !m.is_empty());
        match (reason, message) {
            (Some(reason), Some(message)) => format!("{reason}: {message}"),
            (Some(text), None) | (None, Some(text)) => text.to_owned(),
            (None, None) => otherwise.to_owned(),
        }
    }

    /// The message alone, for conditions whose reason the rule already names.
    fn describe_message(&self, otherwise: &str) -> String {
        self.message
            .as_deref()
            .filter(|m| !m.is_empty())
            .unwrap_or(otherwise)
            .to_owned()
    }
}

fn conditions(object: &Value) -> Vec<spec::Condition> {
    object
        .pointer("/status/conditions")
        .map(|c| Vec::<spec::Condition>::deserialize(c).unwrap_or_default())
        .unwrap_or_default()
}

fn int(object: &Value, pointer: &str) -> Option<i64> {
    object.pointer(pointer).and_then(Value::as_i64)
}

fn text<'a>(object: &'a Value, pointer: &str) -> Option<&'a str> {
    object.pointer(pointer).and_then(Value::as_str)
}

fn replicas_word(n: i64) -> &'static str {
    if n == 1 { "replica" } else { "replicas" }
}

#[cfg(test)]
mod tests;
