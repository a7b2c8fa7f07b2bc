//! korral-core's integration tests, one binary.
//!
//! - `load`: files, folders, documents, lists, positions and errors.
//! - `object_set`: identity, namespaces, duplicates.

mod load;
mod object_set;
mod util;
