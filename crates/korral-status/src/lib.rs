//! What is wrong with a cluster, in one report.
//!
//! [`analyze`] reads an [`ObjectSet`] (live, or a dump) and returns a [`Report`]: nodes
//! that are not Ready, under pressure or cordoned; Deployments, StatefulSets and
//! DaemonSets short of their desired replicas; pods in CrashLoopBackOff,
//! ImagePullBackOff, OOMKilled, failed, or Pending too long, with the reason; claims
//! still Pending; failed Jobs; recent Warning events; objects with no status recorded
//! (manifests never applied: not deployed, not broken); and one summary line. It is a pure
//! function of the objects and a clock, so it reads a snapshot exactly as a live
//! cluster.
//!
//! ```no_run
//! use korral_core::Loader;
//! use korral_status::{Options, analyze};
//!
//! let set = Loader::new().path("dump.json").load()?;
//! let report = analyze(&set, &Options::for_snapshot(&set));
//! println!("{}", report.summary);
//! # Ok::<(), korral_core::Error>(())
//! ```
//!
//! For `korral deploy`, which waits for what it applied:
//! - [`readiness()`] says whether one object, as read back from the API server, is
//!   [`Health::Current`], [`Health::InProgress`] or [`Health::Failed`], by the kstatus
//!   rules (generic conditions and generations, then Deployment, StatefulSet,
//!   DaemonSet, ReplicaSet, Pod, Job, PersistentVolumeClaim, Service,
//!   CustomResourceDefinition, APIService, PodDisruptionBudget, and `Ready` /
//!   `Available` conditions for any other kind), with a short message that names the
//!   numbers (`2 of 3 updated replicas are available`). A Job is current only once it
//!   has completed.
//! - [`pod_issue`] is the report's judgement of one pod (`CrashLoopBackOff`,
//!   `ImagePullBackOff`, `OOMKilled`, `Unschedulable`, …, with the container and
//!   Kubernetes' message), and [`is_hard_failure`] says which of those reasons last
//!   until someone changes something: a workload in progress whose pods fail that way
//!   past a grace period has failed.
//!
//! ```
//! use korral_status::{Health, ReadyOptions, readiness};
//! use serde_json::json;
//!
//! let web = json!({
//!     "apiVersion": "apps/v1", "kind": "Deployment",
//!     "metadata": {"name": "web", "generation": 2},
//!     "spec": {"replicas": 3},
//!     "status": {
//!         "observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 2,
//!     },
//! });
//! let ready = readiness(&web, &ReadyOptions::default());
//! assert_eq!(ready.health, Health::InProgress);
//! assert_eq!(ready.message, "2 of 3 updated replicas are available");
//! ```

mod analyze;
mod pod;
mod readiness;
mod report;
mod spec;

pub use analyze::{Options, analyze, event_line, event_lines};
pub use pod::{is_hard_failure, pod_issue};
pub use readiness::{Health, Readiness, ReadyOptions, readiness};
pub use report::{
    ApiInfo, ClaimIssue, EventLine, JobIssue, NodeIssue, NodeSummary, NotDeployed, PodIssue,
    Report, WorkloadIssue,
};
