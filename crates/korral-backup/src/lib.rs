//! Backups of cluster objects as verifiable korral bundles, and their ordered restore
//! through the apply engine.

mod layout;
mod restore;

pub use layout::{CLUSTER_SCOPED, CORE_GROUP, RESOURCES, SUMMARY, object_path, safe_part};
pub use restore::{
    Decrypt, RestoreSelection, Skipped, map_namespaces, not_restored, parse_mapping, prepare,
    read_backup, strip,
};
