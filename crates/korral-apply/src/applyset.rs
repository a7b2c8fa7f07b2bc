//! Applysets (KEP-3659): how kubectl and other tools recognise a set of objects applied
//! together, and what korral prunes.
//!
//! The parent is a Secret `korral.set.v1.<NAME>` in the set's namespace, labelled
//! `applyset.kubernetes.io/id` with the id the KEP specifies, and annotated with the
//! tooling, the group-kinds of its members and the other namespaces they live in. Every
//! member carries the label `applyset.kubernetes.io/part-of: <id>`.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The label on the parent that holds the set's id.
pub const ID_LABEL: &str = "applyset.kubernetes.io/id";
/// The label on every member that names its set's id.
pub const PART_OF_LABEL: &str = "applyset.kubernetes.io/part-of";
/// The parent's annotation naming the tool that manages the set (`korral/0.1.0`).
pub const TOOLING_ANNOTATION: &str = "applyset.kubernetes.io/tooling";
/// The parent's annotation listing the members' group-kinds (`ConfigMap,Deployment.apps`).
pub const GROUP_KINDS_ANNOTATION: &str = "applyset.kubernetes.io/contains-group-kinds";
/// The parent's annotation listing the namespaces members live in besides its own.
pub const NAMESPACES_ANNOTATION: &str = "applyset.kubernetes.io/additional-namespaces";
/// The tooling value korral writes.
pub const TOOLING: &str = concat!("korral/v", env!("CARGO_PKG_VERSION"));

/// The parent Secret's name for the set `name`.
pub fn parent_name(name: &str) -> String {
    format!("korral.set.v1.{name}")
}

/// The applyset id of a parent, as KEP-3659 and kubectl compute it:
/// `applyset-` + unpadded URL-safe base64 of SHA-256 of `<name>.<namespace>.<kind>.<group>`
/// + `-v1`.
pub fn applyset_id(name: &str, namespace: &str, kind: &str, group: &str) -> String {
    let digest = Sha256::digest(format!("{name}.{namespace}.{kind}.{group}").as_bytes());
    format!(
        "applyset-{}-v1",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

/// The id of korral's set `name` in `namespace` (its parent is a core Secret).
pub fn set_id(name: &str, namespace: &str) -> String {
    applyset_id(&parent_name(name), namespace, "Secret", "")
}

/// Whether `name` can name a set: it goes into Secret names (`korral.rev.v1.NAME.vN`,
/// at most 253) and label values (at most 63); korral keeps to a DNS label of 40.
pub fn valid_set_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 40
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_the_keps_hash_of_the_parents_group_kind_name_and_namespace() {
        // kubectl's own test (staging/src/k8s.io/kubectl/pkg/cmd/apply/apply_test.go):
        // a Secret parent `my-set` in namespace `test` has this id.
        assert_eq!(
            applyset_id("my-set", "test", "Secret", ""),
            "applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1"
        );
        let id = set_id("shop", "shop");
        assert!(id.starts_with("applyset-") && id.ends_with("-v1"));
        assert!(id.len() <= 63, "{id} must fit a label value");
        assert_ne!(id, set_id("shop", "other"));
    }

    #[test]
    fn set_names_fit_object_names_and_labels() {
        assert!(valid_set_name("shop"));
        assert!(valid_set_name("shop-2"));
        for bad in [
            "",
            "-shop",
            "shop-",
            "Shop",
            "shop.web",
            "a/b",
            &"x".repeat(41),
        ] {
            assert!(!valid_set_name(bad), "{bad:?}");
        }
    }
}
