//! The Run reconciler: admission, attempts, classification, retries, the dead-letter
//! state, cancellation, restarts from the dead-letter queue and TTL cleanup.

use std::fmt::Write as _;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event as CoreEvent, Pod};
use kube::api::{DeleteParams, ListParams, LogParams, PostParams, PropagationPolicy};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType};
use kube::runtime::finalizer::{Event as Finalize, finalizer};
use kube::{Api, Resource, ResourceExt};
use serde_json::Value;

use super::{Context, MANAGER, is_conflict, is_not_found, requeue, spawn};
use crate::classify::{Evidence, Outcome, classify};
use crate::error::{Error, Result};
use crate::queue::{self, Active, Limits, Waiting};
use crate::resources::{Attempt, OutputSource, Phase, Queue, Run, RunStatus, Tool, ToolSpec};
use crate::retry::{self, Decision};

/// The label on an attempt's Job and pod naming its Run.
pub const RUN_LABEL: &str = "jobs.korral.dev/run";
/// The label on an attempt's Job and pod giving its number (1 for the first).
pub const ATTEMPT_LABEL: &str = "jobs.korral.dev/attempt";
/// The Run finalizer: the controller stops a deleted run's attempt and frees its
/// place in the queue before the Run goes.
pub const FINALIZER: &str = "jobs.korral.dev/cleanup";

/// The longest log line kept in a Run's status; a line past it is cut.
const MAX_LOG_LINE: usize = 500;
/// How many runs at the head of a queue are woken when a place frees up.
const WAKE: usize = 3;
/// How many of the newest failed attempts keep their log lines (20 lines of at most
/// 500 bytes each: at most 100 KB of a Run's status).
const KEPT_LOG_TAILS: usize = 10;

pub(super) async fn reconcile(run: Arc<Run>, context: Arc<Context>) -> Result<Action> {
    let ns = run.namespace().unwrap_or_default();
    let name = run.name_any();
    let api: Api<Run> = context.api(&ns);
    finalizer(&api, FINALIZER, run, |event| async {
        match event {
            Finalize::Apply(run) => apply(&run, &context).await,
            Finalize::Cleanup(run) => cleanup(&run, &context).await,
        }
    })
    .await
    .map_err(|e| match e {
        kube::runtime::finalizer::Error::ApplyFailed(e)
        | kube::runtime::finalizer::Error::CleanupFailed(e) => e,
        other => Error::Finalizer(format!("{ns}/{name}"), other.to_string()),
    })
}

fn key(run: &Run) -> String {
    format!("{}/{}", run.namespace().unwrap_or_default(), run.name_any())
}

fn time(t: Timestamp) -> String {
    t.to_string()
}

fn parse(t: Option<&str>) -> Option<Timestamp> {
    t.and_then(|t| t.parse().ok())
}

/// A deleted Run: its Jobs (and their pods) go with it, and its place in the queue.
async fn cleanup(run: &Run, context: &Context) -> Result<Action> {
    delete_jobs(run, context).await?;
    free_place(context, run).await;
    Ok(Action::await_change())
}

async fn delete_jobs(run: &Run, context: &Context) -> Result<()> {
    let ns = run.namespace().unwrap_or_default();
    let jobs: Api<Job> = context.api(&ns);
    let selector = format!("{RUN_LABEL}={}", run.name_any());
    let list = jobs
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(Error::api(format!("list Jobs {selector} in {ns}")))?;
    for job in list {
        delete_job(&jobs, &job.name_any()).await?;
    }
    Ok(())
}

async fn delete_job(jobs: &Api<Job>, name: &str) -> Result<()> {
    // A Job's own default is to orphan its pods; they go with it.
    let dp = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Background),
        ..DeleteParams::default()
    };
    match jobs.delete(name, &dp).await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(Error::api(format!("delete Job {name}"))(e)),
    }
}

async fn event(context: &Context, run: &Run, warning: bool, reason: &str, note: String) {
    let event = Event {
        type_: if warning {
            EventType::Warning
        } else {
            EventType::Normal
        },
        reason: reason.to_owned(),
        note: Some(note),
        action: reason.to_owned(),
        secondary: None,
    };
    // Events are a courtesy: a failure to record one does not stop the run.
    let _ = context.recorder.publish(&event, &run.object_ref(&())).await;
}

/// Writes the status, conditional on the resourceVersion the decision was made from:
/// a stale cache gets a 409 and the reconcile runs again on fresh data.
async fn write(run: &Run, status: RunStatus, context: &Context) -> Result<()> {
    if run.status.as_ref() == Some(&status) {
        return Ok(());
    }
    let ns = run.namespace().unwrap_or_default();
    let api: Api<Run> = context.api(&ns);
    let mut new = run.clone();
    new.status = Some(status);
    new.metadata.managed_fields = None;
    let pp = PostParams {
        field_manager: Some(MANAGER.to_owned()),
        ..PostParams::default()
    };
    api.replace_status(&run.name_any(), &pp, &new)
        .await
        .map_err(Error::api(format!("update the status of Run {}", key(run))))?;
    Ok(())
}

async fn tool(run: &Run, context: &Context) -> Result<Option<Tool>> {
    let ns = run.namespace().unwrap_or_default();
    let tools: Api<Tool> = context.api(&ns);
    tools
        .get_opt(&run.spec.tool)
        .await
        .map_err(Error::api(format!("get Tool {ns}/{}", run.spec.tool)))
}

fn policy(run: &Run, tool: &ToolSpec) -> crate::resources::RetryPolicy {
    run.spec.retry.clone().unwrap_or_else(|| tool.retry.clone())
}

#[allow(clippy::too_many_lines)] // the phases, one arm each
async fn apply(run: &Run, context: &Context) -> Result<Action> {
    let now = context.now();
    let mut status = run.status.clone().unwrap_or_default();
    // `korral jobs retry`: a finished run starts again with a fresh retry budget.
    if run.spec.restarts > status.restarts {
        status.restarts = run.spec.restarts;
        if status.phase.finished() {
            status.phase = Phase::Queued;
            status.round_start = status.attempts.len() as u32;
            status.completion_time = None;
            status.next_attempt_time = None;
            status.message = Some("retried from the dead-letter queue".to_owned());
            event(
                context,
                run,
                false,
                "Restarted",
                "retried by request".to_owned(),
            )
            .await;
        }
        write(run, status, context).await?;
        return Ok(Action::requeue(std::time::Duration::from_millis(10)));
    }
    if status.phase.finished() {
        return finished(run, status, context, now).await;
    }
    if run.spec.cancel {
        if let Some(attempt) = status
            .attempts
            .last()
            .filter(|_| status.phase == Phase::Running)
        {
            delete_job(
                &context.api(&run.namespace().unwrap_or_default()),
                &attempt.job,
            )
            .await?;
        }
        status.phase = Phase::Cancelled;
        status.completion_time = Some(time(now));
        status.queue_position = None;
        status.message = Some("cancelled by request".to_owned());
        free_place(context, run).await;
        write(run, status, context).await?;
        event(
            context,
            run,
            false,
            "Cancelled",
            "cancelled by request".to_owned(),
        )
        .await;
        return Ok(Action::await_change());
    }
    let Some(tool) = tool(run, context).await? else {
        status.reason = Some("ToolNotFound".to_owned());
        status.message = Some(format!(
            "the Tool `{}` does not exist in this namespace; create it (`kubectl apply -f tool.yaml`)",
            run.spec.tool
        ));
        write(run, status, context).await?;
        return Ok(requeue(context, None));
    };
    let tool = tool.spec;
    if run.name_any().len() > spawn::MAX_RUN_NAME {
        status.phase = Phase::Failed;
        status.reason = Some("InvalidName".to_owned());
        status.message = Some(format!(
            "the Run's name is longer than {} characters, too long for its Jobs' names; use a shorter name",
            spawn::MAX_RUN_NAME
        ));
        write(run, status, context).await?;
        return Ok(Action::await_change());
    }
    match status.phase {
        Phase::Queued => admit(run, &tool, status, context, now).await,
        Phase::Retrying => {
            let due = parse(status.next_attempt_time.as_deref()).unwrap_or(now);
            if due > now {
                return Ok(requeue(context, Some(due.duration_since(now))));
            }
            start(run, &tool, status, context, now).await
        }
        Phase::Running => watch_attempt(run, &tool, status, context, now).await,
        _ => Ok(Action::await_change()),
    }
}

/// A queued run: starts when its queue has room, else says where it stands.
#[allow(clippy::too_many_lines)] // one decision under one lock, read top to bottom
async fn admit(
    run: &Run,
    tool: &ToolSpec,
    mut status: RunStatus,
    context: &Context,
    now: Timestamp,
) -> Result<Action> {
    let ns = run.namespace().unwrap_or_default();
    status.queue = run.spec.queue.clone().or_else(|| tool.queue.clone());
    status.priority = run.spec.priority.unwrap_or(tool.priority);
    status.requests = queue::requests(&tool.template, tool.resources.as_ref());
    let Some(queue_name) = status.queue.clone() else {
        return start(run, tool, status, context, now).await;
    };
    if run.status.is_none() {
        // First sight: say which queue and priority it has, so that runs created
        // together are all seen by each other's admission before any starts.
        status.reason = Some("Waiting".to_owned());
        write(run, status, context).await?;
        return Ok(Action::requeue(std::time::Duration::from_millis(20)));
    }
    let queues: Api<Queue> = context.api(&ns);
    let Some(q) = queues
        .get_opt(&queue_name)
        .await
        .map_err(Error::api(format!("get Queue {ns}/{queue_name}")))?
    else {
        status.reason = Some("QueueNotFound".to_owned());
        status.message = Some(format!(
            "the Queue `{queue_name}` does not exist in this namespace; create it or run without --queue"
        ));
        write(run, status, context).await?;
        return Ok(requeue(context, None));
    };
    let mut limits = match Limits::from_spec(&q.spec) {
        Ok(l) => l,
        Err(message) => {
            status.reason = Some("InvalidQueue".to_owned());
            status.message = Some(format!("Queue `{queue_name}`: {message}"));
            write(run, status, context).await?;
            return Ok(requeue(context, None));
        }
    };
    // Hold the admission lock from the decision to the write, so that two runs do not
    // both take the last place.
    let mut admitted = context.admitted.lock().await;
    let all = context.runs.state();
    let in_queue = |r: &&Arc<Run>| {
        r.namespace().as_deref() == Some(ns.as_str())
            && r.status.as_ref().and_then(|s| s.queue.as_deref()) == Some(queue_name.as_str())
    };
    if let Some(cohort) = q.spec.cohort.as_deref() {
        limits.borrowable = borrowable(&queues, cohort, &queue_name, &ns, &all).await?;
    }
    let me = key(run);
    let mut active = Vec::new();
    let mut waiting = Vec::new();
    let mut durations = Vec::new();
    for r in all.iter().filter(in_queue) {
        let k = key(r);
        let s = r.status.clone().unwrap_or_default();
        if k == me {
            continue;
        }
        if s.phase.active() || admitted.contains(&k) {
            if s.phase.active() {
                // The cache caught up: it counts as active on its own now.
                admitted.remove(&k);
            }
            active.push(Active {
                name: r.name_any(),
                requests: s.requests.clone(),
                started: s
                    .attempts
                    .last()
                    .and_then(|a| parse(a.start_time.as_deref())),
            });
        } else if s.phase == Phase::Queued {
            waiting.push(waiting_entry(r, &s));
        } else if let (Phase::Succeeded, Some(a), Some(b)) = (
            s.phase,
            parse(s.start_time.as_deref()),
            parse(s.completion_time.as_deref()),
        ) {
            durations.push(b.duration_since(a));
        }
    }
    // Admitted runs whose cache entry is gone (deleted) or finished free their place.
    admitted.retain(|k| {
        all.iter()
            .any(|r| key(r) == *k && r.status.as_ref().is_some_and(|s| !s.phase.finished()))
    });
    waiting.push(waiting_entry(run, &status));
    let verdicts = queue::admit(&limits, &active, &waiting, now, queue::median(durations));
    let mine = verdicts
        .into_iter()
        .find(|v| v.name == run.name_any())
        .unwrap_or_else(|| unreachable_verdict(run));
    if mine.admit {
        admitted.insert(me);
        drop(admitted);
        return start(run, tool, status, context, now).await;
    }
    drop(admitted);
    status.queue_position = Some(mine.position);
    status.reason = Some("Waiting".to_owned());
    let mut message = mine.reason.unwrap_or_default();
    if let Some(eta) = mine.estimated_start.filter(|t| *t > now) {
        let _ = write!(
            message,
            "; estimated start {}",
            eta.round(jiff::Unit::Second).unwrap_or(eta)
        );
    }
    status.message = Some(message);
    write(run, status, context).await?;
    // A run waiting in a full queue is woken when a place frees up
    // ([`free_place`]); it looks by itself only now and then, to update its position.
    Ok(Action::requeue(context.options.poll * 10))
}

/// A run left its queue (finished, cancelled, deleted): its place goes.
/// [`queue_heads`] wakes the runs that may take it.
async fn free_place(context: &Context, run: &Run) {
    context.admitted.lock().await.remove(&key(run));
}

/// When `changed` has left its queue, the runs at the head of that queue (a few, in
/// case the first ones are gone or no longer fit), to reconcile at once; else none.
pub(super) fn queue_heads(
    runs: &kube::runtime::reflector::Store<Run>,
    changed: &Run,
) -> Vec<kube::runtime::reflector::ObjectRef<Run>> {
    let leaving = changed.metadata.deletion_timestamp.is_some();
    let Some(status) = changed
        .status
        .as_ref()
        .filter(|s| leaving || s.phase.finished())
    else {
        return Vec::new();
    };
    let Some(queue_name) = status.queue.as_deref() else {
        return Vec::new();
    };
    let ns = changed.namespace();
    let mut waiting: Vec<(Waiting, Arc<Run>)> = runs
        .state()
        .into_iter()
        .filter(|r| r.namespace() == ns)
        .filter_map(|r| {
            let s = r.status.as_ref()?;
            (s.queue.as_deref() == Some(queue_name) && s.phase == Phase::Queued)
                .then(|| (waiting_entry(&r, s), Arc::clone(&r)))
        })
        .collect();
    waiting.sort_by(|(a, _), (b, _)| {
        b.priority
            .cmp(&a.priority)
            .then(a.created.cmp(&b.created))
            .then(a.name.cmp(&b.name))
    });
    waiting
        .into_iter()
        .take(WAKE)
        .map(|(_, r)| kube::runtime::reflector::ObjectRef::from_obj(&*r))
        .collect()
}

/// What the other queues of `cohort` lend: each one's budget less what its running
/// runs request.
async fn borrowable(
    queues: &Api<Queue>,
    cohort: &str,
    queue_name: &str,
    ns: &str,
    all: &[Arc<Run>],
) -> Result<queue::Resources> {
    let mut lent = queue::Resources::new();
    let others = queues
        .list(&ListParams::default())
        .await
        .map_err(Error::api(format!("list Queues in {ns}")))?;
    for other in others
        .items
        .iter()
        .filter(|o| o.spec.cohort.as_deref() == Some(cohort) && o.name_any() != queue_name)
    {
        let Ok(theirs) = Limits::from_spec(&other.spec) else {
            continue;
        };
        let other_name = other.name_any();
        for (resource, cap) in theirs.budget {
            let used: f64 = all
                .iter()
                .filter(|r| {
                    r.namespace().as_deref() == Some(ns)
                        && r.status.as_ref().is_some_and(|s| {
                            s.queue.as_deref() == Some(other_name.as_str()) && s.phase.active()
                        })
                })
                .filter_map(|r| r.status.as_ref()?.requests.get(&resource).copied())
                .sum();
            *lent.entry(resource).or_default() += (cap - used).max(0.0);
        }
    }
    Ok(lent)
}

fn waiting_entry(run: &Run, status: &RunStatus) -> Waiting {
    Waiting {
        name: run.name_any(),
        priority: status.priority,
        created: run
            .metadata
            .creation_timestamp
            .as_ref()
            .map_or(Timestamp::UNIX_EPOCH, |t| t.0),
        requests: status.requests.clone(),
    }
}

/// [`queue::admit`] gives a verdict for every run it is given; this stands in for the
/// impossible case without a panic: the run waits.
fn unreachable_verdict(run: &Run) -> queue::Verdict {
    queue::Verdict {
        name: run.name_any(),
        admit: false,
        position: 0,
        reason: Some("waiting".to_owned()),
        estimated_start: None,
    }
}

/// Starts the next attempt: creates Job `RUN-N`, or finds it created already.
async fn start(
    run: &Run,
    tool: &ToolSpec,
    mut status: RunStatus,
    context: &Context,
    now: Timestamp,
) -> Result<Action> {
    let ns = run.namespace().unwrap_or_default();
    let n = status.attempts.len() as u32 + 1;
    let memory = status.memory.clone().or_else(|| spawn::memory_limit(tool));
    let manifest = match spawn::job(run, tool, n, status.memory.as_deref()) {
        Ok(m) => m,
        Err(message) => {
            status.phase = Phase::Failed;
            status.reason = Some("InvalidTool".to_owned());
            status.message = Some(format!("Tool `{}`: {message}", run.spec.tool));
            status.completion_time = Some(time(now));
            write(run, status, context).await?;
            return Ok(Action::await_change());
        }
    };
    let job: Job = serde_json::from_value(manifest).map_err(|e| Error::Invalid {
        kind: "Tool",
        namespace: ns.clone(),
        name: run.spec.tool.clone(),
        message: format!("its template does not make a Job: {e}"),
    })?;
    let jobs: Api<Job> = context.api(&ns);
    let pp = PostParams {
        field_manager: Some(MANAGER.to_owned()),
        ..PostParams::default()
    };
    let job_name = spawn::job_name(&run.name_any(), n);
    match jobs.create(&pp, &job).await {
        Ok(_) => {
            event(
                context,
                run,
                false,
                "Started",
                format!("attempt {n}: Job {job_name}"),
            )
            .await;
        }
        // Created before a restart, or by a reconcile of a stale copy: the same attempt.
        Err(e) if is_conflict(&e) => {
            let existing = jobs
                .get(&job_name)
                .await
                .map_err(Error::api(format!("get Job {ns}/{job_name}")))?;
            let ours = existing
                .owner_references()
                .iter()
                .any(|o| Some(&o.uid) == run.metadata.uid.as_ref());
            if !ours {
                return Err(Error::Invalid {
                    kind: "Run",
                    namespace: ns,
                    name: run.name_any(),
                    message: format!(
                        "a Job `{job_name}` exists that this Run does not own; delete it or rename the Run"
                    ),
                });
            }
        }
        Err(e) => return Err(Error::api(format!("create Job {ns}/{job_name}"))(e)),
    }
    status.phase = Phase::Running;
    status.attempts.push(Attempt {
        job: job_name,
        start_time: Some(time(now)),
        memory: status.memory.clone().filter(|_| memory.is_some()),
        ..Attempt::default()
    });
    status.attempt_count = status.attempts.len() as u32;
    status.start_time.get_or_insert_with(|| time(now));
    status.queue_position = None;
    status.next_attempt_time = None;
    status.reason = None;
    status.message = None;
    write(run, status, context).await?;
    Ok(requeue(context, None))
}

/// A running attempt: looks at its Job and pod.
#[allow(clippy::too_many_lines)] // one arm per outcome
async fn watch_attempt(
    run: &Run,
    tool: &ToolSpec,
    mut status: RunStatus,
    context: &Context,
    now: Timestamp,
) -> Result<Action> {
    let ns = run.namespace().unwrap_or_default();
    let Some(attempt) = status.attempts.last().cloned() else {
        status.phase = Phase::Queued;
        write(run, status, context).await?;
        return Ok(requeue(context, None));
    };
    let jobs: Api<Job> = context.api(&ns);
    let job = jobs
        .get_opt(&attempt.job)
        .await
        .map_err(Error::api(format!("get Job {ns}/{}", attempt.job)))?;
    let pods: Api<Pod> = context.api(&ns);
    let selector = format!("batch.kubernetes.io/job-name={}", attempt.job);
    let mut list = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(Error::api(format!("list Pods {selector} in {ns}")))?
        .items;
    list.sort_by_key(|p| p.metadata.creation_timestamp.as_ref().map(|t| t.0));
    let pod = list.pop();
    let job_json = job.as_ref().and_then(|j| serde_json::to_value(j).ok());
    let pod_json = pod.as_ref().and_then(|p| serde_json::to_value(p).ok());
    let events = match &pod {
        Some(p) => pod_events(context, &ns, &p.name_any()).await,
        None => Vec::new(),
    };
    let outcome = classify(&Evidence {
        job: job_json.as_ref(),
        pod: pod_json.as_ref(),
        events: &events,
        now,
        unschedulable_after: SignedDuration::try_from(context.options.unschedulable_after)
            .unwrap_or(SignedDuration::MAX),
    });
    let index = status.attempts.len() - 1;
    let pod_name = pod.as_ref().map(ResourceExt::name_any);
    if pod_name.is_some() {
        status.attempts[index].pod.clone_from(&pod_name);
    }
    match outcome {
        Outcome::Running => {
            write(run, status, context).await?;
            Ok(requeue(context, None))
        }
        Outcome::Succeeded => {
            if let Some(output) = &run.spec.output {
                status.output = match output.from {
                    OutputSource::LastLogLine => match &pod_name {
                        Some(p) => log_tail(context, &ns, p, 1).await.pop(),
                        None => None,
                    },
                    OutputSource::File => pod_json.as_ref().and_then(|p| {
                        p.pointer("/status/containerStatuses/0/state/terminated/message")
                            .and_then(Value::as_str)
                            .map(|m| m.trim_end().to_owned())
                    }),
                };
            }
            let a = &mut status.attempts[index];
            a.end_time = Some(time(now));
            a.exit_code = Some(0);
            a.succeeded = true;
            status.phase = Phase::Succeeded;
            status.completion_time = Some(time(now));
            status.reason = None;
            status.message = None;
            free_place(context, run).await;
            write(run, status, context).await?;
            event(
                context,
                run,
                false,
                "Succeeded",
                format!("attempt {} succeeded", index + 1),
            )
            .await;
            Ok(finish_requeue(tool, context))
        }
        Outcome::Failed(failure) => {
            let tail = match &pod_name {
                Some(p) => log_tail(context, &ns, p, context.options.log_tail).await,
                None => Vec::new(),
            };
            if failure.stuck {
                delete_job(&jobs, &attempt.job).await?;
            }
            let a = &mut status.attempts[index];
            a.end_time = Some(time(now));
            a.exit_code = failure.exit_code;
            a.reason = Some(failure.category);
            a.message = Some(failure.message.clone());
            a.log_tail = tail;
            // Only the newest attempts keep their log lines: a run retried over and
            // over must stay far below the API server's object size limit.
            let keep_from = status.attempts.len().saturating_sub(KEPT_LOG_TAILS);
            for old in &mut status.attempts[..keep_from] {
                old.log_tail.clear();
            }
            let memory = status.memory.clone().or_else(|| spawn::memory_limit(tool));
            let failures = status.attempts[status.round_start as usize..]
                .iter()
                .filter(|a| !a.succeeded && a.reason.is_some())
                .count() as u32;
            status.reason = Some(failure.category.as_str().to_owned());
            match retry::decide(&policy(run, tool), failures, &failure, memory.as_deref()) {
                Decision::Retry { after, memory: m } => {
                    status.phase = Phase::Retrying;
                    let next = now.checked_add(after).unwrap_or(now);
                    status.next_attempt_time = Some(time(next));
                    if m != memory {
                        status.memory = m;
                    }
                    status.message = Some(format!(
                        "attempt {} failed: {}; retrying in {}s",
                        index + 1,
                        failure.message,
                        after.as_secs()
                    ));
                    let note = status.message.clone().unwrap_or_default();
                    write(run, status, context).await?;
                    event(context, run, true, "AttemptFailed", note).await;
                    Ok(requeue(context, Some(after)))
                }
                Decision::GiveUp { phase, message } => {
                    status.phase = phase;
                    status.completion_time = Some(time(now));
                    status.message = Some(message.clone());
                    free_place(context, run).await;
                    write(run, status, context).await?;
                    let reason = if phase == Phase::DeadLettered {
                        "DeadLettered"
                    } else {
                        "Failed"
                    };
                    event(context, run, true, reason, message).await;
                    Ok(finish_requeue(tool, context))
                }
            }
        }
    }
}

fn finish_requeue(tool: &ToolSpec, context: &Context) -> Action {
    match tool.ttl_after_finished {
        Some(_) => requeue(context, None),
        None => Action::await_change(),
    }
}

/// A finished run: its Jobs and pods go once its TTL passed; the Run stays.
async fn finished(
    run: &Run,
    mut status: RunStatus,
    context: &Context,
    now: Timestamp,
) -> Result<Action> {
    if status.cleaned_up {
        return Ok(Action::await_change());
    }
    let Some(tool) = tool(run, context).await? else {
        return Ok(Action::await_change());
    };
    let Some(ttl) = tool.spec.ttl_after_finished else {
        return Ok(Action::await_change());
    };
    let done = parse(status.completion_time.as_deref()).unwrap_or(now);
    let due = done
        .checked_add(SignedDuration::from_secs(ttl))
        .unwrap_or(done);
    if due > now {
        return Ok(requeue(context, Some(due.duration_since(now))));
    }
    delete_jobs(run, context).await?;
    status.cleaned_up = true;
    write(run, status, context).await?;
    event(
        context,
        run,
        false,
        "CleanedUp",
        format!("deleted the run's Jobs and pods {ttl}s after it finished"),
    )
    .await;
    Ok(Action::await_change())
}

/// The last `lines` lines of the pod's first container, each cut at
/// [`MAX_LOG_LINE`]; none when the log cannot be read.
async fn log_tail(context: &Context, ns: &str, pod: &str, lines: u32) -> Vec<String> {
    let pods: Api<Pod> = context.api(ns);
    let params = LogParams {
        tail_lines: Some(i64::from(lines)),
        // The server stops there: a tool that prints megabytes on one line costs us
        // 64 KiB, not its whole log.
        limit_bytes: Some(64 * 1024),
        ..LogParams::default()
    };
    let Ok(text) = pods.logs(pod, &params).await else {
        return Vec::new();
    };
    let mut out: Vec<String> = text
        .lines()
        .map(|l| {
            let mut line = l.to_owned();
            if line.len() > MAX_LOG_LINE {
                let mut cut = MAX_LOG_LINE;
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                line.truncate(cut);
            }
            line
        })
        .collect();
    let keep = lines as usize;
    if out.len() > keep {
        out.drain(..out.len() - keep);
    }
    out
}

/// The pod's events, oldest first: `(reason, message)`; none when they cannot be read.
async fn pod_events(context: &Context, ns: &str, pod: &str) -> Vec<(String, String)> {
    let events: Api<CoreEvent> = context.api(ns);
    let params = ListParams::default().fields(&format!(
        "involvedObject.kind=Pod,involvedObject.name={pod}"
    ));
    let Ok(list) = events.list(&params).await else {
        return Vec::new();
    };
    let mut items = list.items;
    items.sort_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0));
    items
        .into_iter()
        .map(|e| (e.reason.unwrap_or_default(), e.message.unwrap_or_default()))
        .collect()
}
