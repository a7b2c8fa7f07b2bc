//! Writing a graph out: tree, JSON, YAML, DOT, Mermaid, SVG, PNG and PDF.

mod draw;
mod raster;
mod svg;
mod text;
mod tree;

use std::io::Write;
use std::str::FromStr;

use crate::graph::Graph;

pub use tree::{TreeStyle, export_tree};

/// An output format of `korral topology`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A readable ownership tree with the other relations under each object.
    Tree,
    /// The graph as JSON (a public contract).
    Json,
    /// The same document as YAML.
    Yaml,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart, for Markdown that renders it.
    Mermaid,
    /// A layered drawing.
    Svg,
    /// The SVG drawing, rendered.
    Png,
    /// The SVG drawing as a vector PDF.
    Pdf,
}

impl Format {
    /// Every format, by name.
    pub const NAMES: [&'static str; 8] = [
        "tree", "json", "yaml", "dot", "mermaid", "svg", "png", "pdf",
    ];

    /// Whether the format is binary (and so should not go to a terminal).
    pub fn is_binary(self) -> bool {
        matches!(self, Self::Png | Self::Pdf)
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "tree" => Self::Tree,
            "json" => Self::Json,
            "yaml" => Self::Yaml,
            "dot" => Self::Dot,
            "mermaid" => Self::Mermaid,
            "svg" => Self::Svg,
            "png" => Self::Png,
            "pdf" => Self::Pdf,
            other => {
                return Err(format!(
                    "unknown output format `{other}`; use one of: {}",
                    Self::NAMES.join(", ")
                ));
            }
        })
    }
}

/// Why a graph could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing failed (a closed pipe, a full disk).
    #[error("cannot write the output: {0}")]
    Io(#[from] std::io::Error),
    /// JSON serialization failed.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// YAML serialization failed.
    #[error("cannot write YAML: {0}")]
    Yaml(String),
    /// The SVG could not be rendered to PNG or PDF.
    #[error("cannot render the drawing: {0}")]
    Render(String),
}

/// Writes `graph` in `format`. The tree has no colour here; see [`export_tree`].
pub fn export(graph: &Graph, format: Format, out: &mut dyn Write) -> Result<(), ExportError> {
    match format {
        Format::Tree => export_tree(graph, TreeStyle::default(), out)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, graph)?;
            out.write_all(b"\n")?;
        }
        Format::Yaml => {
            let text =
                serde_saphyr::to_string(graph).map_err(|e| ExportError::Yaml(e.to_string()))?;
            out.write_all(text.as_bytes())?;
        }
        Format::Dot => text::dot(graph, out)?,
        Format::Mermaid => text::mermaid(graph, out)?,
        Format::Svg => out.write_all(svg::render(graph).as_bytes())?,
        Format::Png => out.write_all(&raster::png(&svg::render(graph))?)?,
        Format::Pdf => out.write_all(&raster::pdf(&svg::render(graph))?)?,
    }
    Ok(())
}
