//! `korral topology`.

use std::io::Write;

use anyhow::{Context, anyhow};
use futures::StreamExt;
use korral_core::terminal::escape;
use korral_core::{LabelSelector, ObjectSet};
use korral_kube::WatchEvent;
use korral_topology::{
    Focus, Format, GraphDiff, InferOptions, LiveGraph, Relation, TreeStyle, View, export,
    export_tree, infer,
};

use super::{ExitStatus, InputError};
use crate::cli::TopologyArgs;
use crate::printer::Printer;
use crate::source::{self, Live, Scope};

pub fn topology(args: &TopologyArgs) -> anyhow::Result<ExitStatus> {
    let mut view = view(args).map_err(InputError)?;
    let format = Format::from(args.output);
    let printer = Printer::new(args.out.clone());
    if format.is_binary() && printer.to_terminal() {
        return Err(InputError(anyhow!(
            "{} is binary and standard output is a terminal; add --out FILE or redirect the output",
            format!("{:?}", args.output).to_uppercase()
        ))
        .into());
    }

    if let Some(at) = &args.at {
        let store = super::history::StoreArgs {
            database: args.database.clone(),
            context: args.source.context.clone(),
        };
        let (set, _) = super::history::set_at(&store, at, None)?;
        return render(args, &set, &view, format, &printer);
    }

    let live = args.live || args.watch || !args.source.is_offline();
    if !live {
        let files = source::offline(&args.source, args.namespace.as_deref())?;
        let status = render(args, &files.set, &view, format, &printer)?;
        return files.finish(status);
    }

    let runtime = source::runtime()?;
    runtime.block_on(async {
        let scope = match (&args.namespace, args.all_namespaces) {
            (Some(ns), _) => Scope::Namespace(ns),
            (None, true) => Scope::All,
            (None, false) => Scope::ContextDefault,
        };
        let (set, live) = source::live(&args.source, scope).await?;
        // Cluster-scoped objects come whole; the view keeps those the namespace uses.
        view.namespace.clone_from(&live.namespace);
        let status = render(args, &set, &view, format, &printer)?;
        if args.watch {
            watch(set, &live, args).await?;
        }
        Ok(status)
    })
}

fn render(
    args: &TopologyArgs,
    set: &ObjectSet,
    view: &View,
    format: Format,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let graph = infer(
        set,
        InferOptions {
            strict: args.strict,
        },
    );
    let graph = if view.is_everything() {
        graph
    } else {
        let narrowed = view
            .apply(&graph, set)
            .map_err(|err| InputError(err.into()))?;
        if narrowed.nodes().is_empty() && !set.is_empty() {
            Printer::warn(format!(
                "nothing in the input matches {}; the output is empty",
                filters(args)
            ));
        }
        narrowed
    };
    let color = printer.color();
    printer.emit(|out| {
        if format == Format::Tree {
            export_tree(&graph, TreeStyle { color }, out)?;
        } else {
            export(&graph, format, out)?;
        }
        Ok(())
    })?;
    if args.fail_on_problems && !graph.problems().is_empty() {
        Ok(ExitStatus::Findings)
    } else {
        Ok(ExitStatus::Success)
    }
}

/// Watches every resource and prints each change to the graph: `+`/`-` lines, or one
/// JSON diff per line with `-o json`. Runs until Ctrl-C.
async fn watch(set: ObjectSet, live: &Live, args: &TopologyArgs) -> anyhow::Result<()> {
    let mut graph = LiveGraph::from_objects(set.objects().iter().cloned());
    drop(set);
    let namespace = live.namespace.as_deref();
    let streams = live
        .discovery
        .resources
        .iter()
        .filter(|r| r.supports("watch") && r.supports("list"))
        .map(|resource| {
            // From where the list left off: no second list, no change missed.
            let from = live.resource_version(resource);
            let stream = korral_kube::watch(&live.client, resource, namespace, from);
            let kind = (resource.group.clone(), resource.kind.clone());
            Box::pin(stream.map(move |event| (kind.clone(), event)))
        });
    let mut events = futures::stream::select_all(streams);
    let json = matches!(args.output, crate::cli::OutputFormat::Json);
    loop {
        let next = tokio::select! {
            next = events.next() => next,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let Some(((group, kind), event)) = next else {
            return Ok(());
        };
        let diff = match event {
            Ok(WatchEvent::Added(object) | WatchEvent::Modified(object)) => graph.upsert(object),
            Ok(WatchEvent::Deleted(object)) => graph.delete(&object.key()),
            Ok(WatchEvent::Restarted(objects)) => restart(&mut graph, &group, &kind, objects),
            Err(err) => {
                Printer::warn(format!("watch of {kind}: {err}"));
                continue;
            }
        };
        if !diff.is_empty() {
            print_diff(&diff, json)?;
        }
    }
}

/// Replaces every object of one group and kind with `objects` (its watch listed
/// again; an empty list means they are all gone), returning the net change.
fn restart(
    graph: &mut LiveGraph,
    group: &str,
    kind: &str,
    objects: Vec<korral_core::Object>,
) -> GraphDiff {
    let mut diff = GraphDiff::default();
    let fresh: std::collections::HashSet<_> =
        objects.iter().map(korral_core::Object::key).collect();
    for key in graph.keys_of(group, kind) {
        if !fresh.contains(&key) {
            merge(&mut diff, graph.delete(&key));
        }
    }
    for object in objects {
        merge(&mut diff, graph.upsert(object));
    }
    diff
}

fn merge(into: &mut GraphDiff, from: GraphDiff) {
    into.added_nodes.extend(from.added_nodes);
    into.removed_nodes.extend(from.removed_nodes);
    into.added_edges.extend(from.added_edges);
    into.removed_edges.extend(from.removed_edges);
}

fn print_diff(diff: &GraphDiff, json: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        serde_json::to_writer(&mut out, diff)?;
        writeln!(out)?;
    } else {
        for node in &diff.removed_nodes {
            writeln!(out, "- {node}")?;
        }
        for (source, target, relation) in &diff.removed_edges {
            writeln!(out, "- {source} -{relation}-> {target}")?;
        }
        for node in &diff.added_nodes {
            writeln!(out, "+ {node}")?;
        }
        for (source, target, relation) in &diff.added_edges {
            writeln!(out, "+ {source} -{relation}-> {target}")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The filters of the view, as the user wrote them.
fn filters(args: &TopologyArgs) -> String {
    let mut shown = Vec::new();
    if let Some(ns) = &args.namespace {
        shown.push(format!("-n {}", escape(ns)));
    }
    if let Some(selector) = &args.selector {
        shown.push(format!("-l {}", escape(selector)));
    }
    if let Some(focus) = &args.focus {
        shown.push(format!("--focus {}", escape(focus)));
    }
    if !args.relations.is_empty() {
        shown.push(format!("--relation {}", escape(&args.relations.join(","))));
    }
    shown.join(" ")
}

fn view(args: &TopologyArgs) -> anyhow::Result<View> {
    let selector = args
        .selector
        .as_deref()
        .map(LabelSelector::parse)
        .transpose()
        .context("-l")?;
    let focus = args
        .focus
        .as_deref()
        .map(str::parse::<Focus>)
        .transpose()
        .context("--focus")?;
    let relations = if args.relations.is_empty() {
        None
    } else {
        Some(
            args.relations
                .iter()
                .map(|r| r.trim().parse::<Relation>())
                .collect::<Result<Vec<_>, _>>()
                .context("--relation")?,
        )
    };
    Ok(View {
        namespace: args.namespace.clone(),
        selector,
        focus,
        depth: Some(args.depth),
        relations,
    })
}

#[cfg(test)]
mod tests {
    use korral_core::Loader;

    use super::*;

    #[test]
    fn a_relist_that_comes_back_empty_removes_every_object_of_its_kind() {
        let set = Loader::load_str(
            "t.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: x}\n",
        )
        .unwrap();
        let mut graph = LiveGraph::from_objects(set.objects().iter().cloned());
        let diff = restart(&mut graph, "", "ConfigMap", Vec::new());
        assert_eq!(diff.removed_nodes, vec!["ConfigMap/x/a"]);
        assert_eq!(graph.len(), 1, "the Secret stays");
    }
}
