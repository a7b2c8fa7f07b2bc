//! The Deployment and ReplicaSet controllers, after `pkg/controller/deployment`
//! (`sync.go`, `rolling.go`, `recreate.go`, `progress.go`) and
//! `pkg/controller/replicaset`, simplified:
//!
//! - the ReplicaSet of the current pod template is `<deployment>-<pod-template-hash>`,
//!   found again by that hash, so that going back to an earlier template reuses its
//!   ReplicaSet (a rollback), which then gets the next revision;
//! - a rolling update scales the new ReplicaSet to `replicas` at once (no `maxSurge`
//!   steps) and the old ones to 0 only once the new one has `replicas` available pods,
//!   so a broken template leaves the old pods serving, as `maxUnavailable` does;
//!   `Recreate` scales the old ones to 0 first;
//! - `Progressing` is False `ProgressDeadlineExceeded` once the rollout has made no
//!   progress (no new pod became available) for `progressDeadlineSeconds`;
//! - `spec.paused` stops the rollout (`DeploymentPaused`); old ReplicaSets beyond
//!   `revisionHistoryLimit` are kept; `minReadySeconds` is not waited for.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{
    CONTROLLER_MANAGER, Children, Controllers, State, condition, create, delete, get, int, name,
    namespace, owner_reference, pod_active, pod_from_template, pod_ready, template_hash, text,
    write, write_status,
};
use crate::apiserver::store::Store;
use crate::apiserver::validate::selects;

pub(crate) const REVISION: &str = "deployment.kubernetes.io/revision";
const HASH: &str = "pod-template-hash";

fn revision(object: &Value) -> i64 {
    text(
        object,
        "/metadata/annotations/deployment.kubernetes.io~1revision",
    )
    .parse()
    .unwrap_or(0)
}

fn with_revision(object: &Value, revision: i64) -> Value {
    let mut object = object.clone();
    let annotations = &mut object["metadata"]["annotations"];
    if !annotations.is_object() {
        *annotations = json!({});
    }
    annotations[REVISION] = revision.to_string().into();
    object
}

/// `maxUnavailable` of a rolling update, rounded down as the real one is.
fn max_unavailable(deployment: &Value, replicas: i64) -> i64 {
    if text(deployment, "/spec/strategy/type") == "Recreate" {
        return 0;
    }
    match deployment.pointer("/spec/strategy/rollingUpdate/maxUnavailable") {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(p)) => {
            let percent: i64 = p.trim_end_matches('%').parse().unwrap_or(25);
            replicas * percent / 100
        }
        _ => replicas * 25 / 100,
    }
}

/// A new ReplicaSet for a Deployment's current template.
fn new_replica_set(deployment: &Value, hash: &str, replicas: i64, revision: i64) -> Value {
    let mut template = deployment
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_else(|| json!({}));
    template["metadata"]["labels"][HASH] = hash.into();
    let mut selector = deployment
        .pointer("/spec/selector")
        .cloned()
        .unwrap_or_else(|| json!({}));
    selector["matchLabels"][HASH] = hash.into();
    let mut labels = template["metadata"]["labels"].clone();
    labels[HASH] = hash.into();
    let mut spec = json!({"replicas": replicas, "selector": selector, "template": template});
    if let Some(min_ready) = deployment.pointer("/spec/minReadySeconds") {
        spec["minReadySeconds"] = min_ready.clone();
    }
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": format!("{}-{hash}", name(deployment)), "namespace": namespace(deployment),
            "labels": labels,
            "annotations": {REVISION: revision.to_string(),
                "deployment.kubernetes.io/desired-replicas": replicas.to_string(),
                "deployment.kubernetes.io/max-replicas": replicas.to_string()},
            "ownerReferences": [owner_reference("apps/v1", "Deployment", deployment)]},
        "spec": spec})
}

/// The ReplicaSet of the Deployment's current template: one whose template equals it
/// but for the `pod-template-hash` label (`EqualIgnoreHash`, so that ReplicaSets
/// seeded from a real cluster are adopted), else one labelled with its hash.
fn find_new<'a>(sets: &[&'a Value], template: &Value, hash: &str) -> Option<&'a Value> {
    let without_hash = |t: Option<&Value>| {
        let mut t = t.cloned().unwrap_or_else(|| json!({}));
        if let Some(labels) = t
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            labels.remove(HASH);
        }
        t
    };
    sets.iter()
        .find(|rs| without_hash(rs.pointer("/spec/template")) == *template)
        .or_else(|| {
            sets.iter()
                .find(|rs| text(rs, "/metadata/labels/pod-template-hash") == hash)
        })
        .copied()
}

fn scaled(rs: &Value, replicas: i64) -> Value {
    let mut rs = rs.clone();
    rs["spec"]["replicas"] = replicas.into();
    rs
}

#[allow(clippy::too_many_lines)] // one Deployment's sync, step by step as sync.go does it
pub(super) fn deployments(store: &mut Store, options: &Controllers, state: &mut State) {
    let manager = CONTROLLER_MANAGER;
    let sets = Children::of(store, "apps", "ReplicaSet");
    for deployment in super::all(store, "apps", "Deployment") {
        if super::deleting(&deployment) {
            continue;
        }
        let mine = sets.of_owner(store, &deployment);
        let template = deployment
            .pointer("/spec/template")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let hash = template_hash(&template);
        let replicas = int(&deployment, "/spec/replicas", 1);
        let paused = deployment.pointer("/spec/paused").and_then(Value::as_bool) == Some(true);
        let recreate = text(&deployment, "/spec/strategy/type") == "Recreate";
        let max_revision = mine.iter().map(revision).max().unwrap_or(0);
        let current = find_new(&mine.iter().collect::<Vec<_>>(), &template, &hash).cloned();
        let current_name = current.as_ref().map(|rs| name(rs).to_owned());
        let old: Vec<&Value> = mine
            .iter()
            .filter(|rs| Some(name(rs)) != current_name.as_deref())
            .collect();
        let old_pods = old
            .iter()
            .map(|rs| int(rs, "/status/replicas", 0) + int(rs, "/spec/replicas", 0))
            .sum::<i64>();
        if !paused {
            let want_new = if recreate && old_pods > 0 {
                0
            } else {
                replicas
            };
            match &current {
                None => {
                    let rs = new_replica_set(&deployment, &hash, want_new, max_revision + 1);
                    create(store, manager, "apps", "ReplicaSet", rs);
                }
                Some(rs) => {
                    let mut next = scaled(rs, want_new);
                    if revision(rs) < max_revision {
                        // A rollback: the old ReplicaSet becomes the newest revision.
                        next = with_revision(&next, max_revision + 1);
                    }
                    write(store, manager, "apps", "ReplicaSet", rs, next);
                }
            }
            let new_available = current
                .as_ref()
                .map_or(0, |rs| int(rs, "/status/availableReplicas", 0));
            if recreate || new_available >= replicas {
                for rs in &old {
                    write(store, manager, "apps", "ReplicaSet", rs, scaled(rs, 0));
                }
            }
        }
        // Status, from the ReplicaSets as they are now.
        let now_sets = sets.of_owner(store, &deployment);
        let mine: Vec<&Value> = now_sets.iter().collect();
        let new_rs = find_new(&mine, &template, &hash);
        let sum = |pointer: &str| mine.iter().map(|rs| int(rs, pointer, 0)).sum::<i64>();
        let available = sum("/status/availableReplicas");
        let total = sum("/spec/replicas");
        let updated = new_rs.map_or(0, |rs| int(rs, "/status/replicas", 0));
        let new_available = new_rs.map_or(0, |rs| int(rs, "/status/availableReplicas", 0));
        let status_replicas = sum("/status/replicas");
        if let Some(rs) = new_rs {
            let next = with_revision(&deployment, revision(rs));
            if revision(rs) != revision(&deployment) {
                write(store, manager, "apps", "Deployment", &deployment, next);
            }
        }
        // Progress: a new template, or more new pods available.
        let now = Instant::now();
        let progress = state
            .progress
            .entry(super::uid(&deployment).to_owned())
            .or_insert_with(|| (hash.clone(), now, new_available));
        if progress.0 != hash || progress.2 < new_available || paused {
            *progress = (hash.clone(), now, new_available);
        }
        let deadline = options.progress_deadline.unwrap_or_else(|| {
            let seconds = int(&deployment, "/spec/progressDeadlineSeconds", 600);
            Duration::from_secs(u64::try_from(seconds).unwrap_or(600))
        });
        let rs_name = new_rs.map_or_else(
            || format!("{}-{hash}", name(&deployment)),
            |rs| name(rs).to_owned(),
        );
        let old_status = deployment.get("status");
        // A rollout once complete stays so until the next template (or while its pods
        // are all of the new template), as `syncRolloutStatus` skips the estimate then.
        let was_complete = old_status
            .and_then(|s| s.get("conditions"))
            .and_then(Value::as_array)
            .is_some_and(|cs| {
                cs.iter().any(|c| {
                    text(c, "/type") == "Progressing"
                        && text(c, "/reason") == "NewReplicaSetAvailable"
                })
            })
            && int(&deployment, "/status/observedGeneration", 0)
                == int(&deployment, "/metadata/generation", 1)
            && status_replicas == updated;
        let complete = was_complete
            || (updated == replicas && new_available >= replicas && status_replicas == replicas);
        let progressing = if paused {
            condition(
                old_status,
                "Progressing",
                "Unknown",
                "DeploymentPaused",
                "Deployment is paused",
                true,
            )
        } else if complete {
            condition(
                old_status,
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                &format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                true,
            )
        } else if now.duration_since(progress.1) > deadline {
            condition(
                old_status,
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                &format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
                true,
            )
        } else {
            condition(
                old_status,
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                &format!("ReplicaSet \"{rs_name}\" is progressing."),
                true,
            )
        };
        let available_condition = if available >= replicas - max_unavailable(&deployment, replicas)
        {
            condition(
                old_status,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                true,
            )
        } else {
            condition(
                old_status,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                true,
            )
        };
        let mut status = json!({
            "observedGeneration": int(&deployment, "/metadata/generation", 1),
            "replicas": status_replicas,
            "updatedReplicas": updated,
            "readyReplicas": sum("/status/readyReplicas"),
            "availableReplicas": available,
            "conditions": [available_condition, progressing],
        });
        let unavailable = (total - available).max(0);
        if unavailable > 0 {
            status["unavailableReplicas"] = unavailable.into();
        }
        // The API leaves zero counts out.
        for field in [
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
        ] {
            if status[field] == 0 {
                status.as_object_mut().map(|m| m.remove(field));
            }
        }
        let deployment = get(store, "apps", "Deployment", &deployment).unwrap_or(deployment);
        write_status(store, manager, "apps", "Deployment", &deployment, status);
    }
}

/// Pods for each ReplicaSet: created from its template up to `replicas`, the excess
/// deleted (not ready ones first, then the newest).
pub(super) fn replica_sets(store: &mut Store) {
    let manager = CONTROLLER_MANAGER;
    let pods = Children::of(store, "", "Pod");
    for rs in super::all(store, "apps", "ReplicaSet") {
        if super::deleting(&rs) {
            continue;
        }
        let children = pods.of_owner(store, &rs);
        let mut active: Vec<&Value> = children.iter().filter(|p| pod_active(p)).collect();
        let want = usize::try_from(int(&rs, "/spec/replicas", 1)).unwrap_or(0);
        let template = rs
            .pointer("/spec/template")
            .cloned()
            .unwrap_or_else(|| json!({}));
        if active.len() < want && !store.namespace_terminating(namespace(&rs)) {
            for _ in active.len()..want {
                let mut pod = pod_from_template(
                    &template,
                    namespace(&rs),
                    &owner_reference("apps/v1", "ReplicaSet", &rs),
                );
                pod["metadata"]["generateName"] = format!("{}-", name(&rs)).into();
                create(store, manager, "", "Pod", pod);
            }
        } else if active.len() > want {
            active.sort_by_key(|p| {
                (
                    pod_ready(p),
                    std::cmp::Reverse(text(p, "/metadata/creationTimestamp").to_owned()),
                )
            });
            for pod in &active[..active.len() - want] {
                delete(store, "", "Pod", pod);
            }
        }
        let children = pods.of_owner(store, &rs);
        let mine: Vec<&Value> = children.iter().filter(|p| pod_active(p)).collect();
        let template_labels = template.pointer("/metadata/labels");
        let labelled = mine
            .iter()
            .filter(|p| {
                let selector =
                    json!({"matchLabels": template_labels.cloned().unwrap_or_else(|| json!({}))});
                selects(&selector, p.pointer("/metadata/labels"))
            })
            .count();
        let ready = mine.iter().filter(|p| pod_ready(p)).count();
        let mut status = json!({
            "replicas": mine.len(),
            "fullyLabeledReplicas": labelled,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": int(&rs, "/metadata/generation", 1),
        });
        for field in ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"] {
            if status[field] == 0 {
                status.as_object_mut().map(|m| m.remove(field));
            }
        }
        write_status(store, manager, "apps", "ReplicaSet", &rs, status);
    }
}
