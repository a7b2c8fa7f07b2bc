//! The graph of how Kubernetes objects relate.
//!
//! [`infer`] reads an [`korral_core::ObjectSet`] and returns a [`Graph`]: one node per
//! object, edges named by [`Relation`] (`owns`, `selects`, `mounts`, …) from the object
//! that owns, selects or names to the object owned, selected or named, and the
//! [`Problem`]s found on the way (dangling references, Services that select nothing,
//! duplicates). [`View`] narrows a graph to a namespace, a selector or one object's
//! neighbourhood; [`export`] writes it as a tree, JSON, YAML, DOT, Mermaid, SVG, PNG or
//! PDF. The output is deterministic: the same objects give the same bytes.
//!
//! ```no_run
//! use korral_core::Loader;
//! use korral_topology::{Format, InferOptions, export, infer};
//!
//! let set = Loader::new().path("examples/shop").load()?;
//! let graph = infer(&set, InferOptions::default());
//! export(&graph, Format::Json, &mut std::io::stdout())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod export;
mod graph;
mod infer;
mod layout;
mod live;
mod relation;
mod select;
mod view;

pub use export::{ExportError, Format, TreeStyle, export, export_tree};
pub use graph::{Edge, FOLD_EVERY_POD_ABOVE, Fold, FoldTarget, Graph, Node, Problem, ProblemKind};
pub use infer::{InferOptions, infer};
pub use layout::{Layer, Layout, Position, layout};
pub use live::{GraphDiff, LiveGraph};
pub use relation::{Relation, UnknownRelation};
pub use view::{Focus, View, ViewError, kind_is};
