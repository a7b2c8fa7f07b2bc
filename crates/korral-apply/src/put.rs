//! Putting objects into a cluster one by one, in the engine's order, without a set:
//! what restore (and, later, the web UI's edit) write through. Each object is created,
//! or, when it exists, left alone or updated, and reported on its own; one failure does
//! not stop the others.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::api::Cluster;
use crate::error::Result;
use crate::manifest::{Manifest, ObjectId, str_at};
use crate::order::plan;
use crate::progress::{Event, Progress};
use crate::validate::api_message;
use crate::wait::{Failure, Member, WaitOptions, wait_ready};

/// What to do with an object that already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Existing {
    /// Leave it as it is (the default: a restore never overwrites).
    #[default]
    Skip,
    /// Update it to the manifest with server-side apply (forcing conflicts).
    Update,
}

/// How to put objects.
#[derive(Debug, Clone)]
pub struct PutOptions {
    /// The field manager of creates and updates.
    pub field_manager: String,
    /// What to do with objects that exist.
    pub existing: Existing,
    /// Ask the server to validate only (`dryRun=All`): nothing is written.
    pub dry_run: bool,
    /// Wait until what was created or updated is ready.
    pub wait: bool,
    /// How long the whole put may wait (CRDs included).
    pub timeout: Duration,
}

impl Default for PutOptions {
    fn default() -> Self {
        Self {
            field_manager: "korral".to_owned(),
            existing: Existing::Skip,
            dry_run: false,
            wait: false,
            timeout: Duration::from_secs(300),
        }
    }
}

/// What happened to one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "result", content = "reason")]
pub enum PutResult {
    /// Created (or, in a dry run, would be).
    Created,
    /// It existed and was updated (`Existing::Update`).
    Updated,
    /// It existed and was left as it is.
    SkippedExists,
    /// The server refused it, or it could not be sent: why.
    Failed(String),
}

/// One object's result.
#[derive(Debug, Clone, Serialize)]
pub struct Put {
    /// The object.
    pub id: ObjectId,
    /// What happened.
    #[serde(flatten)]
    pub result: PutResult,
}

/// Puts `manifests` into the cluster in the engine's order (waves, kinds, relations;
/// CRDs established before their resources). An object's `ownerReferences` to another
/// object put here are re-linked to that object's new uid (an object's old uid is its
/// `metadata.uid` as given); references to owners not put here are dropped, so the
/// garbage collector does not delete what was just put. Returns each object's result,
/// in order, and what did not get ready (with `wait`).
pub async fn put_all(
    cluster: &mut Cluster,
    manifests: Vec<Manifest>,
    options: &PutOptions,
    progress: &mut dyn Progress,
) -> Result<(Vec<Put>, Vec<Failure>)> {
    let start = Instant::now();
    let old_uids: Vec<String> = manifests
        .iter()
        .map(|m| str_at(&m.object, "/metadata/uid").to_owned())
        .collect();
    let waves = plan(&manifests)?;
    let mut new_uids: HashMap<String, String> = HashMap::new();
    let mut results: Vec<Option<Put>> = vec![None; manifests.len()];
    let mut written = Vec::new();
    let deadline = start + options.timeout;
    let wait = WaitOptions {
        deadline,
        failure_grace: Duration::from_secs(10),
        poll: Duration::from_secs(1),
        ready: korral_status::ReadyOptions::default(),
    };
    for wave in &waves {
        for phase in &wave.phases {
            let mut established = Vec::new();
            for &i in phase {
                let manifest = &manifests[i];
                let id = manifest.id();
                let mut object = manifest.object.clone();
                relink(&mut object, &new_uids);
                let mut resource = cluster.resource(manifest.api_version(), manifest.kind());
                if resource.is_none() {
                    // Defined by a CRD put just before.
                    cluster.rediscover().await?;
                    resource = cluster.resource(manifest.api_version(), manifest.kind());
                }
                let Some(resource) = resource else {
                    results[i] = Some(Put {
                        id,
                        result: PutResult::Failed(format!(
                            "the server does not serve `{}` in `{}`",
                            manifest.kind(),
                            manifest.api_version()
                        )),
                    });
                    continue;
                };
                let (result, value) = put_one(cluster, &resource, &object, options).await?;
                if let (Some(value), Some(old)) =
                    (&value, old_uids.get(i).filter(|u| !u.is_empty()))
                {
                    let uid = str_at(value, "/metadata/uid");
                    if !uid.is_empty() {
                        new_uids.insert(old.clone(), uid.to_owned());
                    }
                }
                if matches!(result, PutResult::Created | PutResult::Updated) {
                    let member = Member {
                        id: id.clone(),
                        resource: resource.clone(),
                    };
                    if id.kind == "CustomResourceDefinition" {
                        established.push(member.clone());
                    }
                    written.push(member);
                }
                progress.event(Event::Note(format!("{} {id}", word(&result))));
                results[i] = Some(Put { id, result });
            }
            if !established.is_empty() && !options.dry_run {
                let failures = wait_ready(cluster, &established, "", &wait, progress).await?;
                if !failures.is_empty() {
                    return Ok((results.into_iter().flatten().collect(), failures));
                }
                cluster.rediscover().await?;
            }
        }
    }
    let mut failures = Vec::new();
    if options.wait && !options.dry_run && !written.is_empty() {
        failures = wait_ready(cluster, &written, "", &wait, progress).await?;
    }
    Ok((results.into_iter().flatten().collect(), failures))
}

/// The word for a result in progress lines.
fn word(result: &PutResult) -> String {
    match result {
        PutResult::Created => "created".to_owned(),
        PutResult::Updated => "updated".to_owned(),
        PutResult::SkippedExists => "exists, skipped".to_owned(),
        PutResult::Failed(why) => format!("failed ({why}):"),
    }
}

/// Creates one object; when it exists, leaves it or applies it. Returns what happened
/// and the object as the server has it (none when it failed).
async fn put_one(
    cluster: &Cluster,
    resource: &korral_kube::Resource,
    object: &Value,
    options: &PutOptions,
) -> Result<(PutResult, Option<Value>)> {
    let refused =
        |err: &korral_kube::Error| err.status_code().is_some_and(|c| (400..500).contains(&c));
    match cluster
        .create(resource, object, options.dry_run, &options.field_manager)
        .await
    {
        Ok(value) => return Ok((PutResult::Created, Some(value))),
        // It exists: what to do with it follows.
        Err(crate::Error::Kube(err)) if err.status_code() == Some(409) => {}
        Err(crate::Error::Kube(err)) if refused(&err) => {
            return Ok((PutResult::Failed(api_message(&err)), None));
        }
        Err(err) => return Err(err),
    }
    match options.existing {
        Existing::Skip => {
            let namespace = object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .filter(|_| resource.namespaced);
            let name = str_at(object, "/metadata/name");
            let live = cluster.get(resource, namespace, name).await?;
            Ok((PutResult::SkippedExists, live))
        }
        Existing::Update => match cluster
            .apply_as(
                resource,
                object,
                options.dry_run,
                true,
                &options.field_manager,
            )
            .await
        {
            Ok((value, _)) => Ok((PutResult::Updated, Some(value))),
            Err(crate::Error::Kube(err)) if refused(&err) => {
                Ok((PutResult::Failed(api_message(&err)), None))
            }
            Err(err) => Err(err),
        },
    }
}

/// Points `ownerReferences` at the new uids of owners put before; drops those whose
/// owner was not put (a dangling owner would have the object collected).
fn relink(object: &mut Value, new_uids: &HashMap<String, String>) {
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    meta.remove("uid");
    let Some(Value::Array(owners)) = meta.get_mut("ownerReferences") else {
        return;
    };
    owners.retain_mut(|owner| {
        let old = owner.get("uid").and_then(Value::as_str).unwrap_or_default();
        match new_uids.get(old) {
            Some(new) => {
                owner["uid"] = Value::from(new.as_str());
                true
            }
            None => false,
        }
    });
    if owners.is_empty() {
        meta.remove("ownerReferences");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn owners_put_here_are_relinked_and_others_dropped() {
        let mut uids = HashMap::new();
        uids.insert("old-web".to_owned(), "new-web".to_owned());
        let mut object = json!({"metadata": {"name": "web-1", "uid": "old-pod", "ownerReferences": [
            {"kind": "ReplicaSet", "name": "web", "uid": "old-web", "controller": true},
            {"kind": "Thing", "name": "gone", "uid": "old-gone"}]}});
        relink(&mut object, &uids);
        assert_eq!(
            object,
            json!({"metadata": {"name": "web-1", "ownerReferences": [
                {"kind": "ReplicaSet", "name": "web", "uid": "new-web", "controller": true}]}})
        );
        let mut orphan = json!({"metadata": {"name": "x", "ownerReferences": [{"uid": "nobody"}]}});
        relink(&mut orphan, &uids);
        assert_eq!(orphan, json!({"metadata": {"name": "x"}}));
    }
}
