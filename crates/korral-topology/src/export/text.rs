//! Graphviz DOT and Mermaid.

use std::io::{self, Write};

use crate::graph::Graph;

/// DOT with one cluster per namespace; node ids are the graph's ids, quoted.
pub(super) fn dot(graph: &Graph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "digraph topology {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(
        out,
        "  node [shape=box, style=rounded, fontname=\"DejaVu Sans\"];"
    )?;
    writeln!(out, "  edge [fontname=\"DejaVu Sans\", fontsize=10];")?;
    let mut namespace: Option<&str> = None;
    let mut by_namespace: Vec<usize> = (0..graph.nodes().len()).collect();
    by_namespace.sort_by_key(|&i| (&graph.nodes()[i].namespace, i));
    for index in by_namespace {
        let node = &graph.nodes()[index];
        let ns = node.namespace.as_deref();
        if ns != namespace {
            if namespace.is_some() {
                writeln!(out, "  }}")?;
            }
            if let Some(ns) = ns {
                writeln!(out, "  subgraph \"cluster_{}\" {{", escape_dot(ns))?;
                writeln!(out, "    label=\"namespace {}\";", escape_dot(ns))?;
            }
            namespace = ns;
        }
        let indent = if ns.is_some() { "    " } else { "  " };
        writeln!(
            out,
            "{indent}\"{}\" [label=\"{}\\n{}\"];",
            escape_dot(&node.id),
            escape_dot(&node.kind),
            escape_dot(&node.name)
        )?;
    }
    if namespace.is_some() {
        writeln!(out, "  }}")?;
    }
    for edge in graph.edges() {
        writeln!(
            out,
            "  \"{}\" -> \"{}\" [label=\"{}\"];",
            escape_dot(&graph.nodes()[edge.source].id),
            escape_dot(&graph.nodes()[edge.target].id),
            edge.relation
        )?;
    }
    writeln!(out, "}}")
}

/// Quotes and backslashes escaped for a DOT string; control characters written out
/// (`\n`, `\e`), as a name holds them, rather than breaking the line.
fn escape_dot(text: &str) -> String {
    korral_core::terminal::escape(text)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}

/// A Mermaid flowchart. Mermaid ids must be simple, so nodes are `n0`, `n1`… in id
/// order, labelled with kind and name.
pub(super) fn mermaid(graph: &Graph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    for (index, node) in graph.nodes().iter().enumerate() {
        let place = node
            .namespace
            .as_deref()
            .map_or_else(|| node.name.clone(), |ns| format!("{ns}/{}", node.name));
        writeln!(
            out,
            "  n{index}[\"{}<br/>{}\"]",
            escape_mermaid(&node.kind),
            escape_mermaid(&place)
        )?;
    }
    for edge in graph.edges() {
        writeln!(
            out,
            "  n{} -->|{}| n{}",
            edge.source, edge.relation, edge.target
        )?;
    }
    Ok(())
}

fn escape_mermaid(text: &str) -> String {
    korral_core::terminal::escape(text)
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}
