//! The controller: three kube-runtime reconcilers (Runs, Workflows, Schedules) that
//! act on the pure decisions of this crate, behind a leader Lease so that only one
//! controller acts at a time.
//!
//! Everything it does can be redone: each attempt is a Job named `RUN-N`, each
//! workflow step's Run `WORKFLOW-STEP`, each scheduled Run `SCHEDULE-UNIXSECONDS`, so a
//! controller that restarts, or reconciles an object its cache has not caught up with,
//! finds what it already created (a 409 on create) instead of creating it twice, and
//! status writes carry the resourceVersion they were computed from.
//!
//! ```no_run
//! # async fn run(client: kube::Client) -> korral_jobs::Result<()> {
//! use korral_jobs::controller::{Options, run};
//! run(client, Options::new(Some("batch".to_owned()))).await
//! # }
//! ```

mod lease;
mod runs;
mod schedules;
mod spawn;
mod workflows;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use kube::runtime::controller::{Action, Controller};
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::watcher;
use kube::{Api, Client};

use crate::error::{Error, Result};
use crate::resources::{Run, Schedule, Workflow};

pub use lease::LEASE_NAME;
pub use runs::{ATTEMPT_LABEL, FINALIZER, RUN_LABEL};
pub use schedules::SCHEDULE_LABEL;
pub use workflows::WORKFLOW_LABEL;

/// The field manager and event reporter name.
pub const MANAGER: &str = "korral-jobs";

/// Where the controller takes the time from: the system clock, or a test's.
pub trait Clock: Send + Sync {
    /// The time now.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock a test sets.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock standing at `t`.
    pub fn new(t: Timestamp) -> Self {
        Self(Mutex::new(t))
    }

    /// Moves it to `t`.
    pub fn set(&self, t: Timestamp) {
        if let Ok(mut now) = self.0.lock() {
            *now = t;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map_or_else(|_| Timestamp::now(), |t| *t)
    }
}

/// How the controller runs.
#[derive(Clone)]
pub struct Options {
    /// The one namespace watched; `None`: all.
    pub namespace: Option<String>,
    /// The namespace of the leader Lease (default: the watched one, else `default`).
    pub lease_namespace: String,
    /// Who this controller is in the Lease (default: the host name and process id).
    pub identity: String,
    /// How long the Lease holds without renewal (default 15 s).
    pub lease_duration: Duration,
    /// How often a running attempt's pod is looked at, and a waiting run's queue
    /// (default 5 s): pod changes do not touch the Run or its Job.
    pub poll: Duration,
    /// How long a pod may stay unschedulable before its attempt fails (default 5 min).
    pub unschedulable_after: Duration,
    /// Log lines kept of a failed attempt (default 20).
    pub log_tail: u32,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Where failed reconciles are told (default: standard error, one line each, as
    /// a controller's log).
    pub log: Arc<dyn Fn(&str) + Send + Sync>,
}

impl Options {
    /// Defaults for `namespace` (`None`: all namespaces).
    pub fn new(namespace: Option<String>) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "korral".to_owned());
        Self {
            lease_namespace: namespace.clone().unwrap_or_else(|| "default".to_owned()),
            namespace,
            identity: format!("{host}-{}", std::process::id()),
            lease_duration: Duration::from_secs(15),
            poll: Duration::from_secs(5),
            unschedulable_after: Duration::from_secs(300),
            log_tail: 20,
            clock: Arc::new(SystemClock),
            log: Arc::new(|line| eprintln!("{line}")),
        }
    }
}

/// What the reconcilers share.
pub(crate) struct Context {
    pub client: Client,
    pub options: Options,
    pub recorder: Recorder,
    /// Every Run, as the Run controller's cache has them.
    pub runs: kube::runtime::reflector::Store<Run>,
    /// Runs admitted by this process that the cache may not show as running yet
    /// (`namespace/name`); admission is one at a time under this lock.
    pub admitted: tokio::sync::Mutex<HashSet<String>>,
}

impl Context {
    pub fn now(&self) -> Timestamp {
        self.options.clock.now()
    }

    pub fn api<K>(&self, namespace: &str) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), namespace)
    }
}

fn all<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// Runs the controller until the leader Lease is lost (an error) or the future is
/// dropped. It first waits to hold the Lease.
pub async fn run(client: Client, options: Options) -> Result<()> {
    let lease = lease::Lease::new(&client, &options);
    lease.acquire().await?;
    let ns = options.namespace.clone();
    let ns = ns.as_deref();
    let config = watcher::Config::default();
    let run_controller = Controller::new(all::<Run>(&client, ns), config.clone())
        .owns(all::<Job>(&client, ns), config.clone());
    let runs_store = run_controller.store();
    // A run that leaves its queue wakes the runs at the head of that queue, so that
    // they take its place at once rather than at their next look.
    let heads = runs_store.clone();
    let run_controller =
        run_controller.watches(all::<Run>(&client, ns), config.clone(), move |run: Run| {
            runs::queue_heads(&heads, &run)
        });
    let schedule_controller = Controller::new(all::<Schedule>(&client, ns), config.clone())
        .owns(all::<Run>(&client, ns), config.clone());
    let workflow_controller = Controller::new(all::<Workflow>(&client, ns), config.clone())
        .owns(all::<Run>(&client, ns), config);
    let context = Arc::new(Context {
        recorder: Recorder::new(
            client.clone(),
            Reporter {
                controller: MANAGER.to_owned(),
                instance: Some(options.identity.clone()),
            },
        ),
        client: client.clone(),
        options,
        runs: runs_store,
        admitted: tokio::sync::Mutex::new(HashSet::new()),
    });
    let runs = run_controller
        .run(runs::reconcile, error_policy, Arc::clone(&context))
        .for_each(logged(&context.options.log));
    let schedules = schedule_controller
        .run(schedules::reconcile, error_policy, Arc::clone(&context))
        .for_each(logged(&context.options.log));
    let workflows = workflow_controller
        .run(workflows::reconcile, error_policy, Arc::clone(&context))
        .for_each(logged(&context.options.log));
    tokio::select! {
        lost = lease.hold() => Err(lost),
        () = async { futures::join!(runs, schedules, workflows); } => Ok(()),
    }
}

/// Tells each failed reconcile of a controller's stream to `log`.
fn logged<T, E: std::error::Error + 'static>(
    log: &Arc<dyn Fn(&str) + Send + Sync>,
) -> impl FnMut(std::result::Result<T, E>) -> futures::future::Ready<()> + use<T, E> {
    let log = Arc::clone(log);
    move |result| {
        if let Err(e) = result
            && !stale(&e)
        {
            log(&report(&e));
        }
        futures::future::ready(())
    }
}

/// Whether a failed reconcile only wrote from a stale cache (a 409 on a status
/// write): normal under optimistic concurrency, retried at once, not worth a line.
fn stale(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(Error::Api {
            source: kube::Error::Api(s),
            ..
        }) = e.downcast_ref::<Error>()
        {
            return s.code == 409;
        }
        source = e.source();
    }
    false
}

/// One line for a failed reconcile, with its causes.
fn report(error: &dyn std::error::Error) -> String {
    let mut line = format!("korral-jobs: {error}");
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        // Wrappers often repeat their source in their own message.
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = e.source();
    }
    line
}

/// A failed reconcile is tried again after a short wait; the error is kept in the
/// object's Events by the reconcilers themselves where it concerns the user.
#[allow(clippy::needless_pass_by_value)] // the signature kube-runtime calls
fn error_policy<K>(_: Arc<K>, error: &Error, context: Arc<Context>) -> Action {
    // Conflicts (a stale cache) are normal and retried at once; the rest back off.
    let conflict = matches!(error, Error::Api { source: kube::Error::Api(s), .. } if s.code == 409);
    if conflict {
        Action::requeue(Duration::from_millis(50))
    } else {
        Action::requeue(context.options.poll.max(Duration::from_millis(200)))
    }
}

/// `Action::requeue` after at most the poll interval.
pub(crate) fn requeue(context: &Context, after: Option<jiff::SignedDuration>) -> Action {
    let poll = context.options.poll;
    let wait = after
        .and_then(|d| Duration::try_from(d).ok())
        .map_or(poll, |d| d.min(poll))
        .max(Duration::from_millis(10));
    Action::requeue(wait)
}

/// Creates a Run owned by `owner` with `labels`; one that exists already (created
/// before a restart, under its deterministic name) is the same run.
pub(crate) async fn create_run(
    runs: &Api<Run>,
    name: &str,
    spec: crate::resources::RunSpec,
    labels: std::collections::BTreeMap<String, String>,
    owner: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference>,
) -> Result<()> {
    let mut run = Run::new(name, spec);
    run.metadata.labels = Some(labels);
    run.metadata.owner_references = owner.map(|o| vec![o]);
    let pp = kube::api::PostParams {
        field_manager: Some(MANAGER.to_owned()),
        ..kube::api::PostParams::default()
    };
    match runs.create(&pp, &run).await {
        Ok(_) => Ok(()),
        Err(e) if is_conflict(&e) => Ok(()),
        Err(e) => Err(Error::api(format!("create Run {name}"))(e)),
    }
}

/// Whether a kube error is the API server's 409 AlreadyExists/Conflict.
pub(crate) fn is_conflict(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.code == 409)
}

/// Whether a kube error is a 404.
pub(crate) fn is_not_found(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.code == 404)
}
