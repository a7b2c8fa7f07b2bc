//! `korral run` and `korral jobs …`: tools run as Kubernetes Jobs by the korral-jobs
//! controller (Runs, Queues, Schedules, Workflows).

pub mod args;

use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use comfy_table::{Table, presets};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use korral_core::terminal::escape;
use korral_jobs::queue::{self, Active, Limits, Waiting};
use korral_jobs::{Phase, Queue, Run, RunSpec, Schedule, Workflow};
use kube::api::{DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use serde::Serialize;

use self::args::{
    ControllerArgs, DlqAction, DlqArgs, Format, InstallArgs, JobsArgs, JobsCommand, ListArgs,
    LogsArgs, NameArgs, QueueArgs, RunArgs, ScheduleCommand, Target, WorkflowCommand,
    WorkflowRunArgs,
};
use super::{ExitStatus, InputError};
use crate::printer::Printer;
use crate::source;

/// The field manager of korral's own writes to these resources.
const MANAGER: &str = "korral";

async fn connect(
    kubeconfig: Option<std::path::PathBuf>,
    context: Option<String>,
) -> anyhow::Result<(korral_kube::Client, String)> {
    let config = korral_kube::ClusterConfig::load(korral_kube::KubeOptions {
        kubeconfig,
        context,
        ..korral_kube::KubeOptions::default()
    })?;
    let namespace = config.namespace().to_owned();
    Ok((config.client().await?, namespace))
}

/// A client and the namespace (`None` with `-A`).
async fn target(t: &Target) -> anyhow::Result<(Client, Option<String>)> {
    let (client, default_ns) = connect(t.kubeconfig.clone(), t.context.clone()).await?;
    let ns = if t.all_namespaces {
        None
    } else {
        Some(t.namespace.clone().unwrap_or(default_ns))
    };
    Ok((client.kube().clone(), ns))
}

fn api<K>(client: &Client, ns: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    match ns {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

fn emit<T: Serialize>(
    format: Format,
    value: &T,
    table: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    Printer::new(None).emit(|out| match format {
        Format::Json => Printer::data(out, value, false),
        Format::Yaml => Printer::data(out, value, true),
        Format::Table => table(out),
    })
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING);
    t.set_header(header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>());
    t
}

fn phase(run: &Run) -> Phase {
    run.status.as_ref().map(|s| s.phase).unwrap_or_default()
}

fn age(created: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> String {
    let Some(t) = created else {
        return "-".to_owned();
    };
    let secs = Timestamp::now().as_second() - t.0.as_second();
    match secs {
        s if s < 120 => format!("{}s", s.max(0)),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

pub fn jobs(args: &JobsArgs) -> anyhow::Result<ExitStatus> {
    if let JobsCommand::Crds { output } = &args.command {
        return crds(*output);
    }
    let runtime = source::runtime()?;
    runtime.block_on(async {
        match &args.command {
            JobsCommand::Crds { .. } => unreachable!("handled above"),
            JobsCommand::Install(a) => install(a).await,
            JobsCommand::Controller(a) => controller(a).await,
            JobsCommand::List(a) => list(a).await,
            JobsCommand::Get(a) => get(a).await,
            JobsCommand::Logs(a) => logs(a).await,
            JobsCommand::Cancel(a) => cancel(a).await,
            JobsCommand::Retry(a) => retry(a).await,
            JobsCommand::Dlq(a) => dlq(a).await,
            JobsCommand::Queue(a) => queue_view(a).await,
            JobsCommand::Schedule(ScheduleCommand::Trigger(a)) => trigger(a).await,
            JobsCommand::Workflow(WorkflowCommand::Run(a)) => workflow_run(a).await,
            JobsCommand::Workflow(WorkflowCommand::Get(a)) => workflow_get(a).await,
        }
    })
}

fn crds(output: Format) -> anyhow::Result<ExitStatus> {
    let crds = korral_jobs::crds();
    Printer::new(None).emit(|out| {
        match output {
            Format::Json => Printer::data(out, &crds, false)?,
            Format::Yaml | Format::Table => {
                for (i, crd) in crds.iter().enumerate() {
                    if i > 0 {
                        writeln!(out, "---")?;
                    }
                    Printer::data(out, crd, true)?;
                }
            }
        }
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}

async fn install(args: &InstallArgs) -> anyhow::Result<ExitStatus> {
    let (client, _) = connect(args.kubeconfig.clone(), args.context.clone()).await?;
    let mut manifests: Vec<korral_apply::Manifest> = korral_jobs::crds()
        .into_iter()
        .map(|c| {
            korral_apply::Manifest::new(
                serde_json::to_value(c).unwrap_or_default(),
                "<korral jobs crds>",
            )
        })
        .collect();
    if !args.crds_only {
        let ns = &args.controller_namespace;
        manifests.push(korral_apply::Manifest::new(
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            "<korral jobs install>",
        ));
        for m in korral_jobs::install::manifests(ns, &args.image, args.watch.as_deref()) {
            manifests.push(korral_apply::Manifest::new(m, "<korral jobs install>"));
        }
    }
    let mut cluster = korral_apply::Cluster::connect(client).await?;
    let options = korral_apply::PutOptions {
        existing: korral_apply::Existing::Update,
        dry_run: args.dry_run,
        ..korral_apply::PutOptions::default()
    };
    let (puts, _) =
        korral_apply::put_all(&mut cluster, manifests, &options, &mut korral_apply::Quiet).await?;
    let mut failed = false;
    for put in &puts {
        let what = match &put.result {
            korral_apply::PutResult::Created => "created".to_owned(),
            korral_apply::PutResult::Updated => "updated".to_owned(),
            korral_apply::PutResult::SkippedExists => "unchanged".to_owned(),
            korral_apply::PutResult::Failed(why) => {
                failed = true;
                format!("failed: {}", escape(why))
            }
        };
        Printer::note(format_args!(
            "{} {what}{}",
            put.id,
            if args.dry_run { " (dry run)" } else { "" }
        ));
    }
    Ok(if failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}

async fn controller(args: &ControllerArgs) -> anyhow::Result<ExitStatus> {
    let (client, ns) = target(&args.target).await?;
    let mut options = korral_jobs::controller::Options::new(ns.clone());
    if let Some(lease) = &args.lease_namespace {
        options.lease_namespace.clone_from(lease);
    }
    options.log = std::sync::Arc::new(|line| Printer::warn(line));
    if !(args.poll.is_finite() && (0.01..=3600.0).contains(&args.poll)) {
        return Err(InputError(anyhow!(
            "--poll {} is not between 0.01 and 3600 seconds",
            args.poll
        ))
        .into());
    }
    options.poll = Duration::from_secs_f64(args.poll);
    Printer::note(format_args!(
        "korral-jobs controller for {} (waiting for the Lease `{}` in {})",
        ns.as_deref().unwrap_or("all namespaces"),
        korral_jobs::controller::LEASE_NAME,
        options.lease_namespace
    ));
    tokio::select! {
        result = korral_jobs::controller::run(client, options) => result?,
        _ = tokio::signal::ctrl_c() => Printer::note("interrupted; stopping"),
    }
    Ok(ExitStatus::Success)
}

/// `korral run TOOL`: creates a Run, and with `--wait` follows it to its end.
pub fn run(args: &RunArgs) -> anyhow::Result<ExitStatus> {
    let runtime = source::runtime()?;
    runtime.block_on(async {
        let (client, ns) = target(&args.target).await?;
        let ns = ns.ok_or_else(|| InputError(anyhow!("-A makes no sense for `korral run`; give -n NS")))?;
        let runs: Api<Run> = Api::namespaced(client.clone(), &ns);
        let spec = RunSpec {
            tool: args.tool.clone(),
            args: args.args.clone(),
            queue: args.queue.clone(),
            priority: args.priority,
            ..RunSpec::default()
        };
        let mut run = Run::new(args.name.as_deref().unwrap_or_default(), spec);
        if args.name.is_none() {
            run.metadata.name = None;
            // The controller names attempts RUN-N within 63 characters.
            let prefix: String = args.tool.chars().take(40).collect();
            run.metadata.generate_name = Some(format!("{prefix}-"));
        }
        let pp = PostParams { field_manager: Some(MANAGER.to_owned()), ..PostParams::default() };
        let created = runs.create(&pp, &run).await.with_context(|| {
            format!("cannot create a Run of `{}` in `{ns}`; are the CRDs installed (`korral jobs install --crds-only`)?", escape(&args.tool))
        })?;
        let name = created.name_any();
        Printer::note(format_args!("run/{name} created"));
        if !args.wait {
            emit(args.output, &created, |out| { writeln!(out, "{name}")?; Ok(()) })?;
            return Ok(ExitStatus::Success);
        }
        let done = wait_run(&runs, &name).await?;
        let ok = phase(&done) == Phase::Succeeded;
        emit(args.output, &done, |out| show_run(out, &done))?;
        Ok(if ok { ExitStatus::Success } else { ExitStatus::Findings })
    })
}

async fn wait_run(runs: &Api<Run>, name: &str) -> anyhow::Result<Run> {
    let mut last = None;
    loop {
        let run = runs.get(name).await?;
        let p = phase(&run);
        if last != Some(p) {
            Printer::note(format_args!("run/{name}: {}", p.as_str()));
            last = Some(p);
        }
        if p.finished() {
            return Ok(run);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn list(args: &ListArgs) -> anyhow::Result<ExitStatus> {
    let (client, ns) = target(&args.target).await?;
    let mut runs = api::<Run>(&client, ns.as_deref())
        .list(&ListParams::default())
        .await?
        .items;
    if let Some(p) = &args.phase {
        runs.retain(|r| phase(r).as_str().eq_ignore_ascii_case(p));
    }
    runs.sort_by_key(|r| (r.namespace(), r.name_any()));
    emit(args.output, &runs, |out| {
        let mut header = vec!["NAME", "TOOL", "PHASE", "ATTEMPTS", "REASON", "AGE"];
        if ns.is_none() {
            header.insert(0, "NAMESPACE");
        }
        let mut t = table(&header);
        for r in &runs {
            let s = r.status.clone().unwrap_or_default();
            let mut row = vec![
                escape(&r.name_any()).into_owned(),
                escape(&r.spec.tool).into_owned(),
                s.phase.as_str().to_owned(),
                s.attempts.len().to_string(),
                escape(s.reason.as_deref().unwrap_or("")).into_owned(),
                age(r.metadata.creation_timestamp.as_ref()),
            ];
            if ns.is_none() {
                row.insert(0, escape(&r.namespace().unwrap_or_default()).into_owned());
            }
            t.add_row(row);
        }
        writeln!(out, "{t}")?;
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}

fn show_run(out: &mut dyn Write, run: &Run) -> anyhow::Result<()> {
    let s = run.status.clone().unwrap_or_default();
    writeln!(out, "Run:       {}", escape(&run.name_any()))?;
    writeln!(out, "Tool:      {}", escape(&run.spec.tool))?;
    writeln!(out, "Phase:     {}", s.phase.as_str())?;
    if let Some(q) = &s.queue {
        let position = s
            .queue_position
            .map(|p| format!(", position {p}"))
            .unwrap_or_default();
        writeln!(
            out,
            "Queue:     {} (priority {}{position})",
            escape(q),
            s.priority
        )?;
    }
    if let Some(m) = &s.message {
        writeln!(out, "Message:   {}", escape(m))?;
    }
    for (i, a) in s.attempts.iter().enumerate() {
        writeln!(out)?;
        let result = if a.succeeded {
            "succeeded".to_owned()
        } else {
            match (&a.reason, &a.message) {
                (Some(r), Some(m)) => format!("{}: {}", r.as_str(), escape(m)),
                (Some(r), None) => r.as_str().to_owned(),
                _ => "running".to_owned(),
            }
        };
        writeln!(out, "Attempt {}: {result}", i + 1)?;
        writeln!(out, "  Job:     {}", escape(&a.job))?;
        if let Some(p) = &a.pod {
            writeln!(out, "  Pod:     {}", escape(p))?;
        }
        if let Some(t) = &a.start_time {
            writeln!(out, "  Started: {}", escape(t))?;
        }
        if let Some(t) = &a.end_time {
            writeln!(out, "  Ended:   {}", escape(t))?;
        }
        if let Some(m) = &a.memory {
            writeln!(out, "  Memory:  {}", escape(m))?;
        }
        if !a.log_tail.is_empty() {
            writeln!(out, "  Log:")?;
            for line in &a.log_tail {
                writeln!(out, "    {}", escape(line))?;
            }
        }
    }
    Ok(())
}

async fn get(args: &NameArgs) -> anyhow::Result<ExitStatus> {
    let (client, ns) = target(&args.target).await?;
    let ns = ns.ok_or_else(|| InputError(anyhow!("give -n NS, not -A")))?;
    let run = Api::<Run>::namespaced(client, &ns).get(&args.name).await?;
    emit(args.output, &run, |out| show_run(out, &run))?;
    Ok(ExitStatus::Success)
}

async fn logs(args: &LogsArgs) -> anyhow::Result<ExitStatus> {
    let (client, ns) = target(&args.target).await?;
    let ns = ns.ok_or_else(|| InputError(anyhow!("give -n NS, not -A")))?;
    let run = Api::<Run>::namespaced(client.clone(), &ns)
        .get(&args.name)
        .await?;
    let attempts = run.status.clone().unwrap_or_default().attempts;
    let index = args.attempt.map_or(attempts.len(), |n| n);
    let attempt = index
        .checked_sub(1)
        .and_then(|i| attempts.get(i))
        .ok_or_else(|| {
            InputError(anyhow!(
                "run `{}` has {} attempt(s); --attempt is 1 to {}",
                escape(&args.name),
                attempts.len(),
                attempts.len()
            ))
        })?;
    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let live = match &attempt.pod {
        Some(p) => pods
            .logs(
                p,
                &LogParams {
                    limit_bytes: Some(16 << 20),
                    ..LogParams::default()
                },
            )
            .await
            .ok(),
        None => None,
    };
    Printer::new(None).emit(|out| {
        if let Some(text) = &live {
            for line in text.lines() {
                writeln!(out, "{}", escape(line))?;
            }
        } else {
            Printer::note(format_args!(
                "the pod is gone; the last {} lines kept in the Run:",
                attempt.log_tail.len()
            ));
            for line in &attempt.log_tail {
                writeln!(out, "{}", escape(line))?;
            }
        }
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}

async fn patch_run(
    client: &Client,
    ns: &str,
    name: &str,
    patch: serde_json::Value,
) -> anyhow::Result<()> {
    Api::<Run>::namespaced(client.clone(), ns)
        .patch(name, &PatchParams::apply(MANAGER), &Patch::Merge(&patch))
        .await
        .with_context(|| format!("cannot change run `{}` in `{ns}`", escape(name)))?;
    Ok(())
}

async fn cancel(args: &NameArgs) -> anyhow::Result<ExitStatus> {
    let (client, ns) = target(&args.target).await?;
    let ns = ns.ok_or_else(|| InputError(anyhow!("give -n NS, not -A")))?;
    patch_run(
        &client,
        &ns,
        &args.name,
        serde_json::json!({"spec": {"cancel": true}}),
    )
    .await?;
    Printer::note(format_args!("run/{} cancelled", escape(&args.name)));
    Ok(ExitStatus::Success)
}

async fn restart(client: &Client, ns: &str, run: &Run) -> anyhow::Result<()> {
    let next = run.spec.restarts + 1;
    patch_run(
        client,
        ns,
        &run.name_any(),
        serde_json::json!({"spec": {"restarts": next}}),
    )
    .await
}

async fn retry(args: &NameArgs) -> anyhow::Result<ExitStatus> {
    let (client, ns) = target(&args.target).await?;
    let ns = ns.ok_or_else(|| InputError(anyhow!("give -n NS, not -A")))?;
    let run = Api::<Run>::namespaced(client.clone(), &ns)
        .get(&args.name)
        .await?;
    if !phase(&run).finished() {
        return Err(InputError(anyhow!(
            "run `{}` is {}; only a finished run is retried",
            escape(&args.name),
            phase(&run).as_str()
        ))
        .into());
    }
    restart(&client, &ns, &run).await?;
    Printer::note(format_args!("run/{} retried", escape(&args.name)));
    Ok(ExitStatus::Success)
}

async fn dlq(args: &DlqArgs) -> anyhow::Result<ExitStatus> {
    let (client, ns) = target(&args.target).await?;
    let runs_api = api::<Run>(&client, ns.as_deref());
    let mut dead: Vec<Run> = runs_api
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .filter(|r| phase(r) == Phase::DeadLettered)
        .collect();
    dead.sort_by_key(|r| (r.namespace(), r.name_any()));
    if args.action == DlqAction::List {
        emit(args.output, &dead, |out| {
            let mut t = table(&["NAMESPACE", "NAME", "TOOL", "ATTEMPTS", "LAST FAILURE"]);
            for r in &dead {
                let s = r.status.clone().unwrap_or_default();
                t.add_row(vec![
                    escape(&r.namespace().unwrap_or_default()).into_owned(),
                    escape(&r.name_any()).into_owned(),
                    escape(&r.spec.tool).into_owned(),
                    s.attempts.len().to_string(),
                    escape(s.message.as_deref().unwrap_or("")).into_owned(),
                ]);
            }
            writeln!(out, "{t}")?;
            Ok(())
        })?;
        return Ok(ExitStatus::Success);
    }
    if !args.all && args.names.is_empty() {
        return Err(InputError(anyhow!("name the runs, or give --all")).into());
    }
    for name in &args.names {
        if !dead.iter().any(|r| &r.name_any() == name) {
            return Err(InputError(anyhow!(
                "run `{}` is not in the dead-letter queue; see `korral jobs dlq`",
                escape(name)
            ))
            .into());
        }
    }
    for r in dead
        .iter()
        .filter(|r| args.all || args.names.contains(&r.name_any()))
    {
        let rns = r.namespace().unwrap_or_default();
        match args.action {
            DlqAction::Retry => {
                restart(&client, &rns, r).await?;
                Printer::note(format_args!("run/{} retried", escape(&r.name_any())));
            }
            DlqAction::Purge => {
                Api::<Run>::namespaced(client.clone(), &rns)
                    .delete(&r.name_any(), &DeleteParams::background())
                    .await?;
                Printer::note(format_args!("run/{} deleted", escape(&r.name_any())));
            }
            DlqAction::List => {}
        }
    }
    Ok(ExitStatus::Success)
}

/// One queue as `korral jobs queue` shows it.
#[derive(Debug, Serialize)]
struct QueueView {
    name: String,
    max_concurrent: Option<u32>,
    running: Vec<String>,
    waiting: Vec<queue::Verdict>,
}

async fn queue_view(args: &QueueArgs) -> anyhow::Result<ExitStatus> {
    let (client, ns) = target(&args.target).await?;
    let ns = ns.ok_or_else(|| InputError(anyhow!("give -n NS, not -A")))?;
    let queues = Api::<Queue>::namespaced(client.clone(), &ns)
        .list(&ListParams::default())
        .await?
        .items;
    let runs = Api::<Run>::namespaced(client, &ns)
        .list(&ListParams::default())
        .await?
        .items;
    if let Some(name) = &args.name
        && !queues.iter().any(|q| &q.name_any() == name)
    {
        return Err(InputError(anyhow!("there is no Queue `{}` in `{ns}`", escape(name))).into());
    }
    let now = Timestamp::now();
    let mut views = Vec::new();
    for q in queues
        .iter()
        .filter(|q| args.name.as_ref().is_none_or(|n| *n == q.name_any()))
    {
        let name = q.name_any();
        let limits =
            Limits::from_spec(&q.spec).map_err(|e| anyhow!("Queue `{}`: {e}", escape(&name)))?;
        let mine: Vec<&Run> = runs
            .iter()
            .filter(|r| r.status.as_ref().and_then(|s| s.queue.as_deref()) == Some(name.as_str()))
            .collect();
        let mut active = Vec::new();
        let mut waiting = Vec::new();
        let mut durations = Vec::new();
        for r in &mine {
            let s = r.status.clone().unwrap_or_default();
            if s.phase.active() {
                active.push(Active {
                    name: r.name_any(),
                    requests: s.requests.clone(),
                    started: s
                        .attempts
                        .last()
                        .and_then(|a| a.start_time.as_deref()?.parse().ok()),
                });
            } else if s.phase == Phase::Queued {
                waiting.push(Waiting {
                    name: r.name_any(),
                    priority: s.priority,
                    created: r.metadata.creation_timestamp.as_ref().map_or(now, |t| t.0),
                    requests: s.requests.clone(),
                });
            } else if let (Phase::Succeeded, Some(a), Some(b)) = (
                s.phase,
                s.start_time
                    .as_deref()
                    .and_then(|t| t.parse::<Timestamp>().ok()),
                s.completion_time
                    .as_deref()
                    .and_then(|t| t.parse::<Timestamp>().ok()),
            ) {
                durations.push(b.duration_since(a));
            }
        }
        let verdicts = queue::admit(&limits, &active, &waiting, now, queue::median(durations));
        views.push(QueueView {
            name,
            max_concurrent: q.spec.max_concurrent,
            running: active.iter().map(|a| a.name.clone()).collect(),
            waiting: verdicts,
        });
    }
    emit(args.output, &views, |out| print_queues(out, &views, now))?;
    Ok(ExitStatus::Success)
}

fn print_queues(out: &mut dyn Write, views: &[QueueView], now: Timestamp) -> anyhow::Result<()> {
    for v in views {
        let max = v
            .max_concurrent
            .map_or_else(|| "no limit".to_owned(), |m| m.to_string());
        writeln!(
            out,
            "Queue {} — running {} of {max}",
            escape(&v.name),
            v.running.len()
        )?;
        let mut t = table(&["POSITION", "RUN", "STATE", "WHY", "ESTIMATED START"]);
        for r in &v.running {
            t.add_row(vec![
                "-".to_owned(),
                escape(r).into_owned(),
                "Running".to_owned(),
                String::new(),
                String::new(),
            ]);
        }
        for w in &v.waiting {
            let eta = w.estimated_start.map_or_else(String::new, |t| {
                let secs = t.as_second() - now.as_second();
                if secs <= 0 {
                    "now".to_owned()
                } else {
                    format!("in {secs}s")
                }
            });
            t.add_row(vec![
                if w.admit {
                    "next".to_owned()
                } else {
                    w.position.to_string()
                },
                escape(&w.name).into_owned(),
                if w.admit {
                    "starting".to_owned()
                } else {
                    "Waiting".to_owned()
                },
                escape(w.reason.as_deref().unwrap_or("")).into_owned(),
                eta,
            ]);
        }
        writeln!(out, "{t}\n")?;
    }
    Ok(())
}

async fn trigger(args: &NameArgs) -> anyhow::Result<ExitStatus> {
    let (client, ns) = target(&args.target).await?;
    let ns = ns.ok_or_else(|| InputError(anyhow!("give -n NS, not -A")))?;
    let value = Timestamp::now().as_second().to_string();
    Api::<Schedule>::namespaced(client, &ns)
        .patch(
            &args.name,
            &PatchParams::apply(MANAGER),
            &Patch::Merge(&serde_json::json!({"spec": {"trigger": value}})),
        )
        .await
        .with_context(|| format!("cannot trigger schedule `{}` in `{ns}`", escape(&args.name)))?;
    Printer::note(format_args!(
        "schedule/{} triggered: run `{}-t{value}` starts unless its concurrency policy forbids it (see its status.message)",
        escape(&args.name),
        escape(&args.name)
    ));
    Ok(ExitStatus::Success)
}

async fn workflow_run(args: &WorkflowRunArgs) -> anyhow::Result<ExitStatus> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let wf: Workflow = serde_saphyr::from_str(&text)
        .map_err(|e| InputError(anyhow!("{}: not a Workflow: {e}", args.file.display())))?;
    korral_jobs::workflow::validate(&wf.spec.steps)
        .map_err(|e| InputError(anyhow!("{}: {e}", args.file.display())))?;
    let (client, ns) = target(&args.target).await?;
    let ns = wf
        .namespace()
        .or(ns)
        .ok_or_else(|| InputError(anyhow!("give -n NS, not -A")))?;
    let api: Api<Workflow> = Api::namespaced(client, &ns);
    let pp = PostParams {
        field_manager: Some(MANAGER.to_owned()),
        ..PostParams::default()
    };
    let created = api
        .create(&pp, &wf)
        .await
        .with_context(|| format!("cannot create the Workflow in `{ns}`"))?;
    let name = created.name_any();
    Printer::note(format_args!("workflow/{name} created"));
    if !args.wait {
        return Ok(ExitStatus::Success);
    }
    loop {
        let wf = api.get(&name).await?;
        let done = wf
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .is_some_and(|p| p != "Running");
        if done {
            let ok = wf.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Succeeded");
            emit(args.output, &wf, |out| draw(out, &wf))?;
            return Ok(if ok {
                ExitStatus::Success
            } else {
                ExitStatus::Findings
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn workflow_get(args: &NameArgs) -> anyhow::Result<ExitStatus> {
    let (client, ns) = target(&args.target).await?;
    let ns = ns.ok_or_else(|| InputError(anyhow!("give -n NS, not -A")))?;
    let wf = Api::<Workflow>::namespaced(client, &ns)
        .get(&args.name)
        .await?;
    emit(args.output, &wf, |out| draw(out, &wf))?;
    Ok(ExitStatus::Success)
}

/// The DAG as a tree: each step under its first dependency, later dependencies named
/// after it (`after b, c`), with its state and run.
fn draw(out: &mut dyn Write, wf: &Workflow) -> anyhow::Result<()> {
    let status = wf.status.clone().unwrap_or_default();
    writeln!(
        out,
        "{} {}",
        escape(&wf.name_any()),
        status.phase.as_deref().unwrap_or("Pending")
    )?;
    if let Some(m) = &status.message {
        writeln!(out, "  {}", escape(m))?;
    }
    let tree = Tree {
        wf,
        status: &status,
    };
    let roots = tree.children(None);
    for (k, &r) in roots.iter().enumerate() {
        tree.walk(out, r, "", k + 1 == roots.len(), 0)?;
    }
    Ok(())
}

/// A workflow being drawn.
struct Tree<'a> {
    wf: &'a Workflow,
    status: &'a korral_jobs::resources::WorkflowStatus,
}

impl Tree<'_> {
    /// The steps drawn under `parent` (their first dependency), or the roots.
    fn children(&self, parent: Option<&str>) -> Vec<usize> {
        let steps = &self.wf.spec.steps;
        (0..steps.len())
            .filter(|&i| steps[i].depends_on.first().map(String::as_str) == parent)
            .collect()
    }

    fn walk(
        &self,
        out: &mut dyn Write,
        i: usize,
        prefix: &str,
        last: bool,
        depth: usize,
    ) -> anyhow::Result<()> {
        let step = &self.wf.spec.steps[i];
        let s = self
            .status
            .steps
            .get(&step.name)
            .cloned()
            .unwrap_or_default();
        let branch = if last { "└─ " } else { "├─ " };
        let mut line = format!(
            "{prefix}{branch}{}  {}",
            escape(&step.name),
            s.phase.as_str()
        );
        if let Some(run) = &s.run {
            let _ = write!(line, "  run/{}", escape(run));
        }
        if step.depends_on.len() > 1 {
            let after: Vec<String> = step
                .depends_on
                .iter()
                .map(|d| escape(d).into_owned())
                .collect();
            let _ = write!(line, "  (after {})", after.join(", "));
        }
        writeln!(out, "{line}")?;
        // A cycle is refused by the controller; the depth bound keeps a bad one finite.
        if depth > korral_jobs::workflow::MAX_STEPS {
            return Ok(());
        }
        let next = self.children(Some(&step.name));
        let prefix = format!("{prefix}{}", if last { "   " } else { "│  " });
        for (k, &c) in next.iter().enumerate() {
            self.walk(out, c, &prefix, k + 1 == next.len(), depth + 1)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dag_is_drawn_as_a_tree_with_states() {
        let wf: Workflow = serde_json::from_value(serde_json::json!({
            "apiVersion": "jobs.korral.dev/v1alpha1", "kind": "Workflow",
            "metadata": {"name": "release"},
            "spec": {"steps": [
                {"name": "a", "tool": "t"},
                {"name": "b", "tool": "t", "dependsOn": ["a"]},
                {"name": "c", "tool": "t", "dependsOn": ["a"]},
                {"name": "d", "tool": "t", "dependsOn": ["b", "c"]}]},
            "status": {"phase": "Failed", "steps": {
                "a": {"phase": "Succeeded", "run": "release-a"},
                "b": {"phase": "Failed", "run": "release-b"},
                "c": {"phase": "Succeeded", "run": "release-c"},
                "d": {"phase": "Skipped"}}}}))
        .unwrap();
        let mut out = Vec::new();
        draw(&mut out, &wf).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "release Failed\n\
             └─ a  Succeeded  run/release-a\n   \
             ├─ b  Failed  run/release-b\n   \
             │  └─ d  Skipped  (after b, c)\n   \
             └─ c  Succeeded  run/release-c\n"
        );
    }
}
