//! Run tools as Kubernetes Jobs with retries, failure analysis, a dead-letter queue,
//! cleanup, cron schedules, priority queues with capacity and DAG workflows.
//!
//! - [`resources`]: the custom resources of `jobs.korral.dev/v1alpha1` — [`Tool`],
//!   [`Run`], [`Queue`], [`Schedule`], [`Workflow`] — and [`crds`] to install them.
//! - The decisions, pure functions tested without a cluster: [`classify()`] (why an
//!   attempt failed, from its Job, pod and events), [`retry::decide`] (retry, with what
//!   backoff and memory, or give up), [`queue::admit`] (who starts, who waits and why,
//!   estimated starts), [`schedule::plan`] (which fire times start runs) and
//!   [`workflow::progress`] (which steps start or are skipped).
//! - [`controller`]: the reconcilers that act on those decisions, with a leader Lease.
//! - [`install`]: the manifests of an in-cluster controller (RBAC and a Deployment).

pub mod classify;
pub mod controller;
mod error;
pub mod install;
pub mod queue;
pub mod resources;
pub mod retry;
pub mod schedule;
pub mod workflow;

pub use classify::{Evidence, Failure, Outcome, classify};
pub use error::{Error, Result};
pub use resources::{
    API_VERSION, Attempt, Category, ConcurrencyPolicy, GROUP, Phase, Queue, QueueSpec, Run,
    RunSpec, RunStatus, Schedule, ScheduleSpec, Step, StepPhase, Tool, ToolSpec, Workflow,
    WorkflowSpec, crds,
};
