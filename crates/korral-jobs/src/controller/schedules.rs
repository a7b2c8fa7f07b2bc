//! The Schedule reconciler: Runs `SCHEDULE-UNIXSECONDS` at the fire times
//! [`schedule::plan`](crate::schedule::plan) picks, manual triggers, and the history
//! limits.

use std::sync::Arc;

use jiff::Timestamp;
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::{Api, Resource, ResourceExt};
use serde_json::json;

use super::{Context, MANAGER, create_run, is_not_found, requeue};
use crate::error::{Error, Result};
use crate::resources::{Phase, Run, Schedule, ScheduleStatus};
use crate::schedule::{Cadence, plan, run_name, trigger};

/// The label on a scheduled Run naming its Schedule.
pub const SCHEDULE_LABEL: &str = "jobs.korral.dev/schedule";

/// The name of a manually triggered run: the trigger's value, cut to what a name
/// may hold.
fn trigger_name(schedule: &str, value: &str) -> String {
    let clean: String = value
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    format!("{schedule}-t{clean}")
}

#[allow(clippy::too_many_lines)] // one pass: plan, cancel, start, trim, write
pub(super) async fn reconcile(schedule: Arc<Schedule>, context: Arc<Context>) -> Result<Action> {
    let ns = schedule.namespace().unwrap_or_default();
    let name = schedule.name_any();
    let api: Api<Schedule> = context.api(&ns);
    let runs: Api<Run> = context.api(&ns);
    let old = schedule.status.clone().unwrap_or_default();
    let mut status = old.clone();
    let cadence = match Cadence::new(&schedule.spec) {
        Ok(c) => c,
        Err(message) => {
            status.message = Some(message);
            write(&api, &name, &old, &status).await?;
            return Ok(Action::await_change());
        }
    };
    let now = context.now();
    let mine: Vec<Arc<Run>> = context
        .runs
        .state()
        .into_iter()
        .filter(|r| {
            r.namespace().as_deref() == Some(ns.as_str())
                && r.labels().get(SCHEDULE_LABEL) == Some(&name)
        })
        .collect();
    let active: Vec<String> = mine
        .iter()
        .filter(|r| !r.status.as_ref().is_some_and(|s| s.phase.finished()))
        .map(|r| r.name_any())
        .collect();
    let created = schedule
        .metadata
        .creation_timestamp
        .as_ref()
        .map_or(now, |t| t.0);
    let last = status
        .last_schedule_time
        .as_deref()
        .and_then(|t| t.parse::<Timestamp>().ok());
    let p = plan(&schedule.spec, &cadence, created, last, &active, now);
    let mut cancel = p.cancel.clone();
    let mut start: Vec<String> = p.start.iter().map(|t| run_name(&name, *t)).collect();
    status.message.clone_from(&p.message);
    if let Some(value) = schedule.spec.trigger.as_deref().filter(|t| !t.is_empty())
        && status.last_trigger.as_deref() != Some(value)
    {
        match trigger(&schedule.spec, &active) {
            Ok(more) => {
                cancel.extend(more);
                start.push(trigger_name(&name, value));
            }
            Err(message) => status.message = Some(message),
        }
        status.last_trigger = Some(value.to_owned());
    }
    for run in &cancel {
        let patch = json!({"spec": {"cancel": true}});
        match runs
            .patch(run, &PatchParams::apply(MANAGER), &Patch::Merge(&patch))
            .await
        {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(Error::api(format!("cancel Run {ns}/{run}"))(e)),
        }
    }
    for run_name in &start {
        let labels = [(SCHEDULE_LABEL.to_owned(), name.clone())].into();
        let owner = schedule.controller_owner_ref(&());
        create_run(&runs, run_name, schedule.spec.run.clone(), labels, owner).await?;
    }
    status.last_schedule_time = p.last.map(|t| t.to_string());
    status.next_schedule_time = p.next.map(|t| t.to_string());
    // History: the oldest finished runs past the limits go, with their Jobs.
    let limits = &schedule.spec.history;
    for (succeeded, keep) in [(true, limits.succeeded), (false, limits.failed)] {
        let mut done: Vec<&Arc<Run>> = mine
            .iter()
            .filter(|r| {
                r.status.as_ref().is_some_and(|s| {
                    s.phase.finished() && (s.phase == Phase::Succeeded) == succeeded
                })
            })
            .collect();
        done.sort_by_key(|r| r.metadata.creation_timestamp.as_ref().map(|t| t.0));
        let extra = done.len().saturating_sub(keep as usize);
        for r in &done[..extra] {
            match runs
                .delete(&r.name_any(), &DeleteParams::background())
                .await
            {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e) => {
                    return Err(Error::api(format!("delete Run {ns}/{}", r.name_any()))(e));
                }
            }
        }
    }
    write(&api, &name, &old, &status).await?;
    let until_next = p.next.map(|n| n.duration_since(now));
    Ok(requeue(&context, until_next))
}

async fn write(
    api: &Api<Schedule>,
    name: &str,
    old: &ScheduleStatus,
    status: &ScheduleStatus,
) -> Result<()> {
    if old == status {
        return Ok(());
    }
    let patch = json!({"status": {
        "lastScheduleTime": status.last_schedule_time,
        "nextScheduleTime": status.next_schedule_time,
        "lastTrigger": status.last_trigger,
        "message": status.message,
    }});
    api.patch_status(name, &PatchParams::apply(MANAGER), &Patch::Merge(&patch))
        .await
        .map_err(Error::api(format!("update the status of Schedule {name}")))?;
    Ok(())
}
