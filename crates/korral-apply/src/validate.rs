//! Validation before any write: each manifest checked, placed and labelled, then the
//! whole set dry-run by the server.

use std::collections::{BTreeSet, HashMap};

use futures::StreamExt as _;
use korral_kube::Resource;
use serde_json::{Value, json};

use crate::api::{Applied, Cluster};
use crate::applyset::PART_OF_LABEL;
use crate::engine::{AppliedObject, CONCURRENCY, DeployOptions, Item, is_namespace};
use crate::error::{Error, Rejection, Result};
use crate::manifest::{Manifest, ObjectId, str_at};

/// Checks each manifest, finds its resource, places it in a namespace and labels it as
/// a member. Every problem is collected before failing.
#[allow(clippy::too_many_lines)] // one pass over the manifests, a check per step
pub(crate) fn prepare(
    cluster: &Cluster,
    manifests: Vec<Manifest>,
    options: &DeployOptions,
    id: &str,
) -> Result<Vec<Item>> {
    // Kinds the set's own CRDs define: (group, kind) → namespaced.
    let mut defined: HashMap<(String, String), bool> = HashMap::new();
    for m in &manifests {
        if m.group() == "apiextensions.k8s.io" && m.kind() == "CustomResourceDefinition" {
            let group = str_at(&m.object, "/spec/group").to_owned();
            let kind = str_at(&m.object, "/spec/names/kind").to_owned();
            defined.insert((group, kind), str_at(&m.object, "/spec/scope") != "Cluster");
        }
    }
    let mut rejected = Vec::new();
    let mut items: Vec<Item> = Vec::with_capacity(manifests.len());
    let mut seen: HashMap<ObjectId, String> = HashMap::new();
    for mut manifest in manifests {
        let mut missing = Vec::new();
        for (field, value) in [
            ("apiVersion", manifest.api_version()),
            ("kind", manifest.kind()),
            ("metadata.name", manifest.name()),
        ] {
            if value.is_empty() {
                missing.push(field);
            }
        }
        if !manifest.object.is_object() || !missing.is_empty() {
            rejected.push(Rejection {
                file: manifest.source.clone(),
                object: "(an object)".to_owned(),
                message: format!(
                    "`{}` missing: every manifest needs apiVersion, kind and metadata.name",
                    missing.join("`, `")
                ),
            });
            continue;
        }
        if is_record(&manifest) {
            rejected.push(Rejection {
                file: manifest.source.clone(),
                object: manifest.id().to_string(),
                message: "this name is korral's own record of a deployment (`korral.set.v1.*`, `korral.rev.v1.*`); a manifest may not write it: rename the Secret".to_owned(),
            });
            continue;
        }
        let resource = cluster.resource(manifest.api_version(), manifest.kind());
        let scope = resource.as_ref().map(|r| r.namespaced).or_else(|| {
            defined
                .get(&(manifest.group().to_owned(), manifest.kind().to_owned()))
                .copied()
        });
        let Some(namespaced) = scope else {
            rejected.push(Rejection {
                file: manifest.source.clone(),
                object: manifest.id().to_string(),
                message: format!(
                    "the server does not serve `{}` in `{}`, and no CustomResourceDefinition here defines it; check the apiVersion, or deploy its CRD first",
                    manifest.kind(),
                    manifest.api_version()
                ),
            });
            continue;
        };
        let metadata = manifest
            .object
            .get_mut("metadata")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| Error::Manifest {
                file: manifest.source.clone(),
                message: "`metadata` must be a mapping".to_owned(),
            })?;
        if namespaced {
            if metadata
                .get("namespace")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                metadata.insert("namespace".to_owned(), options.namespace.clone().into());
            }
        } else {
            metadata.remove("namespace");
        }
        let labels = metadata.entry("labels").or_insert_with(|| json!({}));
        if !labels.is_object() {
            *labels = json!({});
        }
        labels[PART_OF_LABEL] = id.into();
        // Server-set fields would make the apply fail or claim them.
        for field in [
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "managedFields",
            "generation",
            "selfLink",
        ] {
            metadata.remove(field);
        }
        if let Some(map) = manifest.object.as_object_mut() {
            map.remove("status");
        }
        let item_id = manifest.id();
        if let Some(first) = seen.get(&item_id) {
            rejected.push(Rejection {
                file: manifest.source.clone(),
                object: item_id.to_string(),
                message: format!("defined twice (also at {first}); keep one"),
            });
            continue;
        }
        seen.insert(item_id.clone(), manifest.source.clone());
        items.push(Item {
            manifest,
            resource,
            id: item_id,
        });
    }
    if rejected.is_empty() {
        Ok(items)
    } else {
        Err(Error::Rejected { rejected })
    }
}

/// Whether a manifest would write over korral's records of a set (its parent or a
/// revision): manifests from elsewhere must not forge or erase history.
fn is_record(manifest: &Manifest) -> bool {
    manifest.group().is_empty()
        && manifest.kind() == "Secret"
        && (manifest.name().starts_with("korral.set.v1.")
            || manifest.name().starts_with("korral.rev.v1."))
}

/// Namespaces members live in that the server does not have: those the set creates
/// (a Namespace manifest), or an error naming the others.
pub(crate) async fn missing_namespaces(
    cluster: &Cluster,
    items: &[Item],
    options: &DeployOptions,
) -> Result<BTreeSet<String>> {
    let created: BTreeSet<&str> = items
        .iter()
        .filter(|i| is_namespace(&i.id))
        .map(|i| i.id.name.as_str())
        .collect();
    let mut used: BTreeSet<&str> = items
        .iter()
        .map(|i| i.id.namespace.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    used.insert(&options.namespace);
    let namespace = Resource::new("v1", "Namespace", "namespaces", false);
    let mut missing = BTreeSet::new();
    let mut rejected = Vec::new();
    for ns in used {
        if cluster.get(&namespace, None, ns).await?.is_some() {
            continue;
        }
        if created.contains(ns) {
            missing.insert(ns.to_owned());
        } else {
            let first = items.iter().find(|i| i.id.namespace == ns);
            rejected.push(Rejection {
                file: first.map(|i| i.manifest.source.clone()).unwrap_or_default(),
                object: first.map_or_else(|| format!("namespace {ns}"), |i| i.id.to_string()),
                message: format!("namespace `{ns}` does not exist; create it, or add a Namespace manifest to the files"),
            });
        }
    }
    if rejected.is_empty() {
        Ok(missing)
    } else {
        Err(Error::Rejected { rejected })
    }
}

/// The namespace a dry run borrows for objects whose own namespace the set creates: a
/// server judges an object the same in any namespace, but will not dry-run one into a
/// namespace that does not exist.
const STAND_IN_NAMESPACE: &str = "default";

/// Server-side dry run of every item (but custom resources whose CRD the set brings:
/// the server cannot judge those before their CRD is established). Objects in a
/// namespace the set creates are judged in [`STAND_IN_NAMESPACE`], where only what
/// the server says about the object itself counts (not conflicts with, or the absence
/// of, an object of the same name there). Any rejection fails the whole set.
pub(crate) async fn dry_run(
    cluster: &Cluster,
    items: &[Item],
    namespaces_to_create: &BTreeSet<String>,
    force: bool,
) -> Result<Vec<AppliedObject>> {
    let judged: Vec<&Item> = items.iter().filter(|i| i.resource.is_some()).collect();
    let answers: Vec<(usize, Result<(Value, Applied)>)> =
        futures::stream::iter(judged.iter().enumerate())
            .map(|(n, item)| async move {
                let resource = item.resource.as_ref().expect("filtered on resource");
                let answer = if namespaces_to_create.contains(&item.id.namespace) {
                    let mut object = item.manifest.object.clone();
                    object["metadata"]["namespace"] = STAND_IN_NAMESPACE.into();
                    match cluster.apply(resource, &object, true, true).await {
                        // New in its namespace, whatever the stand-in holds.
                        Ok((value, _)) => Ok((value, Applied::Created)),
                        Err(Error::Kube(err)) if matches!(err.status_code(), Some(404 | 409)) => {
                            Ok((Value::Null, Applied::Created))
                        }
                        Err(err) => Err(err),
                    }
                } else {
                    cluster
                        .apply(resource, &item.manifest.object, true, force)
                        .await
                };
                (n, answer)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    let mut answers = answers;
    answers.sort_by_key(|(n, _)| *n);
    let mut rejected = Vec::new();
    let mut conflicts = Vec::new();
    let mut applied = Vec::new();
    for (n, answer) in answers {
        let item = judged[n];
        match answer {
            Err(Error::Kube(err)) if is_conflict(&err) => {
                conflicts.push(Rejection {
                    file: item.manifest.source.clone(),
                    object: item.id.to_string(),
                    message: api_message(&err),
                });
            }
            Ok((_, how)) => applied.push(AppliedObject {
                id: item.id.clone(),
                applied: how,
            }),
            Err(Error::Kube(err))
                if err
                    .status_code()
                    .is_some_and(|c| (400..500).contains(&c) && c != 401 && c != 403) =>
            {
                let message = api_message(&err).replace(
                    &format!("namespace \"{STAND_IN_NAMESPACE}\""),
                    &format!("namespace \"{}\"", item.id.namespace),
                );
                rejected.push(Rejection {
                    file: item.manifest.source.clone(),
                    object: item.id.to_string(),
                    message,
                });
            }
            Err(err) => return Err(err),
        }
    }
    // Custom resources of the set's own CRDs are created with them.
    for item in items.iter().filter(|i| i.resource.is_none()) {
        applied.push(AppliedObject {
            id: item.id.clone(),
            applied: Applied::Created,
        });
    }
    if !rejected.is_empty() {
        Err(Error::Rejected { rejected })
    } else if !conflicts.is_empty() {
        Err(Error::Conflict { conflicts })
    } else {
        Ok(applied)
    }
}

/// Whether the server refused an apply for fields another manager owns.
pub(crate) fn is_conflict(err: &korral_kube::Error) -> bool {
    matches!(err, korral_kube::Error::Api { code: 409, message, .. } if message.contains("conflict"))
}

/// The server's own words from an API error.
pub(crate) fn api_message(err: &korral_kube::Error) -> String {
    match err {
        korral_kube::Error::Api { message, code, .. } => format!("{message} ({code})"),
        other => other.to_string(),
    }
}
