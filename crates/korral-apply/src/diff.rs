//! What a deploy would change: the server's dry run of each object against what is
//! there, as a unified YAML diff without the fields the server manages, and the members
//! a prune would delete.

use std::collections::BTreeSet;

use futures::StreamExt as _;
use serde::Serialize;
use serde_json::Value;
use similar::TextDiff;

use crate::api::Cluster;
use crate::applyset::{parent_name, set_id, valid_set_name};
use crate::engine::{CONCURRENCY, DeployOptions, Item, secret};
use crate::error::Rejection;
use crate::error::{Error, Result};
use crate::manifest::{Manifest, ObjectId};
use crate::set::members;
use crate::validate::{api_message, is_conflict, prepare};

/// What would happen to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// It would be created.
    Create,
    /// It would change.
    Update,
    /// It would be deleted by `--prune`.
    Prune,
}

/// One object a deploy would change.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The object.
    pub id: ObjectId,
    /// What would happen.
    pub change: ChangeKind,
    /// The unified diff, live (`-`) to deployed (`+`), in YAML; Secret values masked.
    pub diff: String,
}

/// The changes deploying `manifests` as `options.name` would make; unchanged objects
/// are left out. Objects the set has and the manifests no longer do are listed as
/// [`ChangeKind::Prune`] (deleted only with `--prune`).
pub async fn diff(
    cluster: &Cluster,
    manifests: Vec<Manifest>,
    options: &DeployOptions,
) -> Result<Vec<Change>> {
    if !valid_set_name(&options.name) {
        return Err(Error::BadName(options.name.clone()));
    }
    let id = set_id(&options.name, &options.namespace);
    let items = prepare(cluster, manifests, options, &id)?;
    let mut changes = Vec::new();
    let mut rejected = Vec::new();
    let mut conflicts = Vec::new();
    // Each object's live state and the server's dry run of it, eight at a time (a diff
    // of a thousand objects is two thousand requests).
    let looks: Vec<(Option<Value>, Option<Result<Value>>)> = futures::stream::iter(items.iter())
        .map(|item| async move {
            let Some(resource) = &item.resource else {
                return Ok((None, None));
            };
            let live = cluster
                .get(resource, Some(&item.id.namespace), &item.id.name)
                .await?;
            let after = cluster
                .apply(
                    resource,
                    &item.manifest.object,
                    true,
                    options.force_conflicts,
                )
                .await
                .map(|(value, _)| value);
            Ok::<_, Error>((live, Some(after)))
        })
        .buffered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    for (item, (live, after)) in items.iter().zip(looks) {
        let after = match after {
            // The server's dry run says what the object would be, defaults included.
            Some(answer) => match answer {
                Ok(value) => value,
                // A namespace the set creates is not there to dry-run in.
                Err(Error::Kube(err)) if err.status_code() == Some(404) && live.is_none() => {
                    item.manifest.object.clone()
                }
                Err(Error::Kube(err)) if is_conflict(&err) => {
                    conflicts.push(rejection(item, &err));
                    continue;
                }
                Err(Error::Kube(err))
                    if err
                        .status_code()
                        .is_some_and(|c| (400..500).contains(&c) && c != 401 && c != 403) =>
                {
                    rejected.push(rejection(item, &err));
                    continue;
                }
                Err(err) => return Err(err),
            },
            // A custom resource whose CRD the set brings: shown as written.
            None => item.manifest.object.clone(),
        };
        let before_text = live
            .as_ref()
            .map(|l| yaml(&clean(l, Some(&after), "before")))
            .unwrap_or_default();
        let after_text = yaml(&clean(&after, live.as_ref(), "after"));
        if live.is_some() && before_text == after_text {
            continue;
        }
        let path = path_of(&item.id);
        let text = TextDiff::from_lines(before_text.as_str(), after_text.as_str())
            .unified_diff()
            .context_radius(3)
            .header(&format!("live/{path}"), &format!("deployed/{path}"))
            .to_string();
        changes.push(Change {
            id: item.id.clone(),
            change: if live.is_some() {
                ChangeKind::Update
            } else {
                ChangeKind::Create
            },
            diff: korral_core::terminal::escape_keep_lines(&text).into_owned(),
        });
    }
    if !rejected.is_empty() {
        return Err(Error::Rejected { rejected });
    }
    if !conflicts.is_empty() {
        return Err(Error::Conflict { conflicts });
    }
    changes.extend(prunes(cluster, options, &items, &id).await?);
    Ok(changes)
}

/// The set's members the manifests no longer hold: what `--prune` would delete.
async fn prunes(
    cluster: &Cluster,
    options: &DeployOptions,
    items: &[Item],
    id: &str,
) -> Result<Vec<Change>> {
    let Some(parent) = cluster
        .get(
            &secret(),
            Some(&options.namespace),
            &parent_name(&options.name),
        )
        .await?
    else {
        return Ok(Vec::new());
    };
    let keep: BTreeSet<ObjectId> = items.iter().map(|i| i.id.clone()).collect();
    let mut changes = Vec::new();
    for object in members(cluster, &parent, id).await? {
        let member = ObjectId::of(&object);
        if keep.contains(&member) {
            continue;
        }
        let path = path_of(&member);
        let before = yaml(&clean(&object, None, "before"));
        let text = TextDiff::from_lines(before.as_str(), "")
            .unified_diff()
            .context_radius(3)
            .header(&format!("live/{path}"), &format!("deployed/{path}"))
            .to_string();
        changes.push(Change {
            id: member,
            change: ChangeKind::Prune,
            diff: korral_core::terminal::escape_keep_lines(&text).into_owned(),
        });
    }
    Ok(changes)
}

fn rejection(item: &Item, err: &korral_kube::Error) -> Rejection {
    Rejection {
        file: item.manifest.source.clone(),
        object: item.id.to_string(),
        message: api_message(err),
    }
}

/// `apps.Deployment.shop.web`, as kubectl diff names its files.
fn path_of(id: &ObjectId) -> String {
    let mut parts = Vec::new();
    if !id.group.is_empty() {
        parts.push(id.group.as_str());
    }
    parts.push(&id.kind);
    if !id.namespace.is_empty() {
        parts.push(&id.namespace);
    }
    parts.push(&id.name);
    parts.join(".")
}

/// The annotation client-side `kubectl apply` keeps the last applied object in.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn yaml(value: &Value) -> String {
    serde_saphyr::to_string(value).unwrap_or_else(|_| value.to_string())
}

/// Removes what the server manages (managedFields, resourceVersion, uid, timestamps,
/// generation, status): what a diff leaves out, and what an edit must not send back.
pub fn strip_server_fields(value: &mut Value) {
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "managedFields",
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "selfLink",
        ] {
            meta.remove(field);
        }
    }
    if let Some(map) = value.as_object_mut() {
        map.remove("status");
    }
}

/// The object without what the server manages (managedFields, resourceVersion, uid,
/// timestamps, status), and a Secret's values masked as kubectl diff shows them: `***`
/// when the value is the same in `other` (the object on the other side of the diff),
/// `*** (before)` / `*** (after)` (`side`) when it differs.
fn clean(object: &Value, other: Option<&Value>, side: &str) -> Value {
    let mut out = object.clone();
    strip_server_fields(&mut out);
    let is_secret = object.get("kind").and_then(Value::as_str) == Some("Secret")
        && object.get("apiVersion").and_then(Value::as_str) == Some("v1");
    if is_secret {
        for field in ["data", "stringData"] {
            let theirs = other.and_then(|o| o.get(field));
            if let Some(values) = out.get_mut(field).and_then(Value::as_object_mut) {
                for (key, value) in values.iter_mut() {
                    let same = other.is_none() || theirs.and_then(|t| t.get(key)) == Some(&*value);
                    *value = Value::from(if same {
                        "***".to_owned()
                    } else {
                        format!("*** ({side})")
                    });
                }
            }
        }
        // `kubectl apply` (client-side) keeps the whole Secret, values and all, in this
        // annotation: masked like the values.
        let theirs = other
            .and_then(|o| o.pointer("/metadata/annotations"))
            .and_then(|a| a.get(LAST_APPLIED));
        if let Some(value) = out
            .pointer_mut("/metadata/annotations")
            .and_then(|a| a.get_mut(LAST_APPLIED))
        {
            let same = other.is_none() || theirs == Some(&*value);
            *value = Value::from(if same {
                "***".to_owned()
            } else {
                format!("*** ({side})")
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_values_never_show_and_changed_ones_say_so() {
        let live = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "resourceVersion": "9", "managedFields": []},
            "data": {"same": "c2FtZQ==", "changed": "b2xk"}});
        let after = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"same": "c2FtZQ==", "changed": "bmV3", "added": "eA=="}});
        let mut live = live;
        live["metadata"]["annotations"] = serde_json::json!({
            "kubectl.kubernetes.io/last-applied-configuration":
                "{\"data\":{\"changed\":\"b2xk\"},\"kind\":\"Secret\"}"
        });
        let before = yaml(&clean(&live, Some(&after), "before"));
        let after = yaml(&clean(&after, Some(&live), "after"));
        for text in [&before, &after] {
            assert!(
                !text.contains("b2xk") && !text.contains("bmV3") && !text.contains("c2FtZQ"),
                "{text}"
            );
            assert!(
                !text.contains("resourceVersion") && !text.contains("managedFields"),
                "{text}"
            );
        }
        assert!(
            before.contains("changed: '*** (before)'")
                || before.contains("changed: \"*** (before)\""),
            "{before}"
        );
        assert!(
            after.contains("(after)") && after.contains("added"),
            "{after}"
        );
        assert!(
            after.contains("same: '***'") || after.contains("same: \"***\""),
            "{after}"
        );
    }
}
