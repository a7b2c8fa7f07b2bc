//! The default output: an ownership tree per namespace, with every other relation
//! listed under the object it starts from, then the problems.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use korral_core::terminal::escape;

use crate::graph::{FoldTarget, Graph, Node};
use crate::relation::Relation;

/// How the tree is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeStyle {
    /// ANSI colour: kinds, relations and problems stand out. Only on a terminal.
    pub color: bool,
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }
}

const KIND: Style = AnsiColor::Cyan.on_default().bold();
const RELATION: Style = AnsiColor::BrightBlack.on_default();
const HEADING: Style = Style::new().bold().underline();
const PROBLEM: Style = AnsiColor::Red.on_default().bold();

/// Writes the tree.
pub fn export_tree(graph: &Graph, style: TreeStyle, out: &mut dyn Write) -> io::Result<()> {
    let nodes = graph.nodes();
    let painter = Painter { color: style.color };
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut relations: Vec<Vec<(Relation, usize)>> = vec![Vec::new(); nodes.len()];
    let mut owned = vec![false; nodes.len()];
    for edge in graph.edges() {
        if edge.relation == Relation::Owns && !owned[edge.target] {
            owned[edge.target] = true;
            children[edge.source].push(edge.target);
        } else {
            relations[edge.source].push((edge.relation, edge.target));
        }
    }
    for list in &mut relations {
        list.sort_unstable();
    }
    let mut problems = vec![0_usize; nodes.len()];
    for problem in graph.problems() {
        problems[problem.object] += 1;
    }

    let mut folds: Vec<Vec<String>> = vec![Vec::new(); nodes.len()];
    for fold in graph.folds() {
        let (what, many) = match fold.target {
            FoldTarget::Pods => ("pod", "pods"),
            FoldTarget::Templates => ("workload's pod template", "workloads"),
        };
        folds[fold.source].push(format!(
            "every {what} of the namespace ({} {many})",
            fold.count
        ));
    }

    let mut writer = TreeWriter {
        nodes,
        folds: &folds,
        children: &children,
        relations: &relations,
        problems: &problems,
        painter: &painter,
        printed: vec![false; nodes.len()],
        out,
    };

    // Namespaces in name order, then cluster-scoped objects; roots are objects nothing
    // owns, and objects caught in an ownership cycle.
    let mut groups: Vec<Option<&str>> = nodes.iter().map(|n| n.namespace.as_deref()).collect();
    groups.sort_by_key(|ns| (ns.is_none(), *ns));
    groups.dedup();
    let mut first = true;
    for group in groups {
        let in_group = |i: &usize| nodes[*i].namespace.as_deref() == group;
        let mut roots: Vec<usize> = (0..nodes.len())
            .filter(|i| in_group(i) && !owned[*i])
            .collect();
        let heading = group.map_or_else(
            || "cluster-scoped".to_owned(),
            |ns| format!("namespace {}", escape(ns)),
        );
        if !first {
            writeln!(writer.out)?;
        }
        first = false;
        writeln!(writer.out, "{}", painter.paint(HEADING, &heading))?;
        roots.sort_by_key(|&i| (root_rank(&nodes[i]), i));
        let count = roots.len();
        for (position, root) in roots.into_iter().enumerate() {
            writer.node(root, "", position + 1 == count)?;
        }
        // What is left is caught in ownership cycles: each cycle starts at its first
        // object and claims everything it owns, so the last branch is known up front.
        let mut claimed = writer.printed.clone();
        let mut cycle_roots = Vec::new();
        for start in (0..nodes.len()).filter(|i| in_group(i)) {
            if claimed[start] {
                continue;
            }
            cycle_roots.push(start);
            let mut stack = vec![start];
            while let Some(node) = stack.pop() {
                if !std::mem::replace(&mut claimed[node], true) {
                    stack.extend(&children[node]);
                }
            }
        }
        let count = cycle_roots.len();
        for (position, root) in cycle_roots.into_iter().enumerate() {
            writer.node(root, "", position + 1 == count)?;
        }
    }

    if !graph.problems().is_empty() {
        let heading = format!("problems ({})", graph.problems().len());
        writeln!(writer.out)?;
        writeln!(writer.out, "{}", painter.paint(PROBLEM, &heading))?;
        for problem in graph.problems() {
            writeln!(
                writer.out,
                "  {}  {}: {}",
                painter.paint(PROBLEM, problem.kind.name()),
                escape(&nodes[problem.object].id),
                escape(&problem.message)
            )?;
        }
    }
    Ok(())
}

/// Entry points first (Ingress, Service, workloads), then what they use; the layered
/// order of the drawing.
fn root_rank(node: &Node) -> crate::layout::Layer {
    crate::layout::Layer::of(&node.kind, node.namespace.is_some())
}

struct TreeWriter<'a> {
    nodes: &'a [Node],
    /// Per node, its folded selections in words.
    folds: &'a [Vec<String>],
    children: &'a [Vec<usize>],
    relations: &'a [Vec<(Relation, usize)>],
    problems: &'a [usize],
    painter: &'a Painter,
    printed: Vec<bool>,
    out: &'a mut dyn Write,
}

impl TreeWriter<'_> {
    fn node(&mut self, index: usize, prefix: &str, last: bool) -> io::Result<()> {
        self.printed[index] = true;
        let node = &self.nodes[index];
        let branch = if last { "└── " } else { "├── " };
        let mut line = format!(
            "{prefix}{branch}{} {}",
            self.painter.paint(KIND, &escape(&node.kind)),
            escape(&node.name)
        );
        if self.problems[index] > 0 {
            line.push(' ');
            line.push_str(&self.painter.paint(PROBLEM, "(!)"));
        }
        writeln!(self.out, "{line}")?;

        let inner = format!("{prefix}{}", if last { "    " } else { "│   " });
        let (children, seen): (Vec<usize>, Vec<usize>) = self.children[index]
            .iter()
            .partition(|&&c| !self.printed[c]);
        // An owned object already drawn elsewhere (a cycle) is listed, not drawn again.
        let mut relations = self.relations[index].clone();
        relations.extend(seen.into_iter().map(|target| (Relation::Owns, target)));
        relations.sort_unstable();
        let rail = if children.is_empty() { "  " } else { "│ " };
        for fold in &self.folds[index] {
            writeln!(
                self.out,
                "{inner}{rail}  {} {fold}",
                self.painter
                    .paint(RELATION, &format!("{:<10}", Relation::Selects.name())),
            )?;
        }
        for &(relation, target) in &relations {
            let target = &self.nodes[target];
            let place = match &target.namespace {
                Some(ns) if Some(ns) != node.namespace.as_ref() => {
                    format!("{}/{}", escape(ns), escape(&target.name))
                }
                _ => escape(&target.name).into_owned(),
            };
            writeln!(
                self.out,
                "{inner}{rail}  {} {} {place}",
                self.painter
                    .paint(RELATION, &format!("{:<10}", relation.name())),
                escape(&target.kind)
            )?;
        }
        let count = children.len();
        for (position, child) in children.into_iter().enumerate() {
            if !self.printed[child] {
                self.node(child, &inner, position + 1 == count)?;
            }
        }
        Ok(())
    }
}
