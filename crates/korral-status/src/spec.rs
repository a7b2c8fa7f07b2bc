//! The fields health is read from, as serde reads them from an object's JSON text.

use korral_core::null_as_default;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Condition {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Node {
    #[serde(default)]
    pub spec: NodeSpec,
    #[serde(default)]
    pub status: Conditions,
}

#[derive(Deserialize, Default)]
pub(crate) struct NodeSpec {
    #[serde(default)]
    pub unschedulable: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct Conditions {
    #[serde(default, deserialize_with = "null_as_default")]
    pub conditions: Vec<Condition>,
}

/// Whether an object has a status recorded: a manifest that was never applied has
/// none (or an empty one), and says nothing about health.
#[derive(Deserialize, Default)]
pub(crate) struct Recorded {
    #[serde(default)]
    #[allow(clippy::zero_sized_map_values)] // only whether `status` has any field matters
    pub status: Option<std::collections::BTreeMap<String, serde::de::IgnoredAny>>,
}

impl Recorded {
    pub fn any(&self) -> bool {
        self.status.as_ref().is_some_and(|s| !s.is_empty())
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct Workload {
    #[serde(default)]
    pub spec: WorkloadSpec,
    #[serde(default)]
    pub status: WorkloadStatus,
}

#[derive(Deserialize, Default)]
pub(crate) struct WorkloadSpec {
    /// Absent means 1 for Deployments and StatefulSets.
    #[serde(default)]
    pub replicas: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkloadStatus {
    #[serde(default)]
    pub ready_replicas: Option<i64>,
    #[serde(default)]
    pub desired_number_scheduled: Option<i64>,
    #[serde(default)]
    pub number_ready: Option<i64>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Pod {
    #[serde(default)]
    pub status: PodStatus,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PodStatus {
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub conditions: Vec<Condition>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub init_container_statuses: Vec<ContainerStatus>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub container_statuses: Vec<ContainerStatus>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerStatus {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub restart_count: i64,
    #[serde(default)]
    pub state: ContainerState,
    #[serde(default)]
    pub last_state: ContainerState,
}

#[derive(Deserialize, Default)]
pub(crate) struct ContainerState {
    #[serde(default)]
    pub waiting: Option<StateDetail>,
    #[serde(default)]
    pub terminated: Option<StateDetail>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StateDetail {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// `terminated` only.
    #[serde(default)]
    pub exit_code: Option<i64>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Claim {
    #[serde(default)]
    pub status: Phase,
}

#[derive(Deserialize, Default)]
pub(crate) struct Phase {
    #[serde(default)]
    pub phase: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Job {
    #[serde(default)]
    pub status: Conditions,
}

/// core/v1 Events and events.k8s.io/v1 Events, whose fields differ in name.
// Field names mirror the API's (`eventTime` on an Event).
#[allow(clippy::struct_field_names)]
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Event {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// events.k8s.io/v1
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub count: Option<i64>,
    /// events.k8s.io/v1's name for `count`.
    #[serde(default)]
    pub deprecated_count: Option<i64>,
    #[serde(default)]
    pub series: Option<Series>,
    #[serde(default)]
    pub last_timestamp: Option<String>,
    #[serde(default)]
    pub event_time: Option<String>,
    #[serde(default)]
    pub deprecated_last_timestamp: Option<String>,
    #[serde(default)]
    pub involved_object: Option<ObjectRef>,
    /// events.k8s.io/v1
    #[serde(default)]
    pub regarding: Option<ObjectRef>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Series {
    #[serde(default)]
    pub count: Option<i64>,
    #[serde(default)]
    pub last_observed_time: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ObjectRef {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}
