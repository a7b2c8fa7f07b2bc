//! cluster.yaml: describe, validate, edit and generate a K3s cluster.
//!
//! The API other modules and the CLI build on (stable; `generate` and `provision` use it):
//!
//! - [`load`]`(path) -> Result<`[`Loaded`]`, `[`LoadError`]`>` reads a cluster.yaml: the
//!   typed [`Cluster`] (`loaded.cluster`), its text (`loaded.text`) and the located tree
//!   (`loaded.root`, [`Loaded::locate`] gives the line and column of a [`FieldPath`]).
//!   [`Loaded::parse`]`(file_name, text)` does the same for text from elsewhere. A syntax
//!   error, an unknown key or a value of the wrong type is a [`LoadError::Invalid`]
//!   holding one [`Diagnostic`].
//! - [`validate`]`(&Loaded) -> Vec<`[`Diagnostic`]`>`: every semantic problem (unique
//!   node names and addresses, IPs, RFC 1123 names, labels, taints, control planes,
//!   Tailscale, GPUs, reservations, what each airgapped mode needs), errors first. Each
//!   has a [`Severity`], file, line, column, field path, message and fix; `Display`
//!   prints `file:line:column: error: path: message` and the fix on a second line.
//!   [`has_errors`] tells whether any is an error. [`validate_text`]`(file, text)` gives
//!   every problem of a text at once: the schema problems (unknown keys, wrong types) one
//!   after another, then those of [`validate`].
//!
//! ```no_run
//! let loaded = korral_cluster::load(std::path::Path::new("cluster.yaml"))?;
//! let diagnostics = korral_cluster::validate(&loaded);
//! if korral_cluster::has_errors(&diagnostics) {
//!     for diagnostic in &diagnostics {
//!         eprintln!("{diagnostic}");
//!     }
//! }
//! println!("{} nodes", loaded.cluster.spec.nodes.len());
//! # Ok::<(), korral_cluster::LoadError>(())
//! ```

pub mod config;
mod diagnostic;
pub mod discover;
pub mod edit;
pub mod generate;
mod load;
pub mod names;
pub mod provision;
mod schema;
pub mod spec;
pub mod support;
mod templates;
pub mod tree;
mod validate;

pub use diagnostic::{Diagnostic, Severity};
pub use load::{Error as LoadError, Loaded, load};
pub use schema::{SCHEMA_ID, schema};
pub use spec::Cluster;
pub use templates::{TEMPLATES, Template, UnknownTemplate, template};
pub use tree::FieldPath;
pub use validate::{has_errors, validate, validate_text};
