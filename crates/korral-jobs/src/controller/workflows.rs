//! The Workflow reconciler: each step a Run `WORKFLOW-STEP` owned by the workflow,
//! started once the steps it depends on succeeded, with their outputs passed on.

use std::collections::BTreeMap;
use std::sync::Arc;

use kube::api::{Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::{Api, Resource, ResourceExt};
use serde_json::json;

use super::{Context, MANAGER, create_run, requeue};
use crate::error::{Error, Result};
use crate::resources::{
    EnvVar, Phase, Run, RunSpec, StepPhase, StepStatus, Workflow, WorkflowStatus,
};
use crate::workflow::{self, progress, run_name, substitute};

/// The label on a workflow step's Run naming its Workflow.
pub const WORKFLOW_LABEL: &str = "jobs.korral.dev/workflow";
/// The label on a workflow step's Run naming its step.
pub const STEP_LABEL: &str = "jobs.korral.dev/step";

fn step_phase(phase: Phase) -> StepPhase {
    match phase {
        Phase::Queued | Phase::Running | Phase::Retrying => StepPhase::Running,
        Phase::Succeeded => StepPhase::Succeeded,
        Phase::Failed | Phase::DeadLettered | Phase::Cancelled => StepPhase::Failed,
    }
}

pub(super) async fn reconcile(wf: Arc<Workflow>, context: Arc<Context>) -> Result<Action> {
    let ns = wf.namespace().unwrap_or_default();
    let name = wf.name_any();
    let api: Api<Workflow> = context.api(&ns);
    let old = wf.status.clone().unwrap_or_default();
    let mut status = WorkflowStatus {
        phase: old.phase.clone(),
        ..WorkflowStatus::default()
    };
    if let Err(message) = workflow::validate(&wf.spec.steps) {
        status.phase = Some("Failed".to_owned());
        status.message = Some(message);
        write(&api, &name, &old, status).await?;
        return Ok(Action::await_change());
    }
    let runs: Api<Run> = context.api(&ns);
    let mut phases = BTreeMap::new();
    let mut outputs = BTreeMap::new();
    for step in &wf.spec.steps {
        let mut s = old.steps.get(&step.name).cloned().unwrap_or_default();
        let run_name = run_name(&name, &step.name);
        let run = context
            .runs
            .get(&kube::runtime::reflector::ObjectRef::new(&run_name).within(&ns));
        match run {
            Some(run) => {
                let rs = run.status.clone().unwrap_or_default();
                s.phase = step_phase(rs.phase);
                s.run = Some(run_name);
                s.start_time.clone_from(&rs.start_time);
                s.end_time.clone_from(&rs.completion_time);
                s.output.clone_from(&rs.output);
                if let Some(o) = &rs.output {
                    outputs.insert(step.name.clone(), o.clone());
                }
            }
            // A step started but not yet in the cache is still running.
            None if s.run.is_some() && s.phase != StepPhase::Skipped => {
                s.phase = StepPhase::Running;
            }
            None => {}
        }
        phases.insert(step.name.clone(), s.phase);
        status.steps.insert(step.name.clone(), s);
    }
    let plan = progress(&wf.spec.steps, &phases, wf.spec.fail_fast);
    for skipped in &plan.skip {
        if let Some(s) = status.steps.get_mut(skipped) {
            s.phase = StepPhase::Skipped;
        }
    }
    for start in &plan.start {
        let Some(step) = wf.spec.steps.iter().find(|s| &s.name == start) else {
            continue;
        };
        let run_name = run_name(&name, &step.name);
        let spec = RunSpec {
            tool: step.tool.clone(),
            args: step.args.iter().map(|a| substitute(a, &outputs)).collect(),
            env: step
                .env
                .iter()
                .map(|e| EnvVar {
                    name: e.name.clone(),
                    value: substitute(&e.value, &outputs),
                })
                .collect(),
            retry: step.retry.clone(),
            output: step.output.clone(),
            ..RunSpec::default()
        };
        let labels = [
            (WORKFLOW_LABEL.to_owned(), name.clone()),
            (STEP_LABEL.to_owned(), step.name.clone()),
        ]
        .into();
        create_run(&runs, &run_name, spec, labels, wf.controller_owner_ref(&())).await?;
        if let Some(s) = status.steps.get_mut(start) {
            s.phase = StepPhase::Running;
            s.run = Some(run_name);
        }
    }
    status.phase = Some(plan.phase.to_owned());
    let done = plan.phase != "Running";
    write(&api, &name, &old, status).await?;
    Ok(if done {
        Action::await_change()
    } else {
        requeue(&context, None)
    })
}

async fn write(
    api: &Api<Workflow>,
    name: &str,
    old: &WorkflowStatus,
    status: WorkflowStatus,
) -> Result<()> {
    if *old == status {
        return Ok(());
    }
    let steps: BTreeMap<&String, &StepStatus> = status.steps.iter().collect();
    // A merge patch of the whole status: steps no longer present would linger, so
    // they are set to null.
    let mut patch =
        json!({"status": {"phase": status.phase, "message": status.message, "steps": steps}});
    for gone in old.steps.keys().filter(|k| !status.steps.contains_key(*k)) {
        patch["status"]["steps"][gone] = serde_json::Value::Null;
    }
    api.patch_status(name, &PatchParams::apply(MANAGER), &Patch::Merge(&patch))
        .await
        .map_err(Error::api(format!("update the status of Workflow {name}")))?;
    Ok(())
}
