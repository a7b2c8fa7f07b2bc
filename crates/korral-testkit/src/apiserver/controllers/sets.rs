//! The StatefulSet and DaemonSet controllers, simple versions of
//! `pkg/controller/statefulset` and `pkg/controller/daemon`:
//!
//! - a StatefulSet has pods `<name>-0` … `<name>-(n-1)`, created in order, each once
//!   the one before is ready (`podManagementPolicy: Parallel`: all at once); a new
//!   template replaces pods from the highest ordinal down, one at a time while the
//!   others are ready; revisions are `<name>-<hash>` (no ControllerRevision objects);
//! - a DaemonSet has one pod per Node object (none without Nodes), placed by
//!   `spec.nodeName` rather than node affinity, and replaces pods of an old template
//!   one at a time; tolerations and node selectors are not considered.

use serde_json::{Value, json};

use super::{
    CONTROLLER_MANAGER, Children, create, delete, int, name, namespace, owner_reference,
    pod_active, pod_from_template, pod_ready, template_hash, text, write_status,
};
use crate::apiserver::store::Store;

const REVISION_LABEL: &str = "controller-revision-hash";

fn revision_of(pod: &Value) -> &str {
    text(pod, "/metadata/labels/controller-revision-hash")
}

fn drop_zeros(status: &mut Value, fields: &[&str]) {
    for field in fields {
        if status[*field] == 0 {
            status.as_object_mut().map(|m| m.remove(*field));
        }
    }
}

#[allow(clippy::too_many_lines)] // one StatefulSet's sync: scale, replace, status
pub(super) fn stateful_sets(store: &mut Store) {
    let manager = CONTROLLER_MANAGER;
    let pods = Children::of(store, "", "Pod");
    for set in super::all(store, "apps", "StatefulSet") {
        if super::deleting(&set) {
            continue;
        }
        let set_name = name(&set).to_owned();
        let ns = namespace(&set).to_owned();
        let template = set
            .pointer("/spec/template")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let update_revision = format!("{set_name}-{}", template_hash(&template));
        let replicas = int(&set, "/spec/replicas", 1);
        let parallel = text(&set, "/spec/podManagementPolicy") == "Parallel";
        let children = pods.of_owner(store, &set);
        let mine: Vec<&Value> = children.iter().collect();
        let ordinal = |pod: &Value| {
            name(pod)
                .strip_prefix(&format!("{set_name}-"))
                .and_then(|n| n.parse::<i64>().ok())
        };
        let by_ordinal = |i: i64| mine.iter().find(|p| ordinal(p) == Some(i)).copied();
        let terminating = store.namespace_terminating(&ns);
        // Scale up, in order.
        for i in 0..replicas {
            if let Some(pod) = by_ordinal(i) {
                if !parallel && !pod_ready(pod) {
                    break;
                }
                continue;
            }
            if terminating {
                break;
            }
            let pod_name = format!("{set_name}-{i}");
            let mut pod = pod_from_template(
                &template,
                &ns,
                &owner_reference("apps/v1", "StatefulSet", &set),
            );
            pod["metadata"]["name"] = pod_name.clone().into();
            let labels = &mut pod["metadata"]["labels"];
            if !labels.is_object() {
                *labels = json!({});
            }
            labels[REVISION_LABEL] = update_revision.clone().into();
            labels["statefulset.kubernetes.io/pod-name"] = pod_name.clone().into();
            labels["apps.kubernetes.io/pod-index"] = i.to_string().into();
            pod["spec"]["hostname"] = pod_name.into();
            if let Some(service) = set.pointer("/spec/serviceName").and_then(Value::as_str) {
                pod["spec"]["subdomain"] = service.into();
            }
            create(store, manager, "", "Pod", pod);
            if !parallel {
                break;
            }
        }
        // Scale down from the highest ordinal; then replace old revisions, one at a time.
        let mut extra: Vec<&Value> = mine
            .iter()
            .copied()
            .filter(|p| ordinal(p).is_none_or(|i| i >= replicas))
            .collect();
        extra.sort_by_key(|p| std::cmp::Reverse(ordinal(p)));
        if let Some(pod) = extra.first() {
            delete(store, "", "Pod", pod);
        } else if mine.len() == usize::try_from(replicas).unwrap_or(0)
            && mine.iter().all(|p| pod_ready(p))
        {
            let mut stale: Vec<&Value> = mine
                .iter()
                .copied()
                .filter(|p| revision_of(p) != update_revision)
                .collect();
            stale.sort_by_key(|p| std::cmp::Reverse(ordinal(p)));
            if let Some(pod) = stale.first() {
                delete(store, "", "Pod", pod);
            }
        }
        let children = pods.of_owner(store, &set);
        let mine: Vec<&Value> = children.iter().collect();
        let ready = mine.iter().filter(|p| pod_ready(p)).count();
        let updated = mine
            .iter()
            .filter(|p| revision_of(p) == update_revision)
            .count();
        let mut current_revision = text(&set, "/status/currentRevision").to_owned();
        if current_revision.is_empty()
            || (usize::try_from(replicas).ok() == Some(updated) && updated == ready)
        {
            current_revision.clone_from(&update_revision);
        }
        let current = mine
            .iter()
            .filter(|p| revision_of(p) == current_revision)
            .count();
        let mut status = json!({
            "observedGeneration": int(&set, "/metadata/generation", 1),
            "replicas": mine.len(),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "currentReplicas": current,
            "updatedReplicas": updated,
            "currentRevision": current_revision,
            "updateRevision": update_revision,
            "collisionCount": 0,
        });
        drop_zeros(
            &mut status,
            &["readyReplicas", "currentReplicas", "updatedReplicas"],
        );
        write_status(store, manager, "apps", "StatefulSet", &set, status);
    }
}

pub(super) fn daemon_sets(store: &mut Store) {
    let manager = CONTROLLER_MANAGER;
    let nodes: Vec<String> = super::all(store, "", "Node")
        .iter()
        .map(|n| name(n).to_owned())
        .collect();
    let pods = Children::of(store, "", "Pod");
    for set in super::all(store, "apps", "DaemonSet") {
        if super::deleting(&set) {
            continue;
        }
        let ns = namespace(&set).to_owned();
        let template = set
            .pointer("/spec/template")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let hash = template_hash(&template);
        let generation = int(&set, "/metadata/generation", 1);
        let children = pods.of_owner(store, &set);
        let mine: Vec<&Value> = children.iter().filter(|p| pod_active(p)).collect();
        let on = |node: &str| {
            mine.iter()
                .find(|p| text(p, "/spec/nodeName") == node)
                .copied()
        };
        let terminating = store.namespace_terminating(&ns);
        for node in &nodes {
            if on(node).is_none() && !terminating {
                let mut pod = pod_from_template(
                    &template,
                    &ns,
                    &owner_reference("apps/v1", "DaemonSet", &set),
                );
                pod["metadata"]["generateName"] = format!("{}-", name(&set)).into();
                let labels = &mut pod["metadata"]["labels"];
                if !labels.is_object() {
                    *labels = json!({});
                }
                labels[REVISION_LABEL] = hash.clone().into();
                labels["pod-template-generation"] = generation.to_string().into();
                pod["spec"]["nodeName"] = node.clone().into();
                create(store, manager, "", "Pod", pod);
            }
        }
        // Pods on nodes that are gone, then one pod of an old template while the rest
        // are ready.
        let misplaced: Vec<&&Value> = mine
            .iter()
            .filter(|p| !nodes.iter().any(|n| n == text(p, "/spec/nodeName")))
            .collect();
        for pod in &misplaced {
            delete(store, "", "Pod", pod);
        }
        if misplaced.is_empty()
            && mine.iter().all(|p| pod_ready(p))
            && let Some(pod) = mine.iter().find(|p| revision_of(p) != hash)
        {
            delete(store, "", "Pod", pod);
        }
        let children = pods.of_owner(store, &set);
        let mine: Vec<&Value> = children.iter().filter(|p| pod_active(p)).collect();
        let scheduled = nodes
            .iter()
            .filter(|n| mine.iter().any(|p| text(p, "/spec/nodeName") == n.as_str()))
            .count();
        let ready = mine.iter().filter(|p| pod_ready(p)).count();
        let updated = mine.iter().filter(|p| revision_of(p) == hash).count();
        let mut status = json!({
            "observedGeneration": generation,
            "desiredNumberScheduled": nodes.len(),
            "currentNumberScheduled": scheduled,
            "numberMisscheduled": 0,
            "numberReady": ready,
            "updatedNumberScheduled": updated,
            "numberAvailable": ready,
            "numberUnavailable": nodes.len().saturating_sub(ready),
        });
        drop_zeros(
            &mut status,
            &[
                "updatedNumberScheduled",
                "numberAvailable",
                "numberUnavailable",
            ],
        );
        write_status(store, manager, "apps", "DaemonSet", &set, status);
    }
}
