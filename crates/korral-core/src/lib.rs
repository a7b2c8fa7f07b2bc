//! Kubernetes objects as korral reads them.
//!
//! Every view in korral (topology, audit, status, the TUI and the web UI) reads one
//! [`ObjectSet`]: objects plus where each came from. This crate builds it from files,
//! folders, standard input and `kind: List` dumps, and names the pieces every consumer
//! shares:
//!
//! - [`Object`]: one Kubernetes object. Its [`Metadata`] (name, namespace, uid, labels,
//!   ownerReferences) is parsed eagerly; the rest stays as compact JSON text
//!   ([`RawJson`]) that a consumer deserializes into just the fields it needs. A
//!   100,000-object dump therefore costs about its own size in memory, not five times
//!   that as a generic tree would.
//! - [`ObjectKey`]: identity by group, kind, namespace and name.
//! - [`LabelSelector`]: Kubernetes label selectors with their exact semantics, and the
//!   `-l` syntax kubectl accepts.
//! - [`Loader`]: reads paths into an [`ObjectSet`], with the file and line of every
//!   object and clear errors for malformed input.
//!
//! ```no_run
//! use korral_core::Loader;
//!
//! let set = Loader::new().path("examples/shop").load()?;
//! for object in set.objects() {
//!     println!("{} {}", object.key(), set.location(object));
//! }
//! # Ok::<(), korral_core::Error>(())
//! ```

mod error;
mod key;
mod load;
mod object;
mod object_set;
mod quantity;
mod secret;
mod selector;
pub mod terminal;

pub use error::{Error, Result, plain_parse_message, read_hint};
pub use key::{ApiVersion, ObjectKey, Scope, builtin_scope};
pub use load::Loader;
pub use object::{Metadata, Object, OwnerReference, RawJson, Source};
pub use object_set::{DEFAULT_NAMESPACE, FileId, ObjectSet, Warning};
pub use quantity::{Quantity, QuantityError};
pub use secret::{REDACTED_ANNOTATION, is_secret, redact_secret};
pub use selector::{
    ExpressionSpec, LabelSelector, LabelSelectorSpec, Operator, Requirement, SelectorParseError,
    null_as_default,
};
