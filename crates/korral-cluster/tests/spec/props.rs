//! Property tests of the cluster.yaml model: node validation, `config set` then `get`,
//! and edits that keep the user's comments.

use std::collections::BTreeMap;

use korral_cluster::config::{self, Scope};
use korral_cluster::edit;
use korral_cluster::spec::{Node, Role};
use korral_cluster::{FieldPath, Loaded, Severity, has_errors, template, validate};
use proptest::prelude::*;

/// The minimal_dev template: one control plane, comments on most lines.
fn minimal() -> Loaded {
    Loaded::parse("cluster.yaml", template("minimal_dev").unwrap().text).unwrap()
}

fn comment_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|line| line.starts_with('#'))
        .collect()
}

/// RFC 1123 labels: lower-case alphanumerics and `-`, alphanumeric at both ends.
fn dns_label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?"
}

fn worker(name: String, octet: u8) -> Node {
    Node {
        name,
        hostname: None,
        address: format!("192.168.7.{octet}"),
        tailscale_ip: None,
        role: Role::Worker,
        labels: BTreeMap::new(),
        taints: Vec::new(),
        gpu: None,
        reserved: None,
        ssh: None,
    }
}

/// A node broken in one way, and the field validate must name.
#[derive(Debug, Clone)]
enum Broken {
    NameWithUpperCase,
    NameWithUnderscore,
    AddressOctetTooBig(u16),
    AddressOfAnotherNode,
    NameOfAnotherNode,
    LabelValueTooLong(usize),
    TaintWithoutEffect,
}

fn broken() -> impl Strategy<Value = Broken> {
    prop_oneof![
        Just(Broken::NameWithUpperCase),
        Just(Broken::NameWithUnderscore),
        (256u16..1000).prop_map(Broken::AddressOctetTooBig),
        Just(Broken::AddressOfAnotherNode),
        Just(Broken::NameOfAnotherNode),
        (64usize..100).prop_map(Broken::LabelValueTooLong),
        Just(Broken::TaintWithoutEffect),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A well-formed worker is accepted, and `node add` writes it keeping every comment.
    #[test]
    fn a_valid_worker_is_added_and_comments_stay(name in dns_label(), octet in 11u8..250) {
        let loaded = minimal();
        prop_assume!(loaded.cluster.node(&name).is_none());
        let edited = config::add_node(&loaded, worker(name.clone(), octet)).unwrap();
        prop_assert!(!has_errors(&validate(&edited.loaded)));
        let added = edited.loaded.cluster.node(&name).unwrap();
        prop_assert_eq!(&added.address, &format!("192.168.7.{octet}"));
        prop_assert_eq!(comment_lines(&edited.loaded.text), comment_lines(&loaded.text));
        // And removing it gives back the text it was.
        let removed = config::remove_nodes(&edited.loaded, std::slice::from_ref(&name)).unwrap();
        prop_assert_eq!(&removed.loaded.text, &loaded.text);
    }

    /// A worker broken in any one way is refused, with an error that names its field.
    #[test]
    fn a_broken_worker_is_refused_naming_the_field(
        name in dns_label(),
        octet in 11u8..250,
        broken in broken(),
    ) {
        let loaded = minimal();
        let existing = loaded.cluster.spec.nodes[0].clone();
        prop_assume!(name != existing.name);
        let mut node = worker(name, octet);
        let field = match &broken {
            Broken::NameWithUpperCase => {
                node.name = format!("{}X", node.name);
                "name"
            }
            Broken::NameWithUnderscore => {
                node.name = format!("{}_b", node.name);
                "name"
            }
            Broken::AddressOctetTooBig(octet) => {
                node.address = format!("192.168.7.{octet}");
                "address"
            }
            Broken::AddressOfAnotherNode => {
                node.address.clone_from(&existing.address);
                "address"
            }
            Broken::NameOfAnotherNode => {
                node.name.clone_from(&existing.name);
                "name"
            }
            Broken::LabelValueTooLong(length) => {
                node.labels.insert("zone".to_owned(), "a".repeat(*length));
                "labels"
            }
            Broken::TaintWithoutEffect => {
                node.taints.push("dedicated=gpu".to_owned());
                "taints"
            }
        };
        // Validation says where: an error at the new node's field.
        let nodes = FieldPath::parse("spec.nodes").unwrap();
        let text = edit::append(&loaded.text, &nodes, &edit::node_block(&node)).unwrap();
        let appended = Loaded::parse("cluster.yaml", &text).unwrap();
        let wanted = format!("spec.nodes[1].{field}");
        let diagnostics = validate(&appended);
        prop_assert!(
            diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error && d.path.starts_with(&wanted)),
            "{broken:?}: no error at {wanted}: {diagnostics:#?}\n{text}"
        );
        // And `node add` refuses it, leaving the text as it was.
        prop_assert!(config::add_node(&loaded, node).is_err(), "{broken:?} was added");
    }

    /// `config set KEY VALUE` then `config get KEY` gives the value back, for cluster keys
    /// and node keys in every scope, and the edit keeps every comment.
    #[test]
    fn config_set_then_get_gives_the_value_back(
        minor in 28u32..40,
        patch in 0u32..20,
        label_key in dns_label(),
        label_value in "[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?",
        ssh_port in 1u16..=65535,
    ) {
        let loaded = minimal();

        let version = format!("v1.{minor}.{patch}+k3s1");
        let path = config::cluster_key("k3s.version").unwrap();
        let edited = config::set(&loaded, std::slice::from_ref(&path), &version).unwrap();
        let reread = Loaded::parse("cluster.yaml", &edited.loaded.text).unwrap();
        prop_assert_eq!(
            config::get(&reread.cluster, &path),
            Some(serde_json::Value::String(version))
        );
        prop_assert_eq!(comment_lines(&reread.text), comment_lines(&loaded.text));

        let key = format!("labels.{label_key}");
        let paths: Vec<_> = config::node_keys(&reread.cluster, &key, &Scope::All)
            .unwrap()
            .into_iter()
            .map(|(_, path)| path)
            .collect();
        let edited = config::set(&reread, &paths, &label_value).unwrap();
        let again = Loaded::parse("cluster.yaml", &edited.loaded.text).unwrap();
        for path in &paths {
            // A label value stays a string even when it reads as a number or a bool.
            prop_assert_eq!(
                config::get(&again.cluster, path),
                Some(serde_json::Value::String(label_value.clone()))
            );
        }

        let node = again.cluster.spec.nodes[0].name.clone();
        let paths: Vec<_> = config::node_keys(&again.cluster, "ssh.port", &Scope::Node(node))
            .unwrap()
            .into_iter()
            .map(|(_, path)| path)
            .collect();
        let edited = config::set(&again, &paths, &ssh_port.to_string()).unwrap();
        let last = Loaded::parse("cluster.yaml", &edited.loaded.text).unwrap();
        prop_assert_eq!(
            config::get(&last.cluster, &paths[0]),
            Some(serde_json::Value::from(ssh_port))
        );
        prop_assert_eq!(comment_lines(&last.text), comment_lines(&loaded.text));
    }
}
