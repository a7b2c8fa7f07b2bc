//! Backups of cluster objects as verifiable korral bundles, and their ordered restore
//! through the apply engine; [`schedule_manifests`] writes the CronJob that makes
//! them inside the cluster.

mod backup;
mod check;
mod error;
mod layout;
mod restore;
mod schedule;

pub use backup::{
    BUNDLE_NAME, BundleOptions, ClusterInfo, ENCRYPTED_SUFFIX, LeftOut, ListProgress,
    NoListProgress, SUMMARY_API_VERSION, SUMMARY_KIND, SecretsSummary, Selection, Summary, Writer,
    collect, file_name, file_safe, kind_matches, never_backed_up, prune, rfc3339, type_name,
    version_of, write_bundle,
};
pub use check::{Checked, ObjectFile, check_folder, contents};
pub use error::{Error, Result};
pub use layout::{CLUSTER_SCOPED, CORE_GROUP, RESOURCES, SUMMARY, object_path, safe_part};
pub use restore::{
    Decrypt, RestoreSelection, Skipped, map_namespaces, not_restored, parse_mapping, prepare,
    read_backup, strip,
};
pub use schedule::{
    BACKUP_DIR, DEFAULT_KEEP, DEFAULT_NAMESPACE, DEFAULT_STORAGE, IMAGE_REPOSITORY, KEYRING_DIR,
    PublicKey, ScheduleOptions, default_image, schedule_manifests, to_yaml,
};
