use serde::Serialize;

/// The health of a cluster (or a namespace of it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The API server answered: where, and its version (live clusters only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<ApiInfo>,
    /// Nodes: counts, and the ones that need attention.
    pub nodes: NodeSummary,
    /// Workloads short of their desired replicas.
    pub workloads: Vec<WorkloadIssue>,
    /// Pods in a bad state.
    pub pods: Vec<PodIssue>,
    /// PersistentVolumeClaims not bound.
    pub claims: Vec<ClaimIssue>,
    /// Jobs that failed.
    pub jobs: Vec<JobIssue>,
    /// Warning events within the window, newest first.
    pub events: Vec<EventLine>,
    /// Nodes, workloads, pods, claims and jobs with no status recorded: manifests that
    /// were never applied (or not yet reconciled). Neither healthy nor broken: unknown.
    pub not_deployed: Vec<NotDeployed>,
    /// Whether nothing above needs attention (Warning events and objects not deployed
    /// do not count).
    pub healthy: bool,
    /// One line: `3 nodes (1 NotReady), 41 pods (2 failing), …`.
    pub summary: String,
}

/// An object with no status recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotDeployed {
    /// Kind.
    pub kind: String,
    /// Namespace; empty when cluster-scoped.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `file:line` of the document, when read from files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The API server of a live cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApiInfo {
    /// The kubeconfig context.
    pub context: String,
    /// The server's address.
    pub server: String,
    /// Its version (`v1.33.1`).
    pub version: String,
}

/// Node counts and the nodes that need attention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NodeSummary {
    /// How many nodes.
    pub total: usize,
    /// How many are Ready.
    pub ready: usize,
    /// Nodes that are not Ready, under pressure, or cordoned.
    pub issues: Vec<NodeIssue>,
}

/// A node that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeIssue {
    /// Node name.
    pub name: String,
    /// `NotReady`, `Unknown`, `MemoryPressure`, `DiskPressure`, `PIDPressure`,
    /// `NetworkUnavailable`, `Cordoned`.
    pub problems: Vec<String>,
    /// The Ready condition's message, when not Ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `file:line` of the document, when read from files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A workload with fewer ready replicas than it wants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkloadIssue {
    /// `Deployment`, `StatefulSet` or `DaemonSet`.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Replicas wanted (DaemonSets: pods scheduled).
    pub desired: i64,
    /// Replicas ready.
    pub ready: i64,
    /// `file:line` of the document, when read from files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A pod in a bad state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodIssue {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `CrashLoopBackOff`, `ImagePullBackOff`, `ErrImagePull`, `OOMKilled`, `Pending`,
    /// `Failed`, `CreateContainerConfigError`, …
    pub reason: String,
    /// The container the reason is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Restarts of that container (or of all containers).
    pub restarts: i64,
    /// What Kubernetes says about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `file:line` of the document, when read from files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A claim that is not bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimIssue {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `Pending` or `Lost`.
    pub phase: String,
    /// `file:line` of the document, when read from files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A Job that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobIssue {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The Failed condition's reason (`BackoffLimitExceeded`, `DeadlineExceeded`).
    pub reason: String,
    /// Its message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `file:line` of the document, when read from files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// An event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventLine {
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Namespace of the event.
    pub namespace: String,
    /// The object it is about: `Kind/name`.
    pub object: String,
    /// The event's reason (`BackOff`, `FailedScheduling`).
    pub reason: String,
    /// Its message.
    pub message: String,
    /// How many times it happened.
    pub count: i64,
    /// When it last happened (RFC 3339), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
}
