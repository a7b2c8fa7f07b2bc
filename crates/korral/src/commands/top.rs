//! `korral top nodes|pods`.

use std::collections::BTreeMap;

use anyhow::anyhow;
use comfy_table::{Table, presets};
use korral_core::terminal::escape;
use korral_core::{Object, Quantity};
use korral_kube::ListOptions;
use serde::{Deserialize, Serialize};

use super::ExitStatus;
use crate::cli::{ReportFormat, SourceArgs, TopArgs, TopWhat};
use crate::printer::Printer;
use crate::source::{self, Scope};

const METRICS_GROUP: &str = "metrics.k8s.io";

/// One row of `korral top`.
#[derive(Debug, Serialize)]
struct Usage {
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    name: String,
    /// Cores.
    cpu: f64,
    /// Bytes.
    memory: f64,
    /// Share of the node's allocatable CPU, in percent (nodes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu_percent: Option<f64>,
    /// Share of the node's allocatable memory, in percent (nodes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    memory_percent: Option<f64>,
}

#[derive(Deserialize, Default)]
struct Metrics {
    /// NodeMetrics.
    #[serde(default)]
    usage: Option<BTreeMap<String, String>>,
    /// PodMetrics.
    #[serde(default, deserialize_with = "korral_core::null_as_default")]
    containers: Vec<ContainerMetrics>,
}

#[derive(Deserialize, Default)]
struct ContainerMetrics {
    #[serde(default)]
    usage: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
struct NodeView {
    #[serde(default)]
    status: NodeStatus,
}

#[derive(Deserialize, Default)]
struct NodeStatus {
    #[serde(default)]
    allocatable: BTreeMap<String, String>,
}

fn quantity(map: &BTreeMap<String, String>, key: &str) -> f64 {
    map.get(key)
        .and_then(|q| q.parse::<Quantity>().ok())
        .map_or(0.0, |q| q.0)
}

pub fn top(args: &TopArgs) -> anyhow::Result<ExitStatus> {
    let source = SourceArgs {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        request_timeout: args.request_timeout,
        ..SourceArgs::default()
    };
    let kind = match args.what {
        TopWhat::Nodes => "NodeMetrics",
        TopWhat::Pods => "PodMetrics",
    };
    let runtime = source::runtime()?;
    let rows = runtime.block_on(async {
        let scope = match (&args.namespace, args.all_namespaces, args.what) {
            (_, _, TopWhat::Nodes) | (None, true, _) => Scope::All,
            (Some(ns), _, _) => Scope::Namespace(ns),
            (None, false, _) => Scope::ContextDefault,
        };
        let cluster = source::connect(&source, scope).await?;
        let discovery = &cluster.discovery;
        let Some(metrics) = discovery.find(METRICS_GROUP, kind).cloned() else {
            return Err(anyhow!(
                "no metrics API answers in context `{}` ({METRICS_GROUP} is not served{}); install metrics-server, or check `kubectl get apiservice v1beta1.metrics.k8s.io`",
                cluster.client.context(),
                if discovery.warnings.iter().any(|w| w.contains(METRICS_GROUP)) { ": it is registered but unavailable" } else { "" }
            ));
        };
        let mut resources = vec![metrics];
        if args.what == TopWhat::Nodes
            && let Some(nodes) = discovery.find("", "Node")
        {
            resources.push(nodes.clone());
        }
        let options = ListOptions { namespace: cluster.namespace.clone(), ..ListOptions::default() };
        let (set, warnings) = korral_kube::list_all(&cluster.client, &resources, &options).await?;
        for warning in warnings {
            Printer::warn(warning);
        }
        Ok(rows(set.objects(), kind))
    })?;

    Printer::new(None).emit(|out| {
        if args.output != ReportFormat::Table {
            return Printer::data(out, &rows, args.output == ReportFormat::Yaml);
        }
        let mut table = Table::new();
        table.load_style(presets::NOTHING);
        match args.what {
            TopWhat::Nodes => {
                table.set_header(["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]);
                for row in &rows {
                    let percent = |p: Option<f64>| {
                        p.map_or_else(|| "<unknown>".to_owned(), |p| format!("{p:.0}%"))
                    };
                    table.add_row([
                        escape(&row.name).into_owned(),
                        Quantity(row.cpu).millicores(),
                        percent(row.cpu_percent),
                        Quantity(row.memory).mebibytes(),
                        percent(row.memory_percent),
                    ]);
                }
            }
            TopWhat::Pods => {
                table.set_header(["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"]);
                for row in &rows {
                    table.add_row([
                        escape(row.namespace.as_deref().unwrap_or_default()).into_owned(),
                        escape(&row.name).into_owned(),
                        Quantity(row.cpu).millicores(),
                        Quantity(row.memory).mebibytes(),
                    ]);
                }
            }
        }
        for line in table.lines() {
            writeln!(out, "{}", line.trim())?;
        }
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}

fn rows(objects: &[Object], kind: &str) -> Vec<Usage> {
    let allocatable: BTreeMap<&str, (f64, f64)> = objects
        .iter()
        .filter(|o| o.kind() == "Node")
        .map(|node| {
            let view = node.raw().parse::<NodeView>().unwrap_or_default();
            let a = &view.status.allocatable;
            (node.name(), (quantity(a, "cpu"), quantity(a, "memory")))
        })
        .collect();
    let mut rows: Vec<Usage> = objects
        .iter()
        .filter(|o| o.kind() == kind)
        .map(|o| {
            let metrics = o.raw().parse::<Metrics>().unwrap_or_default();
            let (cpu, memory) = match &metrics.usage {
                Some(usage) => (quantity(usage, "cpu"), quantity(usage, "memory")),
                None => metrics
                    .containers
                    .iter()
                    .fold((0.0, 0.0), |(c, m), container| {
                        (
                            c + quantity(&container.usage, "cpu"),
                            m + quantity(&container.usage, "memory"),
                        )
                    }),
            };
            let share = |used: f64, total: f64| (total > 0.0).then(|| used / total * 100.0);
            let node = allocatable.get(o.name()).filter(|_| kind == "NodeMetrics");
            Usage {
                namespace: o.namespace().map(str::to_owned),
                name: o.name().to_owned(),
                cpu,
                memory,
                cpu_percent: node.and_then(|(c, _)| share(cpu, *c)),
                memory_percent: node.and_then(|(_, m)| share(memory, *m)),
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    rows
}
