//! The harness: YAML in, graph out, and the graph as sorted lines of text so that a test
//! compares the whole answer (a wrong extra edge fails as surely as a missing one).

use korral_core::{Loader, ObjectSet};
use korral_topology::{Graph, InferOptions, infer};

/// Reads `yaml` as if it were a file named `test.yaml`. The text may be indented as a
/// whole (the common indentation is removed), so fixtures can sit inside the test.
pub fn load(yaml: &str) -> ObjectSet {
    let text = dedent(yaml);
    Loader::load_str("test.yaml", &text).unwrap_or_else(|err| panic!("fixture: {err}\n{text}"))
}

/// The graph of `yaml` with the default options.
pub fn graph(yaml: &str) -> Graph {
    graph_with(yaml, InferOptions::default())
}

/// The graph of `yaml` with `options`.
pub fn graph_with(yaml: &str, options: InferOptions) -> Graph {
    infer(&load(yaml), options)
}

/// Every edge as `Source -relation-> Target` (node ids), sorted.
pub fn edges(graph: &Graph) -> Vec<String> {
    let nodes = graph.nodes();
    let mut lines: Vec<String> = graph
        .edges()
        .iter()
        .map(|e| {
            format!(
                "{} -{}-> {}",
                nodes[e.source].id, e.relation, nodes[e.target].id
            )
        })
        .collect();
    lines.sort();
    lines
}

/// The edges of one relation, as [`edges`] writes them.
pub fn edges_of(graph: &Graph, relation: &str) -> Vec<String> {
    let infix = format!(" -{relation}-> ");
    edges(graph)
        .into_iter()
        .filter(|line| line.contains(&infix))
        .collect()
}

/// Every problem as `Object kind: message`, sorted.
pub fn problems(graph: &Graph) -> Vec<String> {
    let mut lines: Vec<String> = graph
        .problems()
        .iter()
        .map(|p| format!("{} {}: {}", graph.nodes()[p.object].id, p.kind, p.message))
        .collect();
    lines.sort();
    lines
}

/// The node ids, in the graph's order.
pub fn node_ids(graph: &Graph) -> Vec<String> {
    graph.nodes().iter().map(|n| n.id.clone()).collect()
}

/// `lines` as owned strings, for comparing with [`edges`] and [`problems`].
pub fn lines(lines: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = lines.iter().map(|&l| l.to_owned()).collect();
    lines.sort();
    lines
}

/// Removes the indentation common to every non-blank line, and a leading blank line.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(text.len());
    for line in text.lines().skip_while(|l| l.trim().is_empty()) {
        out.push_str(line.get(indent..).unwrap_or("").trim_end());
        out.push('\n');
    }
    out
}
