//! `config get|set|unset` and `node add|remove`: changes by dotted key, typed by the model,
//! made as text edits (see [`crate::edit`]) so comments and layout stay.

use serde_json::Value as Json;

use crate::edit::{self, EditError, Edited};
use crate::load::Loaded;
use crate::spec::{Cluster, Node, Role};
use crate::tree::{FieldPath, Segment};

/// Keys of a node, for `--scope`, in the order the model declares them.
pub(crate) const NODE_KEYS: &[&str] = &[
    "name",
    "hostname",
    "address",
    "tailscaleIp",
    "role",
    "labels",
    "taints",
    "gpu",
    "reserved",
    "ssh",
];

/// Which nodes a node-level key applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    ControlPlane,
    Workers,
    Node(String),
}

impl std::str::FromStr for Scope {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "all" => Ok(Self::All),
            "control-plane" | "control-planes" => Ok(Self::ControlPlane),
            "workers" | "worker" => Ok(Self::Workers),
            _ => match text.strip_prefix("node:") {
                Some(name) if !name.is_empty() => Ok(Self::Node(name.to_owned())),
                _ => Err(format!(
                    "`{text}` is not a scope; use all, control-plane, workers or node:NAME"
                )),
            },
        }
    }
}

/// The full path of a cluster-level key. `spec.` may be left out (`k3s.version`), and
/// `name` is `metadata.name`.
pub fn cluster_key(key: &str) -> Result<FieldPath, EditError> {
    let path = FieldPath::parse(key).ok_or_else(|| {
        EditError::Refused(format!(
            "`{key}` is not a key; write it dotted, e.g. `k3s.version` or `nodes[0].ssh.user`"
        ))
    })?;
    let first = match path.0.first() {
        Some(Segment::Key(first)) => first.as_str(),
        _ => return Err(EditError::Refused("the key is empty".to_owned())),
    };
    Ok(match first {
        "apiVersion" | "kind" | "metadata" | "spec" => setting(path)?,
        "name" if path.0.len() == 1 => FieldPath::parse("metadata.name").unwrap_or_default(),
        _ if NODE_KEYS.contains(&first) => {
            return Err(EditError::Refused(format!(
                "`{key}` is a node setting: add --scope all|control-plane|workers|node:NAME"
            )));
        }
        _ => {
            let mut segments = vec![Segment::Key("spec".to_owned())];
            segments.extend(path.0);
            setting(FieldPath(segments))?
        }
    })
}

/// `path` checked against the schema of cluster.yaml, so that a misspelt key is refused
/// with what may stand there rather than read as "not set". A number between dots picks
/// a list item (`nodes.0.name` is `nodes[0].name`).
pub fn setting(path: FieldPath) -> Result<FieldPath, EditError> {
    // Built once: `--scope` checks the key for every node it picks.
    static SCHEMA: std::sync::LazyLock<Json> = std::sync::LazyLock::new(crate::schema::schema);
    let schema = &*SCHEMA;
    let defs = schema.get("$defs");
    let mut node = schema;
    let mut walked: Vec<Segment> = Vec::new();
    for segment in path.0 {
        node = resolve(node, defs);
        let here = FieldPath(walked.clone());
        let (next, segment) = match segment {
            Segment::Key(key) => {
                let property = properties(node).find_map(|p| p.get(&key));
                let extra = node.get("additionalProperties").filter(|v| v.is_object());
                match (property, extra, node.get("items")) {
                    (Some(child), _, _) | (None, Some(child), _) => (child, Segment::Key(key)),
                    (None, None, Some(items)) => match key.parse() {
                        Ok(index) => (items, Segment::Index(index)),
                        Err(_) => {
                            return Err(EditError::Refused(format!(
                                "`{here}` is a list: pick an item, e.g. `{}`",
                                here.index(0)
                            )));
                        }
                    },
                    (None, None, None) => {
                        return Err(EditError::Refused(unknown(&here, &key, node)));
                    }
                }
            }
            Segment::Index(index) => match node.get("items") {
                Some(items) => (items, Segment::Index(index)),
                None => {
                    return Err(EditError::Refused(format!(
                        "`{here}` is not a list, so `[{index}]` picks nothing"
                    )));
                }
            },
        };
        node = next;
        walked.push(segment);
    }
    Ok(FieldPath(walked))
}

/// The schema `node` stands for: references followed, and of "this or null", this.
fn resolve<'a>(mut node: &'a Json, defs: Option<&'a Json>) -> &'a Json {
    loop {
        if let Some(name) = node
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            && let Some(def) = defs.and_then(|d| d.get(name))
        {
            node = def;
        } else if let Some(variant) =
            node.get("anyOf")
                .and_then(Json::as_array)
                .and_then(|variants| {
                    variants
                        .iter()
                        .find(|v| v.get("type") != Some(&"null".into()))
                })
        {
            node = variant;
        } else {
            return node;
        }
    }
}

/// The property maps of a schema: its own, or each variant's of a `oneOf` (a secret
/// reference is `{env: …}` or `{file: …}`).
fn properties(schema: &Json) -> impl Iterator<Item = &serde_json::Map<String, Json>> {
    let variants = schema
        .get("oneOf")
        .and_then(Json::as_array)
        .map_or(&[][..], Vec::as_slice);
    std::iter::once(schema)
        .chain(variants)
        .filter_map(|s| s.get("properties").and_then(Json::as_object))
}

fn unknown(parent: &FieldPath, key: &str, schema: &Json) -> String {
    let known: Vec<&str> = properties(schema)
        .flat_map(|p| p.keys().map(String::as_str))
        .collect();
    let parent_name = if parent.0.is_empty() {
        "cluster.yaml".to_owned()
    } else {
        format!("`{parent}`")
    };
    if known.is_empty() {
        format!("{parent_name} holds a value, not settings: there is no `{key}` in it")
    } else {
        format!(
            "{parent_name} has no setting `{key}`; it has {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The paths of `key` (a node-level key such as `labels.zone`) in the nodes of `scope`,
/// with each node's name.
pub fn node_keys(
    cluster: &Cluster,
    key: &str,
    scope: &Scope,
) -> Result<Vec<(String, FieldPath)>, EditError> {
    let relative = FieldPath::parse(key)
        .filter(|p| !p.0.is_empty())
        .ok_or_else(|| {
            EditError::Refused(format!(
                "`{key}` is not a key; write it dotted, e.g. `ssh.user` or `labels.zone`"
            ))
        })?;
    let selected: Vec<(usize, &Node)> = cluster
        .spec
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, node)| match scope {
            Scope::All => true,
            Scope::ControlPlane => node.role == Role::ControlPlane,
            Scope::Workers => node.role == Role::Worker,
            Scope::Node(name) => node.name == *name,
        })
        .collect();
    if selected.is_empty() {
        return Err(EditError::Refused(match scope {
            Scope::Node(name) => {
                format!("there is no node `{name}`; `korral node list` shows them")
            }
            _ => "no node is in that scope".to_owned(),
        }));
    }
    selected
        .into_iter()
        .map(|(index, node)| {
            let mut segments = vec![
                Segment::Key("spec".to_owned()),
                Segment::Key("nodes".to_owned()),
                Segment::Index(index),
            ];
            segments.extend(relative.0.iter().cloned());
            Ok((node.name.clone(), setting(FieldPath(segments))?))
        })
        .collect()
}

/// The value at `path`, as the model holds it (defaults included where the model writes
/// them); `None` when it is not set.
pub fn get(cluster: &Cluster, path: &FieldPath) -> Option<Json> {
    let mut value = serde_json::to_value(cluster).ok()?;
    for segment in &path.0 {
        value = match (value, segment) {
            (Json::Object(mut map), Segment::Key(key)) => map.remove(key)?,
            (Json::Array(mut items), Segment::Index(index)) if *index < items.len() => {
                items.swap_remove(*index)
            }
            _ => return None,
        };
    }
    Some(value)
}

fn put(value: &mut Json, path: &[Segment], new: Option<Json>) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        *value = new.unwrap_or(Json::Null);
        return Ok(());
    };
    match (value, first) {
        (Json::Object(map), Segment::Key(key)) => {
            if rest.is_empty() {
                match new {
                    Some(new) => {
                        map.insert(key.clone(), new);
                    }
                    None => {
                        map.remove(key);
                    }
                }
                return Ok(());
            }
            let child = map
                .entry(key.clone())
                .or_insert_with(|| Json::Object(serde_json::Map::new()));
            if child.is_null() {
                *child = Json::Object(serde_json::Map::new());
            }
            put(child, rest, new)
        }
        (Json::Array(items), Segment::Index(index)) => match items.get_mut(*index) {
            Some(child) => put(child, rest, new),
            None => Err(format!("there is no item [{index}]")),
        },
        _ => Err("it holds a value, not settings".to_owned()),
    }
}

/// The model with `paths` set to `value` (or removed): `None` when the model refuses it.
fn changed(
    cluster: &Cluster,
    paths: &[FieldPath],
    value: Option<&Json>,
) -> Result<Cluster, String> {
    let mut json = serde_json::to_value(cluster).map_err(|e| e.to_string())?;
    for path in paths {
        put(&mut json, &path.0, value.cloned())?;
    }
    serde_json::from_value(json).map_err(|e| e.to_string())
}

/// Sets `paths` to `value`, typed by the model: `true` is a bool where the field is one,
/// `22` a number, and both stay strings where the field is a string (a label value).
/// A flow list or mapping (`[a, b]`, `{cpu: 1}`) sets a whole list or mapping.
pub fn set(loaded: &Loaded, paths: &[FieldPath], value: &str) -> Result<Edited, EditError> {
    let typed: Option<Json> = serde_saphyr::from_str(value).ok();
    let candidates = typed
        .into_iter()
        .filter(|v| !v.is_null())
        .chain(std::iter::once(Json::String(value.to_owned())));
    let mut last_error = String::new();
    for candidate in candidates {
        match changed(&loaded.cluster, paths, Some(&candidate)) {
            Ok(expected) => {
                let rendered = edit::flow(&candidate);
                let mut text = loaded.text.clone();
                for path in paths {
                    text = edit::set(&text, path, &rendered)?;
                }
                return edit::check(loaded, &text, &expected);
            }
            Err(err) => last_error = err,
        }
    }
    let shown: Vec<String> = paths.iter().map(ToString::to_string).collect();
    // What was typed for a secret field may be the secret itself: never repeated.
    let value = if paths.iter().any(is_secret) {
        "<redacted>"
    } else {
        value
    };
    Err(EditError::Refused(format!(
        "cannot set `{}` to `{value}`: {last_error}",
        shown.join("`, `")
    )))
}

/// Whether `path` is (or is inside) a field that references a secret: the Tailscale auth
/// key, a registry password.
pub fn is_secret(path: &FieldPath) -> bool {
    path.0.iter().any(
        |segment| matches!(segment, Segment::Key(key) if key == "authKey" || key == "password"),
    )
}

/// Removes `paths`.
pub fn unset(loaded: &Loaded, paths: &[FieldPath]) -> Result<Edited, EditError> {
    let expected = changed(&loaded.cluster, paths, None)
        .map_err(|err| EditError::Refused(format!("cannot remove it: {err}")))?;
    let mut text = loaded.text.clone();
    for path in paths {
        if loaded.root.get(path).is_some() {
            text = edit::remove(&text, path)?;
        }
    }
    edit::check(loaded, &text, &expected)
}

/// Adds `node` at the end of `spec.nodes`.
pub fn add_node(loaded: &Loaded, node: Node) -> Result<Edited, EditError> {
    if loaded.cluster.node(&node.name).is_some() {
        return Err(EditError::Refused(format!(
            "there is already a node `{}`; choose another name, or `korral node remove {}` first",
            node.name, node.name
        )));
    }
    let mut expected = loaded.cluster.clone();
    let block = edit::node_block(&node);
    expected.spec.nodes.push(node);
    let path = FieldPath::parse("spec.nodes").unwrap_or_default();
    let text = edit::append(&loaded.text, &path, &block)?;
    edit::check(loaded, &text, &expected)
}

/// Removes the nodes called `names`.
pub fn remove_nodes(loaded: &Loaded, names: &[String]) -> Result<Edited, EditError> {
    let mut indexes = Vec::new();
    for name in names {
        let index = loaded
            .cluster
            .spec
            .nodes
            .iter()
            .position(|node| node.name == *name)
            .ok_or_else(|| {
                EditError::Refused(format!(
                    "there is no node `{name}`; `korral node list` shows them"
                ))
            })?;
        indexes.push(index);
    }
    indexes.sort_unstable();
    indexes.dedup();
    let mut expected = loaded.cluster.clone();
    let mut text = loaded.text.clone();
    // From the last, so the earlier indexes stay right.
    for index in indexes.into_iter().rev() {
        expected.spec.nodes.remove(index);
        let path = FieldPath::parse("spec.nodes")
            .unwrap_or_default()
            .index(index);
        text = edit::remove(&text, &path)?;
    }
    edit::check(loaded, &text, &expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded() -> Loaded {
        Loaded::parse(
            "cluster.yaml",
            crate::templates::template("production_full").unwrap().text,
        )
        .unwrap()
    }

    fn key(text: &str) -> FieldPath {
        cluster_key(text).unwrap()
    }

    #[test]
    fn short_keys_mean_spec_and_metadata() {
        assert_eq!(key("k3s.version").to_string(), "spec.k3s.version");
        assert_eq!(key("spec.k3s.version").to_string(), "spec.k3s.version");
        assert_eq!(key("name").to_string(), "metadata.name");
        let err = cluster_key("ssh.user").unwrap_err().to_string();
        assert!(err.contains("--scope"), "{err}");
    }

    #[test]
    fn keys_are_checked_against_the_schema() {
        assert_eq!(key("nodes.0.name").to_string(), "spec.nodes[0].name");
        assert_eq!(
            key("nodes[2].labels.zone").to_string(),
            "spec.nodes[2].labels.zone"
        );
        assert_eq!(
            key("network.tailscale.authKey").to_string(),
            "spec.network.tailscale.authKey"
        );
        let err = cluster_key("k3s.verison").unwrap_err().to_string();
        assert!(
            err.contains("`spec.k3s` has no setting `verison`") && err.contains("`version`"),
            "{err}"
        );
        let err = cluster_key("nodes.labels.zone").unwrap_err().to_string();
        assert!(
            err.contains("`spec.nodes` is a list") && err.contains("spec.nodes[0]"),
            "{err}"
        );
        let err = cluster_key("k3s.version.major").unwrap_err().to_string();
        assert!(err.contains("`spec.k3s.version` holds a value"), "{err}");
        let err = cluster_key("k3s[0]").unwrap_err().to_string();
        assert!(err.contains("`spec.k3s` is not a list"), "{err}");
        let err = cluster_key("spec.colour").unwrap_err().to_string();
        assert!(err.contains("`spec` has no setting `colour`"), "{err}");

        let cluster = loaded().cluster;
        let err = node_keys(&cluster, "ssh.usr", &Scope::Workers)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("has no setting `usr`") && err.contains("`user`"),
            "{err}"
        );
        assert!(node_keys(&cluster, "labels.anything", &Scope::All).is_ok());
        assert_eq!(
            key("network.tailscale.authKey.env").to_string(),
            "spec.network.tailscale.authKey.env"
        );
        let err = cluster_key("network.tailscale.authKey.vault")
            .unwrap_err()
            .to_string();
        assert!(err.contains("it has `env`, `file`"), "{err}");
    }

    /// Every path into `value`, leaves and branches.
    fn paths(value: &Json, at: &mut Vec<Segment>, out: &mut Vec<FieldPath>) {
        let children: Vec<(Segment, &Json)> = match value {
            Json::Object(map) => map
                .iter()
                .map(|(k, v)| (Segment::Key(k.clone()), v))
                .collect(),
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Segment::Index(i), v))
                .collect(),
            _ => Vec::new(),
        };
        for (segment, child) in children {
            at.push(segment);
            out.push(FieldPath(at.clone()));
            paths(child, at, out);
            at.pop();
        }
    }

    #[test]
    fn every_setting_of_every_template_is_a_known_key() {
        for template in crate::templates::TEMPLATES {
            let loaded = Loaded::parse("cluster.yaml", template.text).unwrap();
            let mut found = Vec::new();
            paths(
                &serde_json::to_value(&loaded.cluster).unwrap(),
                &mut Vec::new(),
                &mut found,
            );
            assert!(found.len() > 10, "{}", template.name);
            for path in found {
                let checked = setting(path.clone())
                    .unwrap_or_else(|err| panic!("{}: {path}: {err}", template.name));
                assert_eq!(checked, path);
            }
        }
    }

    #[test]
    fn values_are_typed_by_the_model() {
        let loaded = loaded();
        let edited = set(&loaded, &[key("k3s.embeddedEtcd")], "true").unwrap();
        assert!(edited.loaded.cluster.spec.k3s.embedded_etcd);
        let paths: Vec<FieldPath> = node_keys(&loaded.cluster, "labels.ready", &Scope::Workers)
            .unwrap()
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        let edited = set(&loaded, &paths, "true").unwrap();
        for node in edited.loaded.cluster.workers() {
            assert_eq!(node.labels["ready"], "true");
        }
        assert!(edited.loaded.text.contains("ready: \"true\""));
        let err = set(&loaded, &[key("k3s.embeddedEtcd")], "maybe").unwrap_err();
        assert!(err.to_string().contains("embeddedEtcd"), "{err}");
    }

    #[test]
    fn a_refused_edit_reports_the_validation_error() {
        let loaded = loaded();
        let paths: Vec<FieldPath> =
            node_keys(&loaded.cluster, "address", &Scope::Node("cp2".into()))
                .unwrap()
                .into_iter()
                .map(|(_, p)| p)
                .collect();
        let err = set(&loaded, &paths, "192.168.10.11")
            .unwrap_err()
            .to_string();
        assert!(err.contains("already node `cp1`"), "{err}");
    }

    #[test]
    fn nodes_are_added_and_removed_keeping_comments() {
        let loaded = loaded();
        let mut node = loaded.cluster.node("worker1").unwrap().clone();
        node.name = "worker3".into();
        node.address = "192.168.10.23".into();
        node.tailscale_ip = Some("100.64.0.23".into());
        let added = add_node(&loaded, node).unwrap();
        assert_eq!(added.loaded.cluster.spec.nodes.len(), 7);
        assert!(added.loaded.text.contains("# --- workers ---"));
        let removed = remove_nodes(&added.loaded, &["gpu1".into()]).unwrap();
        assert!(removed.loaded.cluster.node("gpu1").is_none());
        assert!(
            !removed.loaded.text.contains("A GPU box"),
            "{}",
            removed.loaded.text
        );
        assert!(
            removed
                .loaded
                .text
                .contains("# A workstation someone also uses")
        );
    }
}
