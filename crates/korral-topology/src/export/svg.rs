//! The layered drawing as SVG: boxes coloured by layer, edges coloured by relation with
//! their names in tooltips, and a legend.

use std::fmt::Write;

use super::draw::drawing;
use crate::graph::Graph;
use crate::layout::{Grid, Item, Layer, place};
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
        Relation::AttachesTo => "#b91c1c",
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

/// Escapes text for XML content and attributes. Characters XML 1.0 does not allow
/// (C0 controls, U+FFFE, U+FFFF) would make the document ill-formed, and PNG and PDF
/// could not be rendered from it: controls are written out as terminal escapes do
/// (`\e`, `\u{1}`), so a name shows what it holds, and the two non-characters become
/// U+FFFD.
pub(crate) fn xml(text: &str) -> String {
    let text = korral_core::terminal::escape(text);
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{fffe}' | '\u{ffff}' => escaped.push('\u{fffd}'),
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

/// Average advance of a character at 12px in DejaVu Sans (wide), with a margin: a
/// name sized by it fits its box.
const CHAR_12: f32 = 7.4;
const CHAR_9: f32 = 5.6;
const MIN_BOX: f32 = 190.0;
const MAX_BOX: f32 = 360.0;
/// Names longer than this many lines end in an ellipsis (Kubernetes names reach 253
/// characters).
const MAX_NAME_LINES: usize = 4;

/// `text` in lines of at most `per_line` characters, at most `max` lines (the last
/// ends in an ellipsis when text is left over).
fn wrap(text: &str, per_line: usize, max: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut lines: Vec<String> = chars
        .chunks(per_line.max(1))
        .map(|c| c.iter().collect())
        .collect();
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            last.pop();
            last.push('…');
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// How many boxes a row holds: the count that makes the drawing closest to a 16:10
/// page, so a large layer wraps into a grid instead of a strip or a column.
fn columns(layers: &[usize], width: f32, height: f32) -> usize {
    let aspect = |c: usize| {
        let rows: usize = layers.iter().map(|&n| n.div_ceil(c)).sum();
        let widest = layers.iter().map(|&n| n.min(c)).max().unwrap_or(1);
        (widest as f32 * (width + 24.0))
            / (rows as f32 * (height + 35.0) + layers.len() as f32 * 35.0)
    };
    (1..=24)
        .min_by(|&a, &b| (aspect(a) - 1.6).abs().total_cmp(&(aspect(b) - 1.6).abs()))
        .unwrap_or(24)
}

/// Renders the graph as a standalone SVG document (folded when large; see `draw`).
#[allow(clippy::too_many_lines)] // the drawing, top to bottom
pub(super) fn render(graph: &Graph) -> String {
    let drawing = drawing(graph);
    let boxes = &drawing.boxes;
    // Boxes wide enough for the longest name, up to a limit; longer names wrap.
    let longest = boxes
        .iter()
        .map(|b| b.name.chars().count())
        .max()
        .unwrap_or(0);
    let w = (longest as f32 * CHAR_12 + 16.0).clamp(MIN_BOX, MAX_BOX);
    let per_line = ((w - 16.0) / CHAR_12) as usize;
    let kind_chars = ((w - 16.0) / CHAR_9) as usize;
    let names: Vec<Vec<String>> = boxes
        .iter()
        .map(|b| wrap(&b.name, per_line, MAX_NAME_LINES))
        .collect();
    let lines = names.iter().map(Vec::len).max().unwrap_or(1);
    let detail = boxes.iter().any(|b| b.detail.is_some());
    let h = 22.0 + 15.0 * lines as f32 + if detail { 13.0 } else { 0.0 };

    let mut per_layer = [0_usize; Layer::ALL.len()];
    for b in boxes {
        per_layer[b.layer as usize] += 1;
    }
    let sizes: Vec<usize> = per_layer.iter().copied().filter(|&n| n > 0).collect();
    let items: Vec<Item<'_>> = boxes
        .iter()
        .map(|b| Item {
            layer: b.layer,
            namespace: b.namespace.as_deref(),
            id: &b.id,
        })
        .collect();
    let edges: Vec<(usize, usize)> = drawing.edges.iter().map(|&(s, t, _)| (s, t)).collect();
    let layout = place(
        &items,
        &edges,
        Grid {
            columns: columns(&sizes, w, h),
            node_width: w,
            node_height: h,
        },
    );

    let notes_height = 18.0 * drawing.notes.len() as f32;
    let legend_height = 40.0;
    let width = layout.width;
    let height = layout.height + legend_height + notes_height;
    let mut svg = String::with_capacity(512 + boxes.len() * 460 + drawing.edges.len() * 200);
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
    for &(source, target, relation) in &drawing.edges {
        let (s, t) = (positions[source], positions[target]);
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
            colour = relation_colour(relation),
            name = relation.name(),
            source = xml(&boxes[source].id),
            target = xml(&boxes[target].id),
        );
    }
    svg.push_str("</g>\n<g id=\"nodes\">\n");
    for (index, b) in boxes.iter().enumerate() {
        let p = positions[index];
        let (fill, stroke) = layer_fill(b.layer);
        let stroke = if b.problem { "#dc2626" } else { stroke };
        let stroke_width = if b.problem { 2.5 } else { 1.0 };
        let _ = write!(
            svg,
            r##"<g id="{id}"><title>{id}</title><rect x="{x:.1}" y="{y:.1}" width="{w:.0}" height="{h:.0}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}"/><text x="{tx:.1}" y="{ty:.1}" font-size="9" fill="#4b5563">{kind}</text>"##,
            id = xml(&b.id),
            x = p.x,
            y = p.y,
            tx = p.x + 8.0,
            ty = p.y + 13.0,
            kind = xml(&fit(&b.kind, kind_chars)),
        );
        for (line, text) in names[index].iter().enumerate() {
            let _ = write!(
                svg,
                r##"<text x="{tx:.1}" y="{ty:.1}" font-size="12" fill="#111827">{text}</text>"##,
                tx = p.x + 8.0,
                ty = p.y + 29.0 + 15.0 * line as f32,
                text = xml(text),
            );
        }
        if let Some(detail) = &b.detail {
            let _ = write!(
                svg,
                r##"<text x="{tx:.1}" y="{ty:.1}" font-size="9" fill="#4b5563">{text}</text>"##,
                tx = p.x + 8.0,
                ty = p.y + h - 7.0,
                text = xml(&fit(detail, kind_chars)),
            );
        }
        svg.push_str("</g>\n");
    }
    svg.push_str("</g>\n");
    legend(&mut svg, &drawing.edges, layout.height, width);
    if !drawing.notes.is_empty() {
        let _ = writeln!(svg, r##"<g id="folded" font-size="11" fill="#374151">"##);
        for (i, note) in drawing.notes.iter().enumerate() {
            let _ = writeln!(
                svg,
                r#"<text x="20" y="{y:.1}">{text}</text>"#,
                y = layout.height + legend_height + 14.0 + 18.0 * i as f32,
                text = xml(&format!("Folded: {note}.")),
            );
        }
        svg.push_str("</g>\n");
    }
    svg.push_str("</svg>\n");
    svg
}

/// One swatch per relation that appears in the graph.
fn legend(svg: &mut String, edges: &[(usize, usize, Relation)], top: f32, width: f32) {
    let mut used: Vec<Relation> = edges.iter().map(|e| e.2).collect();
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
