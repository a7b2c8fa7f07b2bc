//! The layered drawing as SVG: boxes coloured by layer, edges coloured by relation with
//! their names in tooltips, and a legend.

use std::fmt::Write;

use crate::graph::Graph;
use crate::layout::{Layer, layout};
use crate::relation::Relation;

const FONT: &str = "DejaVu Sans, Verdana, Arial, sans-serif";

fn relation_colour(relation: Relation) -> &'static str {
    match relation {
        Relation::Owns => "#4b5563",
        Relation::Selects => "#2563eb",
        Relation::Mounts => "#059669",
        Relation::Env => "#0d9488",
        Relation::PullsWith => "#7c3aed",
        Relation::RunsAs => "#db2777",
        Relation::RunsOn => "#9ca3af",
        Relation::BoundTo => "#65a30d",
        Relation::Class => "#a16207",
        Relation::RoutesTo => "#dc2626",
        Relation::Tls => "#ea580c",
        Relation::Scales => "#0891b2",
        Relation::Endpoints => "#4f46e5",
        Relation::Targets => "#6366f1",
        Relation::Binds => "#be123c",
        Relation::Grants => "#9333ea",
    }
}

fn layer_fill(layer: Layer) -> (&'static str, &'static str) {
    match layer {
        Layer::Ingress => ("#fee2e2", "#dc2626"),
        Layer::Service => ("#dbeafe", "#2563eb"),
        Layer::Workload => ("#ede9fe", "#7c3aed"),
        Layer::Controller => ("#f3e8ff", "#9333ea"),
        Layer::Pod => ("#dcfce7", "#16a34a"),
        Layer::Config => ("#fef9c3", "#ca8a04"),
        Layer::Cluster => ("#f3f4f6", "#4b5563"),
    }
}

/// Escapes text for XML content and attributes.
fn xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Shortens text to `max` characters with an ellipsis.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let kept: String = text.chars().take(max - 1).collect();
        format!("{kept}…")
    }
}

/// Renders the graph as a standalone SVG document.
pub(super) fn render(graph: &Graph) -> String {
    let layout = layout(graph);
    let legend_height = 40.0;
    let width = layout.width;
    let height = layout.height + legend_height;
    let (w, h) = (layout.node_width, layout.node_height);
    let mut svg =
        String::with_capacity(512 + graph.nodes().len() * 420 + graph.edges().len() * 200);
    // Writing to a String cannot fail.
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="{FONT}">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    svg.push_str("<defs>\n");
    for relation in Relation::ALL {
        let _ = writeln!(
            svg,
            r#"<marker id="arrow-{name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>"#,
            name = relation.name(),
            colour = relation_colour(relation)
        );
    }
    svg.push_str(
        "</defs>\n<g id=\"edges\" fill=\"none\" stroke-width=\"1.2\" stroke-opacity=\"0.75\">\n",
    );
    let positions = &layout.positions;
    for edge in graph.edges() {
        let (s, t) = (positions[edge.source], positions[edge.target]);
        let (x1, x2) = (s.x + w / 2.0, t.x + w / 2.0);
        let (y1, y2) = if t.y > s.y {
            (s.y + h, t.y)
        } else if t.y < s.y {
            (s.y, t.y + h)
        } else {
            (s.y + h, t.y + h)
        };
        let bend = if (t.y - s.y).abs() < f32::EPSILON {
            40.0
        } else {
            (y2 - y1) / 2.0
        };
        let (c1, c2) = if (t.y - s.y).abs() < f32::EPSILON {
            (y1 + bend, y2 + bend)
        } else {
            (y1 + bend, y2 - bend)
        };
        let _ = writeln!(
            svg,
            r#"<path d="M{x1:.1},{y1:.1} C{x1:.1},{c1:.1} {x2:.1},{c2:.1} {x2:.1},{y2:.1}" stroke="{colour}" marker-end="url(#arrow-{name})"><title>{source} {name} {target}</title></path>"#,
            colour = relation_colour(edge.relation),
            name = edge.relation.name(),
            source = xml(&graph.nodes()[edge.source].id),
            target = xml(&graph.nodes()[edge.target].id),
        );
    }
    svg.push_str("</g>\n<g id=\"nodes\">\n");
    let mut with_problem = vec![false; graph.nodes().len()];
    for problem in graph.problems() {
        with_problem[problem.object] = true;
    }
    for (index, node) in graph.nodes().iter().enumerate() {
        let p = positions[index];
        let layer = Layer::of(&node.kind, node.namespace.is_some());
        let (fill, stroke) = layer_fill(layer);
        let stroke = if with_problem[index] {
            "#dc2626"
        } else {
            stroke
        };
        let stroke_width = if with_problem[index] { 2.5 } else { 1.0 };
        let place = node
            .namespace
            .as_deref()
            .map_or_else(|| node.kind.clone(), |ns| format!("{} · {ns}", node.kind));
        let _ = writeln!(
            svg,
            r##"<g id="{id}"><title>{id}</title><rect x="{x:.1}" y="{y:.1}" width="{w:.0}" height="{h:.0}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}"/><text x="{tx:.1}" y="{ty1:.1}" font-size="9" fill="#4b5563">{kind}</text><text x="{tx:.1}" y="{ty2:.1}" font-size="12" fill="#111827">{name}</text></g>"##,
            id = xml(&node.id),
            x = p.x,
            y = p.y,
            tx = p.x + 8.0,
            ty1 = p.y + 13.0,
            ty2 = p.y + 29.0,
            kind = xml(&fit(&place, 34)),
            name = xml(&fit(&node.name, 26)),
        );
    }
    svg.push_str("</g>\n");
    legend(&mut svg, graph, layout.height, width);
    svg.push_str("</svg>\n");
    svg
}

/// One swatch per relation that appears in the graph.
fn legend(svg: &mut String, graph: &Graph, top: f32, width: f32) {
    let mut used: Vec<Relation> = graph.edges().iter().map(|e| e.relation).collect();
    used.sort_unstable();
    used.dedup();
    let _ = writeln!(svg, r##"<g id="legend" font-size="10" fill="#374151">"##);
    let step = (width - 40.0) / used.len().max(1) as f32;
    let step = step.clamp(40.0, 90.0);
    for (i, relation) in used.into_iter().enumerate() {
        let x = 20.0 + i as f32 * step;
        let y = top + 18.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{x:.1}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="3"/><text x="{x:.1}" y="{ty:.1}">{name}</text>"#,
            x2 = x + 24.0,
            colour = relation_colour(relation),
            ty = y + 14.0,
            name = relation.name()
        );
    }
    svg.push_str("</g>\n");
}
