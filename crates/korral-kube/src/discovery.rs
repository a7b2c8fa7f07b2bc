//! What the API server serves: every listable resource, CustomResourceDefinitions
//! included, found the way `kubectl api-resources` finds them.

use std::collections::HashSet;
use std::fmt;

use futures::StreamExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::error::{Action, Result};

/// How many group versions are asked about at once.
const DISCOVERY_CONCURRENCY: usize = 8;

/// One kind of object the API server serves, at one version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resource {
    /// The API group; empty for the core group.
    pub group: String,
    /// The version (`v1`).
    pub version: String,
    /// The kind (`Deployment`).
    pub kind: String,
    /// The plural name used in paths and RBAC (`deployments`).
    pub plural: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// The verbs the server allows (`list`, `watch`, …).
    pub verbs: Vec<String>,
}

impl Resource {
    /// A resource described by hand (tests, well-known kinds).
    pub fn new(api_version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_owned(), v.to_owned()),
            None => (String::new(), api_version.to_owned()),
        };
        Self {
            group,
            version,
            kind: kind.to_owned(),
            plural: plural.to_owned(),
            namespaced,
            verbs: ["get", "list", "watch"].map(str::to_owned).to_vec(),
        }
    }

    /// `apiVersion` (`apps/v1`, or `v1` for the core group).
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether the server allows `verb` on it.
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// The collection's URL path: in `namespace` when given and the resource is
    /// namespaced, else across all namespaces (or cluster-wide).
    pub fn path(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) if self.namespaced => format!("{base}/namespaces/{ns}/{}", self.plural),
            _ => format!("{base}/{}", self.plural),
        }
    }

    /// The plural name qualified by group, as kubectl prints it (`deployments.apps`).
    pub fn qualified_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.qualified_name())
    }
}

/// The resources a cluster serves, and what could not be discovered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Every listable resource, once each (at its group's most preferred version that
    /// serves it), core group first, then groups in the server's order. Objects that
    /// two APIs serve are read through one: core `v1` Events are left out when
    /// `events.k8s.io/v1` is served, since they are the same Events.
    pub resources: Vec<Resource>,
    /// Group versions that could not be read (an aggregated API that is down, a
    /// forbidden group): their resources are left out.
    pub warnings: Vec<String>,
}

impl Discovery {
    /// The resource serving `kind` in `group`, if any.
    pub fn find(&self, group: &str, kind: &str) -> Option<&Resource> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.kind == kind)
    }
}

/// Reads `/api` and `/apis`, then every group version they name. Failing to read
/// `/api` or `/apis` is an error (the cluster is unreachable, or the credentials are
/// refused); failing to read one group version is a warning.
pub async fn discover(client: &Client) -> Result<Discovery> {
    let core: APIVersions = get_json(client, "/api", "/api").await?;
    let groups: APIGroupList = get_json(client, "/apis", "/apis").await?;

    let mut group_versions: Vec<(String, String)> = core
        .versions
        .iter()
        .map(|v| (String::new(), v.clone()))
        .collect();
    for group in &groups.groups {
        let preferred = group.preferred_version.as_ref().map(|p| p.version.as_str());
        // Preferred first, then the rest in the server's order (which is its
        // priority order).
        let mut versions: Vec<&str> = preferred.into_iter().collect();
        versions.extend(
            group
                .versions
                .iter()
                .map(|v| v.version.as_str())
                .filter(|v| Some(*v) != preferred),
        );
        group_versions.extend(
            versions
                .into_iter()
                .map(|v| (group.name.clone(), v.to_owned())),
        );
    }

    let lists: Vec<_> =
        futures::stream::iter(group_versions.into_iter().map(|(group, version)| {
            let client = client.clone();
            async move {
                let (path, label) = if group.is_empty() {
                    (format!("/api/{version}"), version.clone())
                } else {
                    (
                        format!("/apis/{group}/{version}"),
                        format!("{group}/{version}"),
                    )
                };
                let list = get_json::<APIResourceList>(&client, &path, &label).await;
                (group, version, label, list)
            }
        }))
        .buffered(DISCOVERY_CONCURRENCY)
        .collect()
        .await;

    let mut discovery = Discovery::default();
    let mut seen = HashSet::new();
    for (group, version, label, list) in lists {
        let list = match list {
            Ok(list) => list,
            Err(err) => {
                discovery
                    .warnings
                    .push(format!("{err}; the resources of `{label}` are left out"));
                continue;
            }
        };
        discovery
            .resources
            .extend(resources_of(&group, &version, list, &mut seen));
    }
    read_once(&mut discovery.resources);
    Ok(discovery)
}

/// `(older, newer)` resources, as `(group, plural)`, that a real API server serves
/// from one storage under two APIs: every object of one is an object of the other.
/// `kubectl api-resources` shows both; reading both would read each object twice.
#[allow(clippy::type_complexity)]
const SAME_OBJECTS: &[((&str, &str), (&str, &str))] =
    &[(("", "events"), ("events.k8s.io", "events"))];

/// Leaves out the older of two resources that serve the same objects when the newer
/// is served (core `v1` Events when `events.k8s.io/v1` answers).
fn read_once(resources: &mut Vec<Resource>) {
    let served = |group: &str, plural: &str| {
        resources
            .iter()
            .any(|r| r.group == group && r.plural == plural)
    };
    let older: Vec<(&str, &str)> = SAME_OBJECTS
        .iter()
        .filter(|(_, (group, plural))| served(group, plural))
        .map(|(older, _)| *older)
        .collect();
    resources.retain(|r| !older.contains(&(r.group.as_str(), r.plural.as_str())));
}

/// The listable resources of one group version not already seen at a more preferred
/// version; subresources (`pods/log`) are skipped.
fn resources_of(
    group: &str,
    version: &str,
    list: APIResourceList,
    seen: &mut HashSet<(String, String)>,
) -> Vec<Resource> {
    list.resources
        .into_iter()
        .filter(|r| !r.name.contains('/'))
        .filter(|r| r.verbs.iter().any(|v| v == "list"))
        .filter(|r| seen.insert((group.to_owned(), r.name.clone())))
        .map(|r| Resource {
            // A resource may live in another group than the list says (rare); the
            // list's group is the one its path uses.
            group: r
                .group
                .filter(|g| !g.is_empty())
                .unwrap_or_else(|| group.to_owned()),
            version: r
                .version
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| version.to_owned()),
            kind: r.kind,
            plural: r.name,
            namespaced: r.namespaced,
            verbs: r.verbs,
        })
        .collect()
}

// The discovery documents, with only the fields korral reads and every field
// optional: aggregated API servers are not all strict about them (k8s-openapi's types
// require some that korral does not need).

/// `GET /api`.
#[derive(Deserialize)]
struct APIVersions {
    #[serde(default)]
    versions: Vec<String>,
}

/// `GET /apis`.
#[derive(Deserialize)]
struct APIGroupList {
    #[serde(default)]
    groups: Vec<APIGroup>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct APIGroup {
    name: String,
    #[serde(default)]
    versions: Vec<GroupVersion>,
    #[serde(default)]
    preferred_version: Option<GroupVersion>,
}

#[derive(Deserialize)]
struct GroupVersion {
    version: String,
}

/// `GET /api/v1`, `GET /apis/GROUP/VERSION`.
#[derive(Deserialize)]
struct APIResourceList {
    #[serde(default)]
    resources: Vec<APIResource>,
}

#[derive(Deserialize)]
struct APIResource {
    name: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    namespaced: bool,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    verbs: Vec<String>,
}

async fn get_json<T: DeserializeOwned>(client: &Client, path: &str, label: &str) -> Result<T> {
    let action = Action {
        verb: "discover",
        resource: label,
        namespace: None,
    };
    let text = client.get_text(path, &action).await?;
    serde_json::from_str(&text).map_err(|e| client.target().response_error(&action, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(json: &str) -> APIResourceList {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn events_are_read_through_one_api() {
        let core = Resource::new("v1", "Event", "events", true);
        let new = Resource::new("events.k8s.io/v1", "Event", "events", true);
        let pods = Resource::new("v1", "Pod", "pods", true);
        let mut both = vec![pods.clone(), core.clone(), new.clone()];
        read_once(&mut both);
        assert_eq!(both, [pods.clone(), new]);
        // A server without events.k8s.io (or whose group could not be read) keeps
        // the core Events.
        let mut old_only = vec![pods.clone(), core.clone()];
        read_once(&mut old_only);
        assert_eq!(old_only, [pods, core]);
    }

    #[test]
    fn paths_follow_group_and_scope() {
        let pods = Resource::new("v1", "Pod", "pods", true);
        assert_eq!(pods.path(Some("shop")), "/api/v1/namespaces/shop/pods");
        assert_eq!(pods.path(None), "/api/v1/pods");
        let deploys = Resource::new("apps/v1", "Deployment", "deployments", true);
        assert_eq!(
            deploys.path(Some("x")),
            "/apis/apps/v1/namespaces/x/deployments"
        );
        assert_eq!(deploys.api_version(), "apps/v1");
        assert_eq!(deploys.to_string(), "deployments.apps");
        let nodes = Resource::new("v1", "Node", "nodes", false);
        assert_eq!(nodes.path(Some("x")), "/api/v1/nodes");
    }

    #[test]
    fn subresources_unlistable_and_seen_resources_are_skipped() {
        let mut seen = HashSet::new();
        let v2 = list(
            r#"{"groupVersion":"autoscaling/v2","resources":[
                {"name":"horizontalpodautoscalers","singularName":"","namespaced":true,"kind":"HorizontalPodAutoscaler","verbs":["get","list","watch"]},
                {"name":"horizontalpodautoscalers/status","singularName":"","namespaced":true,"kind":"HorizontalPodAutoscaler","verbs":["get","patch"]}
            ]}"#,
        );
        let v1 = list(
            r#"{"groupVersion":"autoscaling/v1","resources":[
                {"name":"horizontalpodautoscalers","singularName":"","namespaced":true,"kind":"HorizontalPodAutoscaler","verbs":["get","list","watch"]},
                {"name":"scales","singularName":"","namespaced":true,"kind":"Scale","verbs":["get"]}
            ]}"#,
        );
        let first = resources_of("autoscaling", "v2", v2, &mut seen);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].version, "v2");
        assert!(first[0].supports("watch"));
        assert!(resources_of("autoscaling", "v1", v1, &mut seen).is_empty());
    }
}
