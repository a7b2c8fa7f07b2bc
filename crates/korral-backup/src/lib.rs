//! Backups of cluster objects as verifiable korral bundles, and their ordered restore
//! through the apply engine.

mod layout;

pub use layout::{CLUSTER_SCOPED, CORE_GROUP, RESOURCES, SUMMARY, object_path, safe_part};
