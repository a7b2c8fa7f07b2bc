//! A set's records in the cluster: its parent (the applyset), its revisions, its
//! members, and the sets a namespace holds.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Value, json};

use crate::api::Cluster;
use crate::applyset::{
    GROUP_KINDS_ANNOTATION, ID_LABEL, NAMESPACES_ANNOTATION, PART_OF_LABEL, TOOLING,
    TOOLING_ANNOTATION, parent_name,
};
use crate::engine::{DeployOptions, OPERATION_ANNOTATION, secret};
use crate::error::Result;
use crate::manifest::str_at;
use crate::revision::{
    ROLE_LABEL, Revision, RevisionStatus, SET_LABEL, from_secret, revision_name,
};

/// The group-kinds and additional namespaces a parent lists.
pub(crate) fn parent_lists(parent: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let list = |key: &str| -> BTreeSet<String> {
        parent
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    (list(GROUP_KINDS_ANNOTATION), list(NAMESPACES_ANNOTATION))
}

pub(crate) async fn write_parent(
    cluster: &Cluster,
    options: &DeployOptions,
    id: &str,
    group_kinds: &BTreeSet<String>,
    namespaces: &BTreeSet<String>,
    operation: &str,
) -> Result<()> {
    let additional: Vec<&str> = namespaces
        .iter()
        .map(String::as_str)
        .filter(|n| *n != options.namespace)
        .collect();
    let parent = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "korral.dev/set.v1",
        "metadata": {
            "name": parent_name(&options.name),
            "namespace": options.namespace,
            "labels": {
                ID_LABEL: id,
                SET_LABEL: options.name,
                ROLE_LABEL: "parent",
                "app.kubernetes.io/managed-by": "korral",
            },
            "annotations": {
                TOOLING_ANNOTATION: TOOLING,
                GROUP_KINDS_ANNOTATION: group_kinds.iter().map(String::as_str).collect::<Vec<_>>().join(","),
                NAMESPACES_ANNOTATION: additional.join(","),
                OPERATION_ANNOTATION: operation,
            },
        },
    });
    cluster.apply(&secret(), &parent, false, true).await?;
    Ok(())
}

/// The set's revisions, oldest first, with their Secrets.
pub(crate) async fn history(
    cluster: &Cluster,
    name: &str,
    namespace: &str,
) -> Result<Vec<(Revision, Value)>> {
    let selector = format!("{SET_LABEL}={name},{ROLE_LABEL}=revision");
    let mut out: Vec<(Revision, Value)> = cluster
        .list(&secret(), Some(namespace), &selector)
        .await?
        .into_iter()
        .filter_map(|s| from_secret(&s).map(|r| (r, s)))
        .filter(|(r, _)| r.set == name)
        .collect();
    out.sort_by_key(|(r, _)| r.number);
    Ok(out)
}

/// The set's revisions, oldest first.
pub async fn revisions(cluster: &Cluster, name: &str, namespace: &str) -> Result<Vec<Revision>> {
    Ok(history(cluster, name, namespace)
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect())
}

/// Keeps the newest `options.keep` revisions, and always `current` and the newest
/// deployed one.
pub(crate) async fn trim(cluster: &Cluster, options: &DeployOptions, current: u32) -> Result<()> {
    let all = history(cluster, &options.name, &options.namespace).await?;
    // The newest deployed revision is what a rollback puts back: never trimmed.
    let good = all
        .iter()
        .rev()
        .find(|(r, _)| r.status == RevisionStatus::Deployed)
        .map(|(r, _)| r.number);
    let excess = all.len().saturating_sub(options.keep.max(1));
    for (revision, _) in all.iter().take(excess) {
        if revision.number != current && Some(revision.number) != good {
            cluster
                .delete(
                    &secret(),
                    Some(&options.namespace),
                    &revision_name(&options.name, revision.number),
                )
                .await?;
        }
    }
    Ok(())
}

/// Every object labelled as a member of the set, by the parent's lists.
pub(crate) async fn members(cluster: &Cluster, parent: &Value, id: &str) -> Result<Vec<Value>> {
    let (kinds, extra) = parent_lists(parent);
    let mut namespaces: BTreeSet<String> = extra;
    namespaces.insert(str_at(parent, "/metadata/namespace").to_owned());
    members_of(cluster, &kinds, &namespaces, id).await
}

pub(crate) async fn members_of(
    cluster: &Cluster,
    kinds: &BTreeSet<String>,
    namespaces: &BTreeSet<String>,
    id: &str,
) -> Result<Vec<Value>> {
    let selector = format!("{PART_OF_LABEL}={id}");
    let mut out = Vec::new();
    for group_kind in kinds {
        let (kind, group) = group_kind.split_once('.').unwrap_or((group_kind, ""));
        let Some(resource) = cluster.resource_by_group(group, kind) else {
            continue;
        };
        if resource.namespaced {
            for ns in namespaces {
                out.extend(cluster.list(&resource, Some(ns), &selector).await?);
            }
        } else {
            out.extend(cluster.list(&resource, None, &selector).await?);
        }
    }
    Ok(out)
}

/// One set, as `korral releases` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SetSummary {
    /// The set.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// Its newest revision, if any is recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<Revision>,
    /// The group-kinds its members are.
    pub group_kinds: Vec<String>,
}

/// The sets in `namespace` (every namespace when `None`).
pub async fn sets(cluster: &Cluster, namespace: Option<&str>) -> Result<Vec<SetSummary>> {
    let parents = cluster
        .list(&secret(), namespace, &format!("{ROLE_LABEL}=parent"))
        .await?;
    let mut out = Vec::new();
    for parent in parents {
        let name = parent
            .pointer("/metadata/labels")
            .and_then(|l| l.get(SET_LABEL))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let ns = str_at(&parent, "/metadata/namespace").to_owned();
        let latest = history(cluster, &name, &ns).await?.pop().map(|(r, _)| r);
        out.push(SetSummary {
            name,
            namespace: ns,
            latest,
            group_kinds: parent_lists(&parent).0.into_iter().collect(),
        });
    }
    out.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(out)
}
