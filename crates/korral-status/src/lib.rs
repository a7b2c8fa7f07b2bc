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

mod analyze;
mod pod;
mod readiness;
mod report;
mod spec;

pub use analyze::{Options, analyze, event_line};
pub use pod::{is_hard_failure, pod_issue};
pub use readiness::{Health, Readiness, ReadyOptions, readiness};
pub use report::{
    ApiInfo, ClaimIssue, EventLine, JobIssue, NodeIssue, NodeSummary, NotDeployed, PodIssue,
    Report, WorkloadIssue,
};
