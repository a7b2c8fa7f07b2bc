//! One table row per object: kubectl's columns for the kinds it knows, NAME and AGE for
//! the rest (custom resources included), and a health that colours the row.
//!
//! Rows are computed once per object change (on the watch tasks' threads, not the UI's)
//! and hold text already [escaped](korral_core::terminal::escape): nothing from the
//! cluster reaches the terminal as control. AGE is the one column computed per frame
//! (from the creation time kept in the row), so rows never go stale.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;
use korral_core::Object;
use korral_core::terminal::escape;
use serde::Deserialize;
use serde_json::Value;

/// How a row is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Health {
    /// Running, ready, bound: nothing to see.
    #[default]
    Ok,
    /// On its way (Pending, ContainerCreating, a rollout short of replicas).
    Progressing,
    /// Broken (CrashLoopBackOff, ImagePullBackOff, Failed, NotReady, Warning events).
    Bad,
    /// Finished (Succeeded pods, completed Jobs) or going away (Terminating).
    Done,
}

/// How a column sorts and shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text, sorted as text.
    Text,
    /// A number (or `n/m`, `3 (2m ago)`): sorted by its leading number.
    Number,
    /// The object's age, computed when drawn.
    Age,
}

/// A column of a kind's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header, as kubectl prints it.
    pub name: &'static str,
    /// How it sorts.
    pub kind: ColumnKind,
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        kind: ColumnKind::Text,
    }
}

const fn number(name: &'static str) -> Column {
    Column {
        name,
        kind: ColumnKind::Number,
    }
}

const AGE: Column = Column {
    name: "AGE",
    kind: ColumnKind::Age,
};

/// One object's row: the cells of its kind's [`columns`] (the AGE cell empty), its
/// creation time and health.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// Escaped cell texts, one per column.
    pub cells: Vec<String>,
    /// `metadata.creationTimestamp` (for events: the last time seen).
    pub created: Option<Timestamp>,
    /// How the row is coloured.
    pub health: Health,
}

const POD: &[Column] = &[
    text("NAME"),
    number("READY"),
    text("STATUS"),
    number("RESTARTS"),
    AGE,
    text("NODE"),
];
const DEPLOYMENT: &[Column] = &[
    text("NAME"),
    number("READY"),
    number("UP-TO-DATE"),
    number("AVAILABLE"),
    AGE,
];
const STATEFULSET: &[Column] = &[text("NAME"), number("READY"), AGE];
const DAEMONSET: &[Column] = &[
    text("NAME"),
    number("DESIRED"),
    number("CURRENT"),
    number("READY"),
    number("UP-TO-DATE"),
    number("AVAILABLE"),
    AGE,
];
const REPLICASET: &[Column] = &[
    text("NAME"),
    number("DESIRED"),
    number("CURRENT"),
    number("READY"),
    AGE,
];
const SERVICE: &[Column] = &[
    text("NAME"),
    text("TYPE"),
    text("CLUSTER-IP"),
    text("EXTERNAL-IP"),
    text("PORT(S)"),
    AGE,
];
const NAMESPACE: &[Column] = &[text("NAME"), text("STATUS"), AGE];
const NODE: &[Column] = &[
    text("NAME"),
    text("STATUS"),
    text("ROLES"),
    AGE,
    text("VERSION"),
];
const JOB: &[Column] = &[text("NAME"), text("STATUS"), number("COMPLETIONS"), AGE];
const CRONJOB: &[Column] = &[
    text("NAME"),
    text("SCHEDULE"),
    text("SUSPEND"),
    number("ACTIVE"),
    text("LAST SCHEDULE"),
    AGE,
];
const CONFIGMAP: &[Column] = &[text("NAME"), number("DATA"), AGE];
const SECRET: &[Column] = &[text("NAME"), text("TYPE"), number("DATA"), AGE];
const CLAIM: &[Column] = &[
    text("NAME"),
    text("STATUS"),
    text("VOLUME"),
    text("CAPACITY"),
    AGE,
];
const INGRESS: &[Column] = &[text("NAME"), text("CLASS"), text("HOSTS"), AGE];
const EVENT: &[Column] = &[
    Column {
        name: "LAST SEEN",
        kind: ColumnKind::Age,
    },
    text("TYPE"),
    text("REASON"),
    text("OBJECT"),
    text("MESSAGE"),
];
const OTHER: &[Column] = &[text("NAME"), AGE];

/// The columns of `kind` in `group`, NAMESPACE left out (the table adds it when it
/// shows every namespace).
pub fn columns(group: &str, kind: &str) -> &'static [Column] {
    match (group, kind) {
        ("", "Pod") => POD,
        ("apps", "Deployment") => DEPLOYMENT,
        ("apps", "StatefulSet") => STATEFULSET,
        ("apps", "DaemonSet") => DAEMONSET,
        ("apps", "ReplicaSet") => REPLICASET,
        ("", "Service") => SERVICE,
        ("", "Namespace") => NAMESPACE,
        ("", "Node") => NODE,
        ("batch", "Job") => JOB,
        ("batch", "CronJob") => CRONJOB,
        ("", "ConfigMap") => CONFIGMAP,
        ("", "Secret") => SECRET,
        ("", "PersistentVolumeClaim") => CLAIM,
        ("networking.k8s.io", "Ingress") => INGRESS,
        ("" | "events.k8s.io", "Event") => EVENT,
        _ => OTHER,
    }
}

/// The row of `object` (cells in [`columns`]' order).
#[allow(clippy::too_many_lines)] // one arm per kind, as kubectl's printers
pub fn row(object: &Object) -> Row {
    let created = object
        .metadata()
        .creation_timestamp
        .as_deref()
        .and_then(|t| t.parse().ok());
    let name = escape(object.name()).into_owned();
    let (group, kind) = (object.group(), object.kind());
    if (group, kind) == ("", "Pod") {
        return pod_row(object, name, created);
    }
    let value = object.raw().to_value();
    let s = |pointer: &str| str_at(&value, pointer);
    let n = |pointer: &str| int_at(&value, pointer);
    let mut health = Health::Ok;
    let cells: Vec<String> = match (group, kind) {
        ("apps", "Deployment") => {
            let want = value
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let ready = n("/status/readyReplicas");
            health = replicas_health(ready, want);
            vec![
                name,
                format!("{ready}/{want}"),
                n("/status/updatedReplicas").to_string(),
                n("/status/availableReplicas").to_string(),
                String::new(),
            ]
        }
        ("apps", "StatefulSet") => {
            let want = value
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let ready = n("/status/readyReplicas");
            health = replicas_health(ready, want);
            vec![name, format!("{ready}/{want}"), String::new()]
        }
        ("apps", "DaemonSet") => {
            let want = n("/status/desiredNumberScheduled");
            let ready = n("/status/numberReady");
            health = replicas_health(ready, want);
            vec![
                name,
                want.to_string(),
                n("/status/currentNumberScheduled").to_string(),
                ready.to_string(),
                n("/status/updatedNumberScheduled").to_string(),
                n("/status/numberAvailable").to_string(),
                String::new(),
            ]
        }
        ("apps", "ReplicaSet") => {
            let want = n("/spec/replicas");
            let ready = n("/status/readyReplicas");
            health = replicas_health(ready, want);
            vec![
                name,
                want.to_string(),
                n("/status/replicas").to_string(),
                ready.to_string(),
                String::new(),
            ]
        }
        ("", "Service") => vec![
            name,
            s("/spec/type").unwrap_or_else(|| "ClusterIP".to_owned()),
            s("/spec/clusterIP").unwrap_or_else(|| "<none>".to_owned()),
            external_ips(&value),
            ports(&value),
            String::new(),
        ],
        ("", "Namespace") => {
            let phase = s("/status/phase").unwrap_or_else(|| "Active".to_owned());
            if phase == "Terminating" {
                health = Health::Done;
            }
            vec![name, phase, String::new()]
        }
        ("", "Node") => {
            let (status, node_health) = node_status(&value);
            health = node_health;
            vec![
                name,
                status,
                roles(object.labels()),
                String::new(),
                s("/status/nodeInfo/kubeletVersion").unwrap_or_default(),
            ]
        }
        ("batch", "Job") => {
            let (status, job_health) = job_status(&value);
            health = job_health;
            let want = value
                .pointer("/spec/completions")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            vec![
                name,
                status,
                format!("{}/{want}", n("/status/succeeded")),
                String::new(),
            ]
        }
        ("batch", "CronJob") => vec![
            name,
            s("/spec/schedule").unwrap_or_default(),
            if value
                .pointer("/spec/suspend")
                .and_then(Value::as_bool)
                .unwrap_or(false)
            {
                "True".to_owned()
            } else {
                "False".to_owned()
            },
            value
                .pointer("/status/active")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
                .to_string(),
            s("/status/lastScheduleTime").unwrap_or_else(|| "<none>".to_owned()),
            String::new(),
        ],
        ("", "ConfigMap") => vec![
            name,
            (count(&value, "/data") + count(&value, "/binaryData")).to_string(),
            String::new(),
        ],
        ("", "Secret") => vec![
            name,
            s("/type").unwrap_or_else(|| "Opaque".to_owned()),
            count(&value, "/data").to_string(),
            String::new(),
        ],
        ("", "PersistentVolumeClaim") => {
            let phase = s("/status/phase").unwrap_or_else(|| "Pending".to_owned());
            health = match phase.as_str() {
                "Bound" => Health::Ok,
                "Lost" => Health::Bad,
                _ => Health::Progressing,
            };
            vec![
                name,
                phase,
                s("/spec/volumeName").unwrap_or_default(),
                s("/status/capacity/storage").unwrap_or_default(),
                String::new(),
            ]
        }
        ("networking.k8s.io", "Ingress") => {
            let hosts: Vec<String> = value
                .pointer("/spec/rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r.get("host").and_then(Value::as_str))
                .map(str::to_owned)
                .collect();
            vec![
                name,
                s("/spec/ingressClassName").unwrap_or_else(|| "<none>".to_owned()),
                if hosts.is_empty() {
                    "*".to_owned()
                } else {
                    hosts.join(",")
                },
                String::new(),
            ]
        }
        ("" | "events.k8s.io", "Event") => return event_row(object, &value),
        _ => vec![name, String::new()],
    };
    Row {
        cells: cells.into_iter().map(|c| escape(&c).into_owned()).collect(),
        created,
        health,
    }
}

fn replicas_health(ready: i64, want: i64) -> Health {
    if ready >= want {
        Health::Ok
    } else if ready == 0 && want > 0 {
        Health::Bad
    } else {
        Health::Progressing
    }
}

fn str_at(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn int_at(value: &Value, pointer: &str) -> i64 {
    value.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn count(value: &Value, pointer: &str) -> usize {
    value
        .pointer(pointer)
        .and_then(Value::as_object)
        .map_or(0, serde_json::Map::len)
}

fn external_ips(value: &Value) -> String {
    let ingress: Vec<&str> = value
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| {
            i.get("ip")
                .or_else(|| i.get("hostname"))
                .and_then(Value::as_str)
        })
        .collect();
    let external: Vec<&str> = value
        .pointer("/spec/externalIPs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let all: Vec<&str> = ingress.into_iter().chain(external).collect();
    if !all.is_empty() {
        return all.join(",");
    }
    if value.pointer("/spec/type").and_then(Value::as_str) == Some("LoadBalancer") {
        "<pending>".to_owned()
    } else {
        "<none>".to_owned()
    }
}

fn ports(value: &Value) -> String {
    let ports: Vec<String> = value
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let mut text = p
                .get("port")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .to_string();
            if let Some(node_port) = p.get("nodePort").and_then(Value::as_i64) {
                let _ = write!(text, ":{node_port}");
            }
            let protocol = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
            format!("{text}/{protocol}")
        })
        .collect();
    joined(&ports)
}

/// The items joined with commas, or `<none>` as kubectl prints an empty list.
fn joined<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        "<none>".to_owned()
    } else {
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn node_status(value: &Value) -> (String, Health) {
    let ready = value
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        .and_then(|c| c.get("status").and_then(Value::as_str));
    let (mut status, health) = match ready {
        Some("True") => ("Ready".to_owned(), Health::Ok),
        Some("False") => ("NotReady".to_owned(), Health::Bad),
        _ => ("Unknown".to_owned(), Health::Bad),
    };
    if value
        .pointer("/spec/unschedulable")
        .and_then(Value::as_bool)
        == Some(true)
    {
        status.push_str(",SchedulingDisabled");
    }
    (status, health)
}

/// `control-plane,worker` from `node-role.kubernetes.io/*` labels, as kubectl shows.
fn roles(labels: &BTreeMap<String, String>) -> String {
    let roles: Vec<&str> = labels
        .keys()
        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
        .filter(|r| !r.is_empty())
        .collect();
    joined(&roles)
}

fn job_status(value: &Value) -> (String, Health) {
    let conditions = value
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let holds = |kind: &str| {
        conditions.iter().any(|c| {
            c.get("type").and_then(Value::as_str) == Some(kind)
                && c.get("status").and_then(Value::as_str) == Some("True")
        })
    };
    if holds("Failed") {
        ("Failed".to_owned(), Health::Bad)
    } else if holds("Complete") {
        ("Complete".to_owned(), Health::Done)
    } else if value
        .pointer("/spec/suspend")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        ("Suspended".to_owned(), Health::Progressing)
    } else {
        ("Running".to_owned(), Health::Progressing)
    }
}

/// The fields of an Event the table shows, in both APIs' names.
fn event_row(object: &Object, value: &Value) -> Row {
    let s = |a: &str, b: &str| {
        str_at(value, a)
            .or_else(|| str_at(value, b))
            .unwrap_or_default()
    };
    let kind = s("/type", "/type");
    let reason = s("/reason", "/reason");
    let target_kind = s("/involvedObject/kind", "/regarding/kind");
    let target_name = s("/involvedObject/name", "/regarding/name");
    let message = s("/message", "/note");
    let last: Option<Timestamp> = [
        "/lastTimestamp",
        "/series/lastObservedTime",
        "/eventTime",
        "/deprecatedLastTimestamp",
    ]
    .iter()
    .find_map(|p| str_at(value, p))
    .and_then(|t| t.parse().ok())
    .or_else(|| {
        object
            .metadata()
            .creation_timestamp
            .as_deref()
            .and_then(|t| t.parse().ok())
    });
    let health = if kind == "Warning" {
        Health::Bad
    } else {
        Health::Ok
    };
    let cells = [
        String::new(),
        kind,
        reason,
        format!("{}/{}", target_kind.to_ascii_lowercase(), target_name),
        message,
    ];
    Row {
        cells: cells.iter().map(|c| escape(c).into_owned()).collect(),
        created: last,
        health,
    }
}

/// The fields of a Pod its row and the containers view read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PodParts {
    /// `metadata`.
    pub metadata: PodMeta,
    /// `spec`.
    pub spec: PodSpec,
    /// `status`.
    pub status: PodStatus,
}

/// A Pod's metadata as the row reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodMeta {
    /// Set when the pod is being deleted.
    pub deletion_timestamp: Option<String>,
}

/// A Pod's spec as the row reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSpec {
    /// The node it runs on.
    pub node_name: Option<String>,
    /// Its containers.
    pub containers: Vec<ContainerSpec>,
    /// Its init containers.
    pub init_containers: Vec<ContainerSpec>,
}

/// A container as the row reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContainerSpec {
    /// Name.
    pub name: String,
    /// Image.
    pub image: String,
}

/// A Pod's status as the row reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodStatus {
    /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`.
    pub phase: Option<String>,
    /// `Evicted`, `NodeLost`…
    pub reason: Option<String>,
    /// The pod's IP.
    #[serde(rename = "podIP")]
    pub pod_ip: Option<String>,
    /// Its containers' states.
    pub container_statuses: Vec<ContainerStatus>,
    /// Its init containers' states.
    pub init_container_statuses: Vec<ContainerStatus>,
}

/// A container's state as the row reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerStatus {
    /// The container's name.
    pub name: String,
    /// Whether it passes its readiness probe.
    pub ready: bool,
    /// How many times it restarted.
    pub restart_count: i64,
    /// `waiting`, `running` or `terminated`, with a reason.
    pub state: BTreeMap<String, StateDetail>,
}

/// One state of a container.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StateDetail {
    /// `CrashLoopBackOff`, `Completed`, `OOMKilled`…
    pub reason: Option<String>,
    /// What Kubernetes says about it.
    pub message: Option<String>,
}

impl ContainerStatus {
    /// `Running`, or the waiting or terminated reason.
    pub fn state_text(&self) -> String {
        for (state, detail) in &self.state {
            match state.as_str() {
                "running" => return "Running".to_owned(),
                "waiting" | "terminated" => {
                    return detail.reason.clone().unwrap_or_else(|| {
                        if state == "waiting" {
                            "Waiting".to_owned()
                        } else {
                            "Terminated".to_owned()
                        }
                    });
                }
                _ => {}
            }
        }
        "Waiting".to_owned()
    }
}

/// A Pod's parts, or empty ones for a pod that does not read.
pub fn pod_parts(object: &Object) -> PodParts {
    object.raw().parse().unwrap_or_default()
}

/// STATUS as `kubectl get pods` prints it: the phase, unless a container (init first)
/// is waiting or terminated with a reason, or the pod is being deleted.
fn pod_status(pod: &PodParts) -> String {
    if pod.metadata.deletion_timestamp.is_some() {
        return "Terminating".to_owned();
    }
    let total_init = pod.spec.init_containers.len();
    for (i, c) in pod.status.init_container_statuses.iter().enumerate() {
        let text = c.state_text();
        match text.as_str() {
            "Completed" => {}
            "Running" | "Waiting" | "PodInitializing" => return format!("Init:{i}/{total_init}"),
            _ => return format!("Init:{text}"),
        }
    }
    let mut status = pod
        .status
        .reason
        .clone()
        .or_else(|| pod.status.phase.clone())
        .unwrap_or_else(|| "Pending".to_owned());
    for c in &pod.status.container_statuses {
        let text = c.state_text();
        if text != "Running" && text != "Waiting" {
            status = text;
        } else if text == "Waiting" && status == "Pending" {
            "ContainerCreating".clone_into(&mut status);
        }
    }
    status
}

fn pod_row(object: &Object, name: String, created: Option<Timestamp>) -> Row {
    let pod = pod_parts(object);
    let status = pod_status(&pod);
    let total = pod
        .spec
        .containers
        .len()
        .max(pod.status.container_statuses.len());
    let ready = pod
        .status
        .container_statuses
        .iter()
        .filter(|c| c.ready)
        .count();
    let restarts: i64 = pod
        .status
        .container_statuses
        .iter()
        .map(|c| c.restart_count)
        .sum();
    let health = match status.as_str() {
        "Running" if ready == total => Health::Ok,
        "Running" | "Pending" | "ContainerCreating" | "PodInitializing" => Health::Progressing,
        s if s.starts_with("Init:") && s[5..].contains('/') => Health::Progressing,
        "Succeeded" | "Completed" | "Terminating" => Health::Done,
        _ => Health::Bad,
    };
    let cells = [
        name,
        format!("{ready}/{total}"),
        escape(&status).into_owned(),
        restarts.to_string(),
        String::new(),
        escape(pod.spec.node_name.as_deref().unwrap_or("<none>")).into_owned(),
    ];
    Row {
        cells: cells.into(),
        created,
        health,
    }
}

/// `45s`, `12m`, `3h`, `5d`, as kubectl shows ages (`2m30s` under ten minutes).
pub fn age(created: Option<Timestamp>, now: Timestamp) -> String {
    let Some(created) = created else {
        return "<unknown>".to_owned();
    };
    let secs = now.as_second().saturating_sub(created.as_second()).max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 600 => {
            let rest = s % 60;
            if rest == 0 {
                format!("{}m", s / 60)
            } else {
                format!("{}m{rest}s", s / 60)
            }
        }
        s if s < 3 * 3600 => format!("{}m", s / 60),
        s if s < 48 * 3600 => format!("{}h", s / 3600),
        s if s < 365 * 86400 => format!("{}d", s / 86400),
        s => format!("{}y", s / (365 * 86400)),
    }
}

/// The leading number of a cell (`3` of `3/4` or `3 (2m ago)`), for sorting.
pub fn leading_number(text: &str) -> i64 {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(-1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(json: &str) -> Object {
        Object::from_json(json, korral_core::Source::default()).unwrap()
    }

    #[test]
    fn a_crashing_pod_reads_as_kubectl_shows_it() {
        let pod = object(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"shop","creationTimestamp":"2026-12-06T10:00:00Z"},
               "spec":{"nodeName":"node-1","containers":[{"name":"web","image":"web:crash"},{"name":"side","image":"s"}]},
               "status":{"phase":"Running","containerStatuses":[
                 {"name":"web","ready":false,"restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}}},
                 {"name":"side","ready":true,"restartCount":1,"state":{"running":{}}}]}}"#,
        );
        let row = row(&pod);
        assert_eq!(
            row.cells,
            ["web-0", "1/2", "CrashLoopBackOff", "5", "", "node-1"]
        );
        assert_eq!(row.health, Health::Bad);
    }

    #[test]
    fn control_characters_in_names_are_escaped() {
        let map = object(
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a\u001b]0;x\u0007","namespace":"x"},"data":{"k":"v"}}"#,
        );
        let row = row(&map);
        assert!(!row.cells[0].contains('\u{1b}'), "{:?}", row.cells);
        assert_eq!(row.cells[1], "1");
    }

    #[test]
    fn deployments_short_of_replicas_are_not_healthy() {
        let deploy = object(
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"x"},
               "spec":{"replicas":3},"status":{"readyReplicas":1,"updatedReplicas":3,"availableReplicas":1}}"#,
        );
        let row = row(&deploy);
        assert_eq!(row.cells, ["web", "1/3", "3", "1", ""]);
        assert_eq!(row.health, Health::Progressing);
    }

    #[test]
    fn ages_read_as_kubectl_writes_them() {
        let now: Timestamp = "2026-12-06T12:00:00Z".parse().unwrap();
        let at = |t: &str| Some(t.parse::<Timestamp>().unwrap());
        assert_eq!(age(at("2026-12-06T11:59:15Z"), now), "45s");
        assert_eq!(age(at("2026-12-06T11:57:30Z"), now), "2m30s");
        assert_eq!(age(at("2026-12-06T11:00:00Z"), now), "60m");
        assert_eq!(age(at("2026-12-06T06:00:00Z"), now), "6h");
        assert_eq!(age(at("2026-12-01T12:00:00Z"), now), "5d");
        assert_eq!(age(None, now), "<unknown>");
    }
}
