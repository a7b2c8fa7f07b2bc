//! Discovery documents: `/version`, `/api`, `/apis`, `/apis/{group}`, the
//! APIResourceLists, and aggregated discovery (`apidiscovery.k8s.io/v2`).

use std::collections::HashSet;

use serde_json::{Value, json};

use super::resources::{Registry, ResourceType};

/// The Kubernetes release the test server claims to be.
pub(crate) const GIT_VERSION: &str = "v1.33.4";

pub(crate) fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "emulationMajor": "1",
        "emulationMinor": "33",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "32",
        "gitVersion": GIT_VERSION,
        "gitCommit": "74cdb426e4e2f1ac6a4a0ffb2ac9eab6fc2e5d0a",
        "gitTreeState": "clean",
        "buildDate": "2025-08-12T18:20:15Z",
        "goVersion": "go1.24.5",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

pub(crate) fn core_versions(address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]
    })
}

fn group_doc(name: &str, versions: &[String]) -> Value {
    let gv = |v: &String| json!({"groupVersion": format!("{name}/{v}"), "version": v});
    json!({
        "name": name,
        "versions": versions.iter().map(gv).collect::<Vec<_>>(),
        "preferredVersion": gv(&versions[0]),
    })
}

pub(crate) fn group_list(registry: &Registry) -> Value {
    let groups: Vec<Value> = registry
        .groups()
        .iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, vs)| group_doc(g, vs))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub(crate) fn group(registry: &Registry, name: &str) -> Option<Value> {
    let groups = registry.groups();
    let (_, versions) = groups.iter().find(|(g, _)| g == name && !g.is_empty())?;
    let mut doc = group_doc(name, versions);
    doc["kind"] = "APIGroup".into();
    doc["apiVersion"] = "v1".into();
    Some(doc)
}

fn serves(t: &ResourceType, group: &str, version: &str) -> bool {
    t.group == group && t.versions.iter().any(|v| v == version)
}

/// The verbs and kind a subresource answers with.
fn subresource(sub: &str, t: &ResourceType) -> (&'static [&'static str], String, String, String) {
    match sub {
        "log" => (&["get"], String::new(), String::new(), t.kind.clone()),
        "scale" => (
            &["get", "patch", "update"],
            "autoscaling".into(),
            "v1".into(),
            "Scale".into(),
        ),
        "finalize" => (&["update"], String::new(), String::new(), t.kind.clone()),
        _ => (
            &["get", "patch", "update"],
            String::new(),
            String::new(),
            t.kind.clone(),
        ),
    }
}

pub(crate) fn resource_list(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for t in registry
        .types()
        .iter()
        .filter(|t| serves(t, group, version))
    {
        let mut doc = json!({
            "name": t.plural,
            "singularName": t.singular,
            "namespaced": t.namespaced,
            "kind": t.kind,
            "verbs": t.verbs(),
        });
        if !t.short_names.is_empty() {
            doc["shortNames"] = json!(t.short_names);
        }
        resources.push(doc);
        for sub in &t.subresources {
            let (verbs, g, v, kind) = subresource(sub, t);
            let mut doc = json!({
                "name": format!("{}/{sub}", t.plural),
                "singularName": "",
                "namespaced": t.namespaced,
                "kind": kind,
                "verbs": verbs,
            });
            if !g.is_empty() {
                doc["group"] = g.into();
                doc["version"] = v.into();
            }
            resources.push(doc);
        }
    }
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

/// The `Accept` value that asks for aggregated discovery.
pub(crate) fn wants_aggregated(accept: &str) -> bool {
    accept.contains("as=APIGroupDiscoveryList")
}

pub(crate) const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// `/api` (`core` true) or `/apis` as an APIGroupDiscoveryList; unavailable
/// group/versions are left out.
pub(crate) fn aggregated(registry: &Registry, core: bool, unavailable: &HashSet<String>) -> Value {
    let mut items = Vec::new();
    for (group, versions) in registry.groups() {
        if group.is_empty() != core {
            continue;
        }
        let mut version_docs = Vec::new();
        for version in &versions {
            if unavailable.contains(&format!("{group}/{version}")) {
                continue;
            }
            let resources: Vec<Value> = registry
                .types()
                .iter()
                .filter(|t| serves(t, &group, version))
                .map(|t| {
                    let subresources: Vec<Value> = t
                        .subresources
                        .iter()
                        .map(|sub| {
                            let (verbs, g, v, kind) = subresource(sub, t);
                            let (g, v) = if kind == t.kind {
                                (group.clone(), version.clone())
                            } else {
                                (g, v)
                            };
                            json!({
                                "subresource": sub,
                                "responseKind": {"group": g, "version": v, "kind": kind},
                                "verbs": verbs,
                            })
                        })
                        .collect();
                    let mut doc = json!({
                        "resource": t.plural,
                        "responseKind": {"group": group, "version": version, "kind": t.kind},
                        "scope": if t.namespaced { "Namespaced" } else { "Cluster" },
                        "singularResource": t.singular,
                        "verbs": t.verbs(),
                    });
                    if !t.short_names.is_empty() {
                        doc["shortNames"] = json!(t.short_names);
                    }
                    if !subresources.is_empty() {
                        doc["subresources"] = Value::Array(subresources);
                    }
                    doc
                })
                .collect();
            version_docs
                .push(json!({"version": version, "resources": resources, "freshness": "Current"}));
        }
        if version_docs.is_empty() {
            continue;
        }
        items.push(json!({
            "metadata": {"name": group, "creationTimestamp": null},
            "versions": version_docs,
        }));
    }
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}
