//! Where an object lives in a backup: `resources/<group>/<kind>/<namespace>/<name>.yaml`,
//! `core` for the core group and `_cluster` for cluster-scoped objects, plus
//! `summary.yaml` at the top. Every part comes from an API server, which may be
//! hostile: a part that could leave its folder is refused, never written.

use std::path::PathBuf;

/// The folder of the objects in a backup.
pub const RESOURCES: &str = "resources";
/// The summary's file name, at the top of a backup.
pub const SUMMARY: &str = "summary.yaml";
/// The folder name of the core API group.
pub const CORE_GROUP: &str = "core";
/// The folder name that stands for "no namespace".
pub const CLUSTER_SCOPED: &str = "_cluster";

/// Whether `part` may name a folder or file: at most 253 bytes of letters, digits, `-`,
/// `.`, `_` and `:`, not `.` or `..` and not starting with `.`: what Kubernetes allows in
/// group, kind, namespace and object names, and nothing that moves between folders.
pub fn safe_part(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= 253
        && !part.starts_with('.')
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':'))
}

/// The relative path of an object in a backup; `None` when a part is unsafe (the
/// object is then left out and reported).
pub fn object_path(
    group: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Option<PathBuf> {
    let group = if group.is_empty() { CORE_GROUP } else { group };
    let namespace = namespace
        .filter(|n| !n.is_empty())
        .unwrap_or(CLUSTER_SCOPED);
    [group, kind, namespace, name]
        .iter()
        .all(|p| safe_part(p))
        .then(|| {
            PathBuf::from(RESOURCES)
                .join(group)
                .join(kind)
                .join(namespace)
                .join(format!("{name}.yaml"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_go_in_a_readable_layout() {
        assert_eq!(
            object_path("apps", "Deployment", Some("shop"), "web").unwrap(),
            PathBuf::from("resources/apps/Deployment/shop/web.yaml")
        );
        assert_eq!(
            object_path("", "Namespace", None, "shop").unwrap(),
            PathBuf::from("resources/core/Namespace/_cluster/shop.yaml")
        );
    }

    #[test]
    fn names_that_could_leave_their_folder_are_refused() {
        for bad in [
            "..", ".", "../etc", "a/b", "a\\b", ".hidden", "", "x\ny", "é",
        ] {
            assert_eq!(
                object_path("", "ConfigMap", Some("ns"), bad),
                None,
                "{bad:?}"
            );
            if bad.is_empty() {
                // An empty group is the core group; an empty namespace, cluster scope.
                continue;
            }
            assert_eq!(
                object_path("", "ConfigMap", Some(bad), "name"),
                None,
                "{bad:?}"
            );
            assert_eq!(
                object_path(bad, "Thing", Some("ns"), "name"),
                None,
                "{bad:?}"
            );
        }
        assert!(object_path("", "ConfigMap", Some("ns"), &"a".repeat(254)).is_none());
    }
}
