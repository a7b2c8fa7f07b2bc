//! `korral status`.

use std::io::Write;

use anyhow::Context;
use comfy_table::{Table, presets};
use korral_core::terminal::{Escaped, escape};
use korral_status::{ApiInfo, Options, Report, analyze};

use super::{ExitStatus, InputError, duration};
use crate::cli::{ReportFormat, StatusArgs};
use crate::printer::Printer;
use crate::source::{self, Scope};

pub fn status(args: &StatusArgs) -> anyhow::Result<ExitStatus> {
    let pending_after = duration(&args.pending_after)
        .context("--pending-after")
        .map_err(InputError)?;
    let event_window = duration(&args.events_since)
        .context("--events-since")
        .map_err(InputError)?;
    let (set, mut options, api, malformed) = if let Some(at) = &args.at {
        let store = super::history::StoreArgs {
            database: args.database.clone(),
            context: args.source.context.clone(),
        };
        let (set, at) = super::history::set_at(&store, at, None)?;
        (set, Options::at(at), None, 0)
    } else if args.source.is_offline() {
        let files = source::offline(&args.source, args.namespace.as_deref())?;
        let options = Options::for_snapshot(&files.set);
        (files.set, options, None, files.malformed)
    } else {
        let runtime = source::runtime()?;
        runtime
            .block_on(async {
                let scope = args
                    .namespace
                    .as_deref()
                    .map_or(Scope::All, Scope::Namespace);
                // Only what the report reads: no Secrets or ConfigMaps to fetch (or be
                // forbidden).
                let (set, live) = source::live_kinds(&args.source, scope, |r| {
                    matches!(
                        (r.group.as_str(), r.kind.as_str()),
                        ("", "Node" | "Pod" | "PersistentVolumeClaim" | "Event")
                            | ("apps", "Deployment" | "StatefulSet" | "DaemonSet")
                            | ("batch", "Job")
                            | ("events.k8s.io", "Event")
                    )
                })
                .await?;
                let version = live.client.server_version().await?;
                let api = ApiInfo {
                    context: live.client.context().to_owned(),
                    server: live.client.server().to_owned(),
                    version: version.git_version,
                };
                anyhow::Ok((set, Options::live(), Some(api), 0))
            })
            // Nothing was checked (no kubeconfig, the cluster unreachable, credentials
            // refused): exit 2, so that 1 always means "checked, and unhealthy".
            .map_err(InputError)?
    };
    options.pending_after = pending_after;
    options.event_window = event_window;
    options.namespace.clone_from(&args.namespace);
    let mut report = analyze(&set, &options);
    report.api = api;

    Printer::new(None).emit(|out| {
        match args.output {
            ReportFormat::Json | ReportFormat::Yaml => {
                Printer::data(out, &report, args.output == ReportFormat::Yaml)?;
            }
            ReportFormat::Table => table(&report, &args.events_since, out)?,
        }
        Ok(())
    })?;
    source::finish(
        malformed,
        if report.healthy {
            ExitStatus::Success
        } else {
            ExitStatus::Findings
        },
    )
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_header(header.iter().copied());
    table
}

/// A table with a SOURCE column (`file:line`) when the report was read from files.
fn sourced_table(header: &[&str], sourced: bool) -> Table {
    let mut header = header.to_vec();
    if sourced {
        header.push("SOURCE");
    }
    new_table(&header)
}

/// A row, with its source when the table has a SOURCE column.
fn sourced_row(mut cells: Vec<String>, source: Option<&String>, sourced: bool) -> Vec<String> {
    if sourced {
        cells.push(source.map_or_else(String::new, |s| escape(s).into_owned()));
    }
    cells
}

fn section(out: &mut dyn Write, title: &str, table: &Table) -> std::io::Result<()> {
    writeln!(out, "{title}")?;
    for line in table.lines() {
        writeln!(out, "  {}", line.trim_end())?;
    }
    writeln!(out)
}

#[allow(clippy::too_many_lines)] // the report, section by section
fn table(report: &Report, events_since: &str, out: &mut dyn Write) -> std::io::Result<()> {
    if let Some(api) = &report.api {
        writeln!(
            out,
            "API: {} (context {}) answers, Kubernetes {}\n",
            Escaped(&api.server),
            Escaped(&api.context),
            Escaped(&api.version)
        )?;
    }
    let nodes = &report.nodes;
    let title = format!("NODES: {} total, {} ready", nodes.total, nodes.ready);
    if nodes.issues.is_empty() {
        writeln!(out, "{title}\n")?;
    } else {
        let mut table = new_table(&["NAME", "PROBLEMS", "MESSAGE"]);
        for node in &nodes.issues {
            table.add_row([
                escape(&node.name),
                escape(&node.problems.join(", ")),
                escape(node.message.as_deref().unwrap_or("")),
            ]);
        }
        section(out, &title, &table)?;
    }
    if !report.workloads.is_empty() {
        let sourced = report.workloads.iter().any(|w| w.source.is_some());
        let mut table = sourced_table(&["NAMESPACE", "KIND", "NAME", "READY"], sourced);
        for w in &report.workloads {
            table.add_row(sourced_row(
                vec![
                    escape(&w.namespace).into_owned(),
                    escape(&w.kind).into_owned(),
                    escape(&w.name).into_owned(),
                    format!("{}/{}", w.ready, w.desired),
                ],
                w.source.as_ref(),
                sourced,
            ));
        }
        section(out, "WORKLOADS SHORT OF REPLICAS", &table)?;
    }
    if !report.pods.is_empty() {
        let mut table = new_table(&[
            "NAMESPACE",
            "NAME",
            "REASON",
            "CONTAINER",
            "RESTARTS",
            "MESSAGE",
        ]);
        for p in &report.pods {
            table.add_row([
                escape(&p.namespace),
                escape(&p.name),
                escape(&p.reason),
                escape(p.container.as_deref().unwrap_or("")),
                p.restarts.to_string().into(),
                escape(p.message.as_deref().unwrap_or("")),
            ]);
        }
        section(out, "PODS", &table)?;
    }
    if !report.claims.is_empty() {
        let mut table = new_table(&["NAMESPACE", "NAME", "PHASE"]);
        for c in &report.claims {
            table.add_row([escape(&c.namespace), escape(&c.name), escape(&c.phase)]);
        }
        section(out, "CLAIMS NOT BOUND", &table)?;
    }
    if !report.jobs.is_empty() {
        let mut table = new_table(&["NAMESPACE", "NAME", "REASON", "MESSAGE"]);
        for j in &report.jobs {
            table.add_row([
                escape(&j.namespace),
                escape(&j.name),
                escape(&j.reason),
                escape(j.message.as_deref().unwrap_or("")),
            ]);
        }
        section(out, "FAILED JOBS", &table)?;
    }
    if !report.events.is_empty() {
        let mut table = new_table(&[
            "LAST SEEN",
            "NAMESPACE",
            "OBJECT",
            "REASON",
            "COUNT",
            "MESSAGE",
        ]);
        for e in &report.events {
            table.add_row([
                escape(e.last_seen.as_deref().unwrap_or("")),
                escape(&e.namespace),
                escape(&e.object),
                escape(&e.reason),
                e.count.to_string().into(),
                escape(&e.message),
            ]);
        }
        section(
            out,
            &format!("WARNING EVENTS (last {events_since})"),
            &table,
        )?;
    }
    if !report.not_deployed.is_empty() {
        let sourced = report.not_deployed.iter().any(|o| o.source.is_some());
        let mut table = sourced_table(&["NAMESPACE", "KIND", "NAME"], sourced);
        for o in &report.not_deployed {
            table.add_row(sourced_row(
                vec![
                    escape(&o.namespace).into_owned(),
                    escape(&o.kind).into_owned(),
                    escape(&o.name).into_owned(),
                ],
                o.source.as_ref(),
                sourced,
            ));
        }
        section(
            out,
            "NOT DEPLOYED (no status recorded; health unknown)",
            &table,
        )?;
    }
    writeln!(out, "{}", report.summary)
}
