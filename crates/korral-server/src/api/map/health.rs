//! The health of one object on the map, from korral-status's readiness rules (the kstatus
//! rules `korral deploy` waits by), read from a trimmed copy of the object: at 60,000
//! objects a whole `serde_json::Value` per object would cost more than the rest of the
//! map together.

use korral_core::Object;
use korral_status::{ReadyOptions, is_hard_failure, readiness};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How an object (or what is folded into it) is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Up as applied.
    Healthy,
    /// Not judged: no status recorded (a manifest never applied).
    Unknown,
    /// On its way (a rollout, a pod starting).
    Progressing,
    /// Itself fine or on its way, but some of what is folded into it is not.
    Degraded,
    /// Will not get there without a change (a crash-looping pod, a failed Job, a Node
    /// not Ready).
    Failed,
}

impl Health {
    /// Whether it counts as "not healthy" in a folded node's `unhealthy`: unknown does
    /// not (nothing was judged).
    pub fn is_unhealthy(self) -> bool {
        matches!(self, Self::Progressing | Self::Degraded | Self::Failed)
    }

    /// A root's health once its members are known: a failing or degraded member makes
    /// a healthy, progressing or unknown root degraded; members still progressing make
    /// a healthy root progressing.
    #[must_use]
    pub fn with_members(self, worst_member: Option<Self>) -> Self {
        match (self, worst_member) {
            (Self::Failed, _) | (_, None | Some(Self::Healthy | Self::Unknown)) => self,
            (_, Some(Self::Failed | Self::Degraded)) => Self::Degraded,
            (Self::Healthy, Some(Self::Progressing)) => Self::Progressing,
            (own, Some(Self::Progressing)) => own,
        }
    }
}

/// Kinds that report no status: healthy by being there, without reading them.
fn has_no_status(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        (
            "",
            "ConfigMap" | "Secret" | "ServiceAccount" | "Endpoints" | "LimitRange" | "Event"
        ) | (
            "rbac.authorization.k8s.io",
            "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding"
        ) | ("discovery.k8s.io", "EndpointSlice")
            | ("networking.k8s.io", "NetworkPolicy" | "IngressClass")
            | ("storage.k8s.io", "StorageClass" | "CSIDriver")
            | ("scheduling.k8s.io", "PriorityClass")
            | ("apps", "ControllerRevision")
            | ("coordination.k8s.io", "Lease")
    )
}

/// The parts of an object the readiness rules read; everything else is skipped
/// without being allocated.
#[derive(Deserialize)]
struct Trimmed {
    #[serde(default)]
    metadata: TrimmedMeta,
    #[serde(default)]
    spec: Option<TrimmedSpec>,
    #[serde(default)]
    status: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TrimmedMeta {
    generation: Option<Value>,
    deletion_timestamp: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TrimmedSpec {
    replicas: Option<Value>,
    progress_deadline_seconds: Option<Value>,
    update_strategy: Option<Value>,
    completions: Option<Value>,
    #[serde(rename = "type")]
    kind: Option<Value>,
}

/// The health of `object`, alone (what is folded into it is added later).
pub fn of(object: &Object) -> Health {
    let (group, kind) = (object.group(), object.kind());
    if has_no_status(group, kind) {
        return Health::Healthy;
    }
    let Ok(trimmed) = object.raw().parse::<Trimmed>() else {
        return Health::Unknown;
    };
    let mut value = Map::new();
    value.insert("apiVersion".into(), object.api_version().into());
    value.insert("kind".into(), kind.into());
    let mut metadata = Map::new();
    if let Some(generation) = trimmed.metadata.generation {
        metadata.insert("generation".into(), generation);
    }
    if let Some(deleted) = trimmed.metadata.deletion_timestamp {
        metadata.insert("deletionTimestamp".into(), deleted);
    }
    value.insert("metadata".into(), Value::Object(metadata));
    if let Some(spec) = trimmed.spec {
        let mut out = Map::new();
        for (key, field) in [
            ("replicas", spec.replicas),
            ("progressDeadlineSeconds", spec.progress_deadline_seconds),
            ("updateStrategy", spec.update_strategy),
            ("completions", spec.completions),
            ("type", spec.kind),
        ] {
            if let Some(field) = field {
                out.insert(key.into(), field);
            }
        }
        value.insert("spec".into(), Value::Object(out));
    }
    if let Some(status) = trimmed.status {
        value.insert("status".into(), status);
    }
    let ready = readiness(&Value::Object(value), &ReadyOptions::default());
    match ready.health {
        korral_status::Health::Current => Health::Healthy,
        korral_status::Health::Failed => Health::Failed,
        korral_status::Health::InProgress => in_progress(group, kind, &ready.message),
    }
}

/// What "in progress" means on a map: nothing reported yet is unknown; a Node that is
/// not Ready and a pod stuck for a reason that lasts (`CrashLoopBackOff`,
/// `ImagePullBackOff`, `Unschedulable`, …) are failed, as `korral status` reports them;
/// the rest is progressing.
fn in_progress(group: &str, kind: &str, message: &str) -> Health {
    if message == "no status reported yet" {
        return Health::Unknown;
    }
    match (group, kind) {
        ("", "Node") => Health::Failed,
        ("", "Pod") => {
            // The message starts with the reason: `CrashLoopBackOff in container app: …`.
            let reason = message.split([' ', ':']).next().unwrap_or_default();
            if is_hard_failure(reason) {
                Health::Failed
            } else {
                Health::Progressing
            }
        }
        _ => Health::Progressing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::test_object as object;

    #[test]
    fn kinds_without_status_are_healthy_and_manifests_unknown() {
        let map = object(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#);
        assert_eq!(of(&map), Health::Healthy);
        let manifest = object(
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":2}}"#,
        );
        assert_eq!(of(&manifest), Health::Unknown);
    }

    #[test]
    fn workloads_pods_and_nodes_read_their_status() {
        let rolled = object(
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","generation":1},
                "spec":{"replicas":2},"status":{"observedGeneration":1,"replicas":2,"updatedReplicas":2,
                "availableReplicas":2,"readyReplicas":2,
                "conditions":[{"type":"Available","status":"True"}]}}"#,
        );
        assert_eq!(of(&rolled), Health::Healthy);
        let rolling = object(
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","generation":1},
                "spec":{"replicas":3},"status":{"observedGeneration":1,"replicas":3,"updatedReplicas":3,
                "availableReplicas":1}}"#,
        );
        assert_eq!(of(&rolling), Health::Progressing);
        let crashing = object(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Running",
                "containerStatuses":[{"name":"app","ready":false,"restartCount":5,
                "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off"}}}]}}"#,
        );
        assert_eq!(of(&crashing), Health::Failed);
        let starting = object(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Pending",
                "containerStatuses":[{"name":"app","ready":false,"restartCount":0,
                "state":{"waiting":{"reason":"ContainerCreating"}}}]}}"#,
        );
        assert_eq!(of(&starting), Health::Progressing);
        let node = object(
            r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},
                "status":{"conditions":[{"type":"Ready","status":"False","reason":"KubeletDown"}]}}"#,
        );
        assert_eq!(of(&node), Health::Failed);
    }

    #[test]
    fn members_weigh_on_their_root() {
        use Health::{Degraded, Failed, Healthy, Progressing, Unknown};
        assert_eq!(Healthy.with_members(None), Healthy);
        assert_eq!(Healthy.with_members(Some(Failed)), Degraded);
        assert_eq!(Progressing.with_members(Some(Degraded)), Degraded);
        assert_eq!(Healthy.with_members(Some(Progressing)), Progressing);
        assert_eq!(Failed.with_members(Some(Healthy)), Failed);
        assert_eq!(Unknown.with_members(Some(Unknown)), Unknown);
    }
}
