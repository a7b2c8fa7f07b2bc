//! The custom resources of `jobs.korral.dev/v1alpha1`, as Rust types from which the
//! CustomResourceDefinitions are generated ([`crds`]): [`Tool`], [`Run`], [`Queue`],
//! [`Schedule`] and [`Workflow`]. Field names are those people write by hand; every
//! field but a Tool's `template` and a Run's `tool` has a default.

// Each `printcolumn(...)` repeats `type_ = …`: clippy reads those as duplicated attributes.
#![allow(clippy::duplicated_attributes)]

use std::collections::BTreeMap;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The API group of every resource here.
pub const GROUP: &str = "jobs.korral.dev";
/// The one version served.
pub const VERSION: &str = "v1alpha1";
/// `jobs.korral.dev/v1alpha1`.
pub const API_VERSION: &str = "jobs.korral.dev/v1alpha1";

/// An embedded Kubernetes object (a pod template, resource requirements) kept whole:
/// its own kind's schema is the API server's business when the Job is created, and
/// inlining the Pod schema would make the CRD ten times larger.
fn embedded(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": true,
    })
}

/// A duration in whole seconds, at least 0.
fn seconds(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "integer", "format": "int64", "minimum": 0})
}

/// A tool: a pod template and the defaults of its runs.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, JsonSchema)]
#[kube(
    group = "jobs.korral.dev",
    version = "v1alpha1",
    kind = "Tool",
    namespaced,
    shortname = "tool",
    category = "korral",
    doc = "A tool korral runs as Kubernetes Jobs: a pod template and the defaults of its runs",
    printcolumn(name = "Queue", type_ = "string", json_path = ".spec.queue"),
    printcolumn(name = "Priority", type_ = "integer", json_path = ".spec.priority"),
    printcolumn(name = "Retries", type_ = "integer", json_path = ".spec.retry.limit"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpec {
    /// The pod template (a PodTemplateSpec) of every attempt. Its first container runs
    /// the tool; `restartPolicy` is set to `Never` (korral retries, not the kubelet).
    #[schemars(schema_with = "embedded")]
    pub template: Value,
    /// Arguments of the first container, unless a run gives its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Environment of the first container; a run's entries of the same name win.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// Resource requirements (`requests`, `limits`) of the first container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "embedded")]
    pub resources: Option<Value>,
    /// How long an attempt may run, in seconds: the Job's `activeDeadlineSeconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "seconds")]
    pub timeout: Option<i64>,
    /// When and how failed attempts are retried.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// The queue runs wait in; none: a run starts at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Runs of higher priority start first in their queue (default 0).
    #[serde(default)]
    pub priority: i32,
    /// Seconds after a run finished that its Jobs and pods are deleted; the Run stays
    /// (default: kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "seconds")]
    pub ttl_after_finished: Option<i64>,
    /// How many finished runs of this tool are kept.
    #[serde(default)]
    pub history: HistoryLimits,
}

/// An environment variable with a literal value.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct EnvVar {
    /// The variable's name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Its value.
    #[serde(default)]
    pub value: String,
}

/// How many finished runs are kept; older ones are deleted with their Jobs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryLimits {
    /// Succeeded runs kept (default 10).
    #[serde(default = "ten")]
    #[schemars(range(min = 0))]
    pub succeeded: u32,
    /// Failed, dead-lettered and cancelled runs kept (default 10).
    #[serde(default = "ten")]
    #[schemars(range(min = 0))]
    pub failed: u32,
}

fn ten() -> u32 {
    10
}

impl Default for HistoryLimits {
    fn default() -> Self {
        Self {
            succeeded: 10,
            failed: 10,
        }
    }
}

/// Why an attempt failed, in the words `retry.on` uses.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum Category {
    /// The tool exited with a non-zero code.
    ExitCode,
    /// A container was killed for using more memory than its limit.
    #[serde(rename = "OOMKilled")]
    OomKilled,
    /// The image could not be pulled (`ErrImagePull`, `ImagePullBackOff`,
    /// `InvalidImageName`).
    ImagePull,
    /// The container crashed over and over (`CrashLoopBackOff`), for a template that
    /// restarts it.
    CrashLoop,
    /// No node can take the pod.
    Unschedulable,
    /// The attempt ran longer than the tool's `timeout`.
    Deadline,
    /// The pod was evicted (node pressure, preemption, a drained node).
    Evicted,
    /// Anything else: a deleted pod, a broken container config.
    Other,
}

impl Category {
    /// Every category, in the order they are documented.
    pub const ALL: [Self; 8] = [
        Self::ExitCode,
        Self::OomKilled,
        Self::ImagePull,
        Self::CrashLoop,
        Self::Unschedulable,
        Self::Deadline,
        Self::Evicted,
        Self::Other,
    ];

    /// The name as written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExitCode => "ExitCode",
            Self::OomKilled => "OOMKilled",
            Self::ImagePull => "ImagePull",
            Self::CrashLoop => "CrashLoop",
            Self::Unschedulable => "Unschedulable",
            Self::Deadline => "Deadline",
            Self::Evicted => "Evicted",
            Self::Other => "Other",
        }
    }
}

/// When and how failed attempts are retried.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 0: none).
    #[serde(default)]
    #[schemars(range(min = 0, max = 100))]
    pub limit: u32,
    /// The wait before each retry.
    #[serde(default)]
    pub backoff: Backoff,
    /// Which failures are retried (default: ExitCode, OOMKilled, Evicted, Deadline;
    /// an image that cannot be pulled or a pod no node takes fails the same way again).
    #[serde(default = "default_on")]
    pub on: Vec<Category>,
    /// With `ExitCode` in `on`: only these exit codes are retried (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exit_codes: Vec<i32>,
    /// With `OOMKilled` in `on`: each retry after an OOMKilled attempt gets its memory
    /// limit (and request) multiplied by `factor`, up to `max`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oom_memory: Option<MemoryBump>,
}

fn default_on() -> Vec<Category> {
    vec![
        Category::ExitCode,
        Category::OomKilled,
        Category::Evicted,
        Category::Deadline,
    ]
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            limit: 0,
            backoff: Backoff::default(),
            on: default_on(),
            exit_codes: Vec::new(),
            oom_memory: None,
        }
    }
}

/// An exponential backoff: `base × factor^(retry-1)`, at most `max`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Backoff {
    /// Seconds before the first retry (default 10).
    #[serde(default = "default_base")]
    #[schemars(schema_with = "seconds")]
    pub base: i64,
    /// What each further wait is multiplied by (default 2).
    #[serde(default = "default_factor")]
    #[schemars(range(min = 1.0, max = 100.0))]
    pub factor: f64,
    /// The longest wait, in seconds (default 600).
    #[serde(default = "default_max")]
    #[schemars(schema_with = "seconds")]
    pub max: i64,
}

fn default_base() -> i64 {
    10
}
fn default_factor() -> f64 {
    2.0
}
fn default_max() -> i64 {
    600
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: default_base(),
            factor: default_factor(),
            max: default_max(),
        }
    }
}

/// More memory for the retry of an OOMKilled attempt.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
pub struct MemoryBump {
    /// What the memory limit is multiplied by (default 2).
    #[serde(default = "default_factor")]
    #[schemars(range(min = 1.0, max = 16.0))]
    pub factor: f64,
    /// The most memory a retry gets, a quantity (`4Gi`).
    pub max: String,
}

/// One execution of a tool.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, JsonSchema)]
#[kube(
    group = "jobs.korral.dev",
    version = "v1alpha1",
    kind = "Run",
    namespaced,
    status = "RunStatus",
    shortname = "kr",
    category = "korral",
    doc = "One execution of a Tool, retried by its policy; each attempt is a Job named RUN-N",
    printcolumn(name = "Tool", type_ = "string", json_path = ".spec.tool"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Attempts",
        type_ = "integer",
        json_path = ".status.attemptCount"
    ),
    printcolumn(name = "Reason", type_ = "string", json_path = ".status.reason"),
    printcolumn(
        name = "Queue",
        type_ = "string",
        json_path = ".spec.queue",
        priority = 1
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct RunSpec {
    /// The Tool's name, in the Run's namespace.
    #[schemars(length(min = 1, max = 253))]
    pub tool: String,
    /// Arguments instead of the tool's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Environment added to the tool's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// The queue instead of the tool's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// The priority instead of the tool's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// The retry policy instead of the tool's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryPolicy>,
    /// Set to stop the run: its Job is deleted and it ends Cancelled.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancel: bool,
    /// Raised by `korral jobs retry`: each increase starts a finished run again with a
    /// fresh retry budget (its attempts keep counting).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub restarts: u32,
    /// Where the run's output comes from (set by a workflow for its steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Output>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if takes a reference
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Where a run is.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum Phase {
    /// Waiting for its queue to admit it.
    #[default]
    Queued,
    /// An attempt runs.
    Running,
    /// An attempt failed; the next one starts after the backoff.
    Retrying,
    /// An attempt succeeded.
    Succeeded,
    /// An attempt failed in a way its retry policy does not retry.
    Failed,
    /// Every retry failed: the run waits in the dead-letter queue.
    DeadLettered,
    /// Stopped by `spec.cancel`.
    Cancelled,
}

impl Phase {
    /// Whether the run is over (it may still be retried from the dead-letter queue).
    pub fn finished(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::DeadLettered | Self::Cancelled
        )
    }

    /// Whether the run holds a place in its queue.
    pub fn active(self) -> bool {
        matches!(self, Self::Running | Self::Retrying)
    }

    /// The name as written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "Queued",
            Self::Running => "Running",
            Self::Retrying => "Retrying",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::DeadLettered => "DeadLettered",
            Self::Cancelled => "Cancelled",
        }
    }
}

/// What the controller knows of a run.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunStatus {
    /// Where the run is.
    #[serde(default)]
    pub phase: Phase,
    /// Every attempt, the first first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
    /// How many attempts were made (for the printer column).
    #[serde(default)]
    pub attempt_count: u32,
    /// A queued run's place in its queue, 1 first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<u32>,
    /// The last failure's category, or why a queued run waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A sentence for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When a retrying run's next attempt starts (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_time: Option<String>,
    /// When the first attempt started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// When the run finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_time: Option<String>,
    /// The memory limit the next attempt gets after an OOMKilled one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// The `spec.restarts` last acted on.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub restarts: u32,
    /// How many attempts the current round (since the last restart) began with.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub round_start: u32,
    /// Set once the TTL deleted the run's Jobs and pods.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cleaned_up: bool,
    /// The queue it waits or runs in (the run's, else the tool's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Its priority (the run's, else the tool's).
    #[serde(default)]
    pub priority: i32,
    /// What its pod requests (`cpu` in cores, `memory` in bytes), for its queue's
    /// budget.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, f64>,
    /// The output of a succeeded run that has one (`spec.output`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// One attempt: a Job named `RUN-N`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// The Job's name.
    pub job: String,
    /// The pod that ran it, once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// When the Job was created (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// The tool's exit code, when it exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Why it failed: a [`Category`], empty while it runs or when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Category>,
    /// The failure in words (`exit code 1`, `Back-off pulling image "x"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The last lines of the tool's log, kept before the pod is deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_tail: Vec<String>,
    /// The memory limit it ran with, when a retry raised it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// Whether it succeeded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub succeeded: bool,
}

/// A queue: how many runs and how much of the cluster its runs may use at once.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, JsonSchema)]
#[kube(
    group = "jobs.korral.dev",
    version = "v1alpha1",
    kind = "Queue",
    namespaced,
    status = "QueueStatus",
    shortname = "kq",
    category = "korral",
    doc = "A queue: runs wait in it by priority until there is room",
    printcolumn(name = "Max", type_ = "integer", json_path = ".spec.maxConcurrent"),
    printcolumn(name = "Running", type_ = "integer", json_path = ".status.running"),
    printcolumn(name = "Waiting", type_ = "integer", json_path = ".status.waiting"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct QueueSpec {
    /// The most runs at once (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub max_concurrent: Option<u32>,
    /// The most of each resource (`cpu`, `memory`, `nvidia.com/gpu`) the running runs'
    /// pods may request together, as quantities.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: BTreeMap<String, String>,
    /// Queues of the same cohort lend each other their unused budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort: Option<String>,
}

/// A queue's counts.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatus {
    /// Runs running or retrying.
    #[serde(default)]
    pub running: u32,
    /// Runs waiting.
    #[serde(default)]
    pub waiting: u32,
}

/// What to do with a schedule's new run while an earlier one still runs.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum ConcurrencyPolicy {
    /// Start it anyway.
    #[default]
    Allow,
    /// Skip it.
    Forbid,
    /// Cancel the running ones and start it.
    Replace,
}

/// Runs on a cron schedule.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, JsonSchema)]
#[kube(
    group = "jobs.korral.dev",
    version = "v1alpha1",
    kind = "Schedule",
    namespaced,
    status = "ScheduleStatus",
    shortname = "ks",
    category = "korral",
    doc = "Runs a Tool on a cron schedule in a time zone",
    printcolumn(name = "Schedule", type_ = "string", json_path = ".spec.schedule"),
    printcolumn(name = "Zone", type_ = "string", json_path = ".spec.timeZone"),
    printcolumn(name = "Suspend", type_ = "boolean", json_path = ".spec.suspend"),
    printcolumn(name = "Last", type_ = "date", json_path = ".status.lastScheduleTime"),
    printcolumn(
        name = "Next",
        type_ = "string",
        json_path = ".status.nextScheduleTime"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleSpec {
    /// A cron expression: five fields (minute hour day month weekday), or six with
    /// seconds first, or `@hourly`, `@daily`….
    #[schemars(length(min = 1, max = 200))]
    pub schedule: String,
    /// The IANA time zone the schedule is read in (default UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// What to do while an earlier run is still going (default Allow).
    #[serde(default)]
    pub concurrency_policy: ConcurrencyPolicy,
    /// A run missed by more than this many seconds is not started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "seconds")]
    pub starting_deadline_seconds: Option<i64>,
    /// How many missed runs are started after the controller was away (default 1: the
    /// latest, as CronJob does; 0: none).
    #[serde(default = "one")]
    #[schemars(range(min = 0, max = 100))]
    pub catch_up: u32,
    /// Stop starting runs.
    #[serde(default)]
    pub suspend: bool,
    /// How many finished runs are kept.
    #[serde(default)]
    pub history: HistoryLimits,
    /// Each new value starts a run now (`korral jobs schedule trigger`), within the
    /// concurrency policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// The run to start.
    pub run: RunSpec,
}

fn one() -> u32 {
    1
}

/// What a schedule did.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleStatus {
    /// The latest fire time a run was started for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_schedule_time: Option<String>,
    /// The next fire time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_schedule_time: Option<String>,
    /// The `spec.trigger` last acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_trigger: Option<String>,
    /// Why the last fire time or trigger started nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A DAG of runs.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, JsonSchema)]
#[kube(
    group = "jobs.korral.dev",
    version = "v1alpha1",
    kind = "Workflow",
    namespaced,
    status = "WorkflowStatus",
    shortname = "kw",
    category = "korral",
    doc = "Steps run as Runs once the steps they depend on succeeded",
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowSpec {
    /// The steps; names are unique.
    #[schemars(length(min = 1, max = 200))]
    pub steps: Vec<Step>,
    /// Stop starting steps once one failed (default true); otherwise the steps that do
    /// not depend on it go on.
    #[serde(default = "yes")]
    pub fail_fast: bool,
}

fn yes() -> bool {
    true
}

/// One step of a workflow.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The step's name: a DNS label, unique in the workflow.
    #[schemars(
        length(min = 1, max = 40),
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    )]
    pub name: String,
    /// The Tool it runs.
    #[schemars(length(min = 1, max = 253))]
    pub tool: String,
    /// Arguments; `{{steps.NAME.output}}` is replaced by that step's output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Environment added to the tool's; values take `{{steps.NAME.output}}` too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// Steps that must succeed first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// The retry policy instead of the tool's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryPolicy>,
    /// Where the step's output comes from, for later steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Output>,
}

/// A step's output, for later steps' `{{steps.NAME.output}}`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// Where it comes from.
    pub from: OutputSource,
    /// With `File`: the file's absolute path in the tool's container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Where a step's output comes from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum OutputSource {
    /// The last line of its log.
    LastLogLine,
    /// A file the tool writes (at most 4 KiB, as Kubernetes' termination messages):
    /// the container's `terminationMessagePath` is set to it, and the kubelet keeps
    /// its text in the container's status.
    File,
}

/// A step's or workflow's state.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum StepPhase {
    /// Waiting for the steps it depends on.
    #[default]
    Pending,
    /// Its run is going.
    Running,
    /// Its run succeeded.
    Succeeded,
    /// Its run failed.
    Failed,
    /// It will not run: a step it depends on failed, or fail-fast stopped the workflow.
    Skipped,
}

impl StepPhase {
    /// The name as written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Skipped => "Skipped",
        }
    }
}

/// A workflow's state.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowStatus {
    /// `Running` while steps run or wait, then `Succeeded` or `Failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Every step's state by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub steps: BTreeMap<String, StepStatus>,
    /// Why the workflow cannot run (a cycle, an unknown step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A step's state.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepStatus {
    /// Where the step is.
    #[serde(default)]
    pub phase: StepPhase,
    /// Its Run, `WORKFLOW-STEP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// When its run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// When its run finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Its output, once it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// The five CustomResourceDefinitions, in the order they are installed.
pub fn crds() -> Vec<CustomResourceDefinition> {
    use kube::CustomResourceExt;
    vec![
        Tool::crd(),
        Run::crd(),
        Queue::crd(),
        Schedule::crd(),
        Workflow::crd(),
    ]
}
