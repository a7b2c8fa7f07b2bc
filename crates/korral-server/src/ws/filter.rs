//! What a client subscribes to, and which updates that takes.

use serde::Deserialize;

use crate::hub::{Published, Update, diff_message};

/// The query of `GET /api/v1/watch`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WatchParams {
    /// Comma-separated topics: `objects`, `topology`, `events` (default all three).
    pub topics: Option<String>,
    /// Only this namespace (topology: its objects and the cluster-scoped ones they use).
    pub namespace: Option<String>,
    /// Objects of this kind only (`ConfigMap`; case does not matter).
    pub kind: Option<String>,
    /// The cluster (default: the only one, or the first by name).
    pub cluster: Option<String>,
    /// The last `seq` this client saw, to resume from.
    pub since: Option<u64>,
}

/// A topic a client can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Topic {
    /// Stored changes of objects.
    Objects,
    /// The graph's nodes and edges.
    Topology,
    /// Kubernetes Events.
    Events,
}

impl Topic {
    fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "objects" => Ok(Self::Objects),
            "topology" => Ok(Self::Topology),
            "events" => Ok(Self::Events),
            other => Err(format!(
                "unknown topic `{}`; use objects, topology or events",
                korral_core::terminal::escape(&shorten(other))
            )),
        }
    }
}

/// What one connection receives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Subscribe {
    /// The topics.
    pub topics: Vec<Topic>,
    /// Only this namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Objects of this kind only.
    #[serde(default)]
    pub kind: Option<String>,
    /// The cluster.
    #[serde(default)]
    pub cluster: Option<String>,
}

/// The longest namespace, kind or cluster name accepted (Kubernetes names are at most
/// 253 characters).
const MAX_NAME: usize = 253;

fn shorten(text: &str) -> String {
    text.chars().take(64).collect()
}

impl Subscribe {
    /// The subscription the URL asks for.
    pub fn from_params(params: &WatchParams) -> Result<Self, String> {
        let topics = match params.topics.as_deref() {
            None | Some("") => vec![Topic::Objects, Topic::Topology, Topic::Events],
            Some(list) => list
                .split(',')
                .filter(|t| !t.trim().is_empty())
                .map(Topic::parse)
                .collect::<Result<Vec<_>, _>>()?,
        };
        Self {
            topics,
            namespace: params.namespace.clone(),
            kind: params.kind.clone(),
            cluster: params.cluster.clone(),
        }
        .checked()
    }

    /// Checks the names' lengths and drops empty ones.
    pub fn checked(mut self) -> Result<Self, String> {
        for (field, value) in [
            ("namespace", &mut self.namespace),
            ("kind", &mut self.kind),
            ("cluster", &mut self.cluster),
        ] {
            if value.as_deref().is_some_and(str::is_empty) {
                *value = None;
            }
            if value.as_ref().is_some_and(|v| v.len() > MAX_NAME) {
                return Err(format!("`{field}` is longer than {MAX_NAME} characters"));
            }
        }
        self.topics.dedup();
        if self.topics.is_empty() {
            return Err("no topic; use objects, topology or events".to_owned());
        }
        Ok(self)
    }

    /// Whether the client asked for `topic`.
    pub fn wants(&self, topic: Topic) -> bool {
        self.topics.contains(&topic)
    }

    /// Whether an object of `kind` in `namespace` is in this subscription's scope.
    pub fn takes_object(&self, kind: &str, namespace: Option<&str>) -> bool {
        self.kind
            .as_deref()
            .is_none_or(|k| k.eq_ignore_ascii_case(kind))
            && self.takes_namespace(namespace)
    }

    fn takes_namespace(&self, namespace: Option<&str>) -> bool {
        self.namespace
            .as_deref()
            .is_none_or(|ns| namespace == Some(ns))
    }

    /// The part of `published` this subscription takes, as the text of a `diff`
    /// message, or `None` when it takes nothing of it. `cluster` is the cluster this
    /// connection watches.
    pub fn diff_message(&self, cluster: &str, published: &Published) -> Option<String> {
        if published.cluster != cluster {
            return None;
        }
        match &published.update {
            Update::Objects(change) => (self.wants(Topic::Objects)
                && self.takes_object(&change.kind, change.namespace.as_deref()))
            .then(|| published.message().to_owned()),
            Update::Events { event, .. } => {
                let namespace = event
                    .pointer("/metadata/namespace")
                    .and_then(|v| v.as_str());
                (self.wants(Topic::Events) && self.takes_namespace(namespace))
                    .then(|| published.message().to_owned())
            }
            Update::Topology { diff } => {
                if !self.wants(Topic::Topology) {
                    return None;
                }
                let Some(ns) = self.namespace.as_deref() else {
                    return Some(published.message().to_owned());
                };
                let mut diff = diff.clone();
                let inside = |id: &String| node_namespace(id) == Some(ns);
                diff.added_nodes.retain(inside);
                diff.removed_nodes.retain(inside);
                diff.added_edges.retain(|(s, t, _)| inside(s) || inside(t));
                diff.removed_edges
                    .retain(|(s, t, _)| inside(s) || inside(t));
                if diff.is_empty() {
                    return None;
                }
                let update = Update::Topology { diff };
                Some(diff_message(published.seq, &published.cluster, &update).to_string())
            }
        }
    }
}

/// The namespace in a node id (`Kind[.group]/namespace/name`; cluster-scoped nodes
/// have two parts). Names and namespaces hold no `/`.
fn node_namespace(id: &str) -> Option<&str> {
    let mut parts = id.split('/');
    let (_, second, third) = (parts.next(), parts.next(), parts.next());
    third.and(second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_and_names_from_the_url_are_checked() {
        let params = WatchParams {
            topics: Some("objects, events".to_owned()),
            kind: Some("ConfigMap".to_owned()),
            namespace: Some(String::new()),
            ..WatchParams::default()
        };
        let sub = Subscribe::from_params(&params).unwrap();
        assert_eq!(sub.topics, vec![Topic::Objects, Topic::Events]);
        assert_eq!(sub.namespace, None);
        assert!(sub.takes_object("configmap", Some("x")));
        assert!(!sub.takes_object("Secret", Some("x")));
        let bad = WatchParams {
            topics: Some("objects,\u{1b}[31mnope".to_owned()),
            ..WatchParams::default()
        };
        let err = Subscribe::from_params(&bad).unwrap_err();
        assert!(
            err.contains("unknown topic") && !err.contains('\u{1b}'),
            "{err}"
        );
        let long = WatchParams {
            namespace: Some("n".repeat(300)),
            ..WatchParams::default()
        };
        assert!(Subscribe::from_params(&long).is_err());
    }

    #[test]
    fn node_ids_name_their_namespace() {
        assert_eq!(node_namespace("ConfigMap/shop/web"), Some("shop"));
        assert_eq!(node_namespace("Deployment.apps/shop/web"), Some("shop"));
        assert_eq!(node_namespace("Node/node-1"), None);
    }

    #[test]
    fn a_namespaced_topology_diff_keeps_its_namespace_and_the_edges_into_it() {
        use korral_topology::{GraphDiff, Relation};
        let sub = Subscribe {
            topics: vec![Topic::Topology],
            namespace: Some("a".to_owned()),
            kind: None,
            cluster: None,
        };
        let published = Published::new(
            7,
            "c",
            Update::Topology {
                diff: GraphDiff {
                    added_nodes: vec!["Pod/a/p".to_owned(), "Pod/b/q".to_owned()],
                    added_edges: vec![
                        ("Pod/a/p".to_owned(), "Node/n".to_owned(), Relation::RunsOn),
                        ("Pod/b/q".to_owned(), "Node/n".to_owned(), Relation::RunsOn),
                    ],
                    ..GraphDiff::default()
                },
            },
        );
        let message: serde_json::Value =
            serde_json::from_str(&sub.diff_message("c", &published).unwrap()).unwrap();
        assert_eq!(message["type"], "diff");
        assert_eq!(message["seq"], 7);
        assert_eq!(
            message["diff"]["added_nodes"],
            serde_json::json!(["Pod/a/p"])
        );
        assert_eq!(message["diff"]["added_edges"].as_array().unwrap().len(), 1);
        assert!(sub.diff_message("other", &published).is_none());
    }
}
