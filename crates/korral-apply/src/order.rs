//! The order objects are applied in: waves first, then kinds as kapp orders them, then
//! what the relation graph says one object needs from another.

use korral_core::{FileId, Object, ObjectSet, Source};
use korral_topology::{InferOptions, Relation, infer};

use crate::error::{Error, Result};
use crate::manifest::Manifest;

/// The annotation that puts an object in a wave: `deploy.korral.dev/wave: "-1"`. Waves
/// run in increasing order, each once the one before is ready (as Argo CD's sync waves);
/// objects without it are in wave 0.
pub const WAVE_ANNOTATION: &str = "deploy.korral.dev/wave";

/// Where a kind goes, as kapp's default change groups order them: what others need comes
/// first. Unknown kinds (custom resources) go last, after their definitions are
/// established.
pub fn kind_rank(group: &str, kind: &str) -> u8 {
    match (group, kind) {
        ("", "Namespace") => 0,
        ("apiextensions.k8s.io", "CustomResourceDefinition") => 1,
        (
            "scheduling.k8s.io" | "storage.k8s.io" | "networking.k8s.io" | "node.k8s.io",
            "PriorityClass" | "StorageClass" | "IngressClass" | "RuntimeClass" | "CSIDriver",
        ) => 2,
        ("", "ServiceAccount") => 3,
        ("rbac.authorization.k8s.io", "ClusterRole" | "Role") => 4,
        ("rbac.authorization.k8s.io", "ClusterRoleBinding" | "RoleBinding") => 5,
        ("", "ConfigMap" | "Secret" | "LimitRange" | "ResourceQuota")
        | ("networking.k8s.io", "NetworkPolicy") => 6,
        ("", "PersistentVolume" | "PersistentVolumeClaim") => 7,
        ("", "Service" | "Endpoints") | ("discovery.k8s.io", "EndpointSlice") => 8,
        ("", "Pod" | "ReplicationController")
        | ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
        | ("batch", "Job" | "CronJob") => 9,
        ("autoscaling", "HorizontalPodAutoscaler")
        | ("policy", "PodDisruptionBudget")
        | ("networking.k8s.io", "Ingress")
        | ("apiregistration.k8s.io", "APIService") => 10,
        (
            "admissionregistration.k8s.io",
            "ValidatingWebhookConfiguration"
            | "MutatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding",
        ) => 11,
        _ => 12,
    }
}

/// The objects of one wave, in the order to apply them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wave {
    /// The wave's number (`deploy.korral.dev/wave`).
    pub number: i64,
    /// Groups of manifests (indices into the input) applied one after another; the
    /// members of a group have no order among themselves.
    pub phases: Vec<Vec<usize>>,
}

/// The waves of `manifests`, in order. Namespaces and CustomResourceDefinitions that name
/// no wave go to the first, since anything may need them.
pub fn plan(manifests: &[Manifest]) -> Result<Vec<Wave>> {
    let mut waves = Vec::with_capacity(manifests.len());
    for manifest in manifests {
        waves.push(match manifest.annotation(WAVE_ANNOTATION) {
            Some(text) => text.trim().parse::<i64>().map_err(|_| Error::Manifest {
                file: manifest.source.clone(),
                message: format!(
                    "annotation `{WAVE_ANNOTATION}` of {} is `{}`, not a whole number; write a number in quotes, such as \"1\" or \"-1\"",
                    manifest.id(),
                    korral_core::terminal::escape(text)
                ),
            })?,
            None => 0,
        });
    }
    let first = waves.iter().copied().min().unwrap_or(0);
    for (wave, manifest) in waves.iter_mut().zip(manifests) {
        if manifest.annotation(WAVE_ANNOTATION).is_none()
            && kind_rank(manifest.group(), manifest.kind()) <= 1
        {
            *wave = first;
        }
    }
    let levels = levels(manifests, &waves);
    let mut numbers: Vec<i64> = waves.clone();
    numbers.sort_unstable();
    numbers.dedup();
    Ok(numbers
        .into_iter()
        .map(|number| {
            let mut members: Vec<usize> = (0..manifests.len())
                .filter(|&i| waves[i] == number)
                .collect();
            members.sort_by_key(|&i| (levels[i], i));
            let mut phases: Vec<Vec<usize>> = Vec::new();
            let mut last = None;
            for i in members {
                if last == Some(levels[i]) {
                    if let Some(phase) = phases.last_mut() {
                        phase.push(i);
                    }
                } else {
                    phases.push(vec![i]);
                    last = Some(levels[i]);
                }
            }
            Wave { number, phases }
        })
        .collect())
}

/// The relations that order two objects: a pod template after what it mounts or runs
/// as, a binding after its role, an autoscaler after what it scales, a route after its
/// backend, an owned object after its owner. (Selections need nothing: a Service may
/// come first.)
fn needs(relation: Relation) -> bool {
    matches!(
        relation,
        Relation::Owns
            | Relation::Mounts
            | Relation::Env
            | Relation::PullsWith
            | Relation::RunsAs
            | Relation::BoundTo
            | Relation::Class
            | Relation::RoutesTo
            | Relation::Tls
            | Relation::Scales
            | Relation::Binds
            | Relation::Grants
            | Relation::AttachesTo
    )
}

/// Each manifest's level: its kind's rank, raised past everything in its wave it needs
/// (longest path; a cycle stops rising after as many rounds as there are manifests).
fn levels(manifests: &[Manifest], waves: &[i64]) -> Vec<u32> {
    let mut levels: Vec<u32> = manifests
        .iter()
        .map(|m| u32::from(kind_rank(m.group(), m.kind())) * 1000)
        .collect();
    let objects: Vec<Object> = manifests
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            Object::from_json(
                &m.object.to_string(),
                Source {
                    file: FileId(0),
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                },
            )
            .ok()
        })
        .collect();
    if objects.len() != manifests.len() {
        return levels;
    }
    let set = ObjectSet::from_objects(objects, vec!["<manifests>".to_owned()], Vec::new());
    let graph = infer(&set, InferOptions::default());
    // Graph nodes know their object; objects know their manifest by line.
    let manifest_of = |node: usize| -> usize {
        let object = &set.objects()[graph.nodes()[node].object];
        object.source().line as usize - 1
    };
    let dependencies: Vec<(usize, usize)> = graph
        .edges()
        .iter()
        .filter(|e| needs(e.relation))
        // An owner comes before what it owns; otherwise the one that names comes after
        // the one named.
        .map(|e| match e.relation {
            Relation::Owns => (manifest_of(e.target), manifest_of(e.source)),
            _ => (manifest_of(e.source), manifest_of(e.target)),
        })
        .filter(|&(from, to)| from != to && waves[from] == waves[to])
        .collect();
    for _ in 0..manifests.len().min(64) {
        let mut changed = false;
        for &(from, to) in &dependencies {
            if levels[from] <= levels[to] {
                levels[from] = levels[to] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    levels
}

/// The order to delete objects in: the reverse of the order they are applied in.
pub fn delete_order(manifests: &[Manifest]) -> Vec<usize> {
    let levels = levels(manifests, &vec![0; manifests.len()]);
    let mut order: Vec<usize> = (0..manifests.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((levels[i], i)));
    order
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[allow(clippy::needless_pass_by_value)] // json! literals read best inline
    fn manifest(api_version: &str, kind: &str, name: &str, extra: serde_json::Value) -> Manifest {
        let mut object = json!({"apiVersion": api_version, "kind": kind,
            "metadata": {"name": name, "namespace": "shop"}});
        if let (Some(target), Some(more)) = (object.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                if k == "annotations" {
                    target["metadata"]["annotations"] = v.clone();
                } else {
                    target.insert(k.clone(), v.clone());
                }
            }
        }
        Manifest::new(object, format!("{name}.yaml:1"))
    }

    fn names(manifests: &[Manifest], waves: &[Wave]) -> Vec<Vec<Vec<String>>> {
        waves
            .iter()
            .map(|w| {
                w.phases
                    .iter()
                    .map(|p| p.iter().map(|&i| manifests[i].name().to_owned()).collect())
                    .collect()
            })
            .collect()
    }

    #[allow(clippy::needless_pass_by_value)]
    fn pod_spec(uses: serde_json::Value) -> serde_json::Value {
        json!({"spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}}, "spec": uses}}})
    }

    #[test]
    fn kinds_go_in_kapps_order_whatever_the_files_say() {
        let manifests = vec![
            manifest("example.com/v1", "Widget", "widget", json!({})),
            manifest(
                "apps/v1",
                "Deployment",
                "web",
                pod_spec(json!({"containers": [{"name": "a", "image": "a"}]})),
            ),
            manifest("v1", "Service", "svc", json!({})),
            manifest("v1", "ConfigMap", "config", json!({})),
            manifest(
                "rbac.authorization.k8s.io/v1",
                "RoleBinding",
                "binding",
                json!({}),
            ),
            manifest("rbac.authorization.k8s.io/v1", "Role", "role", json!({})),
            manifest("v1", "ServiceAccount", "sa", json!({})),
            manifest(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                "crd",
                json!({}),
            ),
            manifest("v1", "Namespace", "ns", json!({})),
            manifest(
                "admissionregistration.k8s.io/v1",
                "ValidatingWebhookConfiguration",
                "hook",
                json!({}),
            ),
            manifest("v1", "PersistentVolumeClaim", "data", json!({})),
        ];
        let waves = plan(&manifests).unwrap();
        assert_eq!(
            names(&manifests, &waves),
            [[
                vec!["ns"],
                vec!["crd"],
                vec!["sa"],
                vec!["role"],
                vec!["binding"],
                vec!["config"],
                vec!["data"],
                vec!["svc"],
                vec!["web"],
                vec!["hook"],
                vec!["widget"],
            ]]
        );
        // Deletes run the other way.
        let order: Vec<&str> = delete_order(&manifests)
            .into_iter()
            .map(|i| manifests[i].name())
            .collect();
        assert_eq!(order.first(), Some(&"widget"));
        assert_eq!(order.last(), Some(&"ns"));
    }

    #[test]
    fn relations_order_what_kinds_cannot() {
        // An autoscaler of a custom resource (Argo Rollouts) ranks before custom
        // resources by kind, but must come after what it scales; a claim bound by name
        // to a volume shares the volume's rank but needs it first.
        let manifests = vec![
            manifest(
                "autoscaling/v2",
                "HorizontalPodAutoscaler",
                "hpa",
                json!({"spec": {"scaleTargetRef": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "web"}}}),
            ),
            manifest("argoproj.io/v1alpha1", "Rollout", "web", json!({})),
            manifest(
                "v1",
                "PersistentVolumeClaim",
                "data",
                json!({"spec": {"volumeName": "disk"}}),
            ),
            manifest("v1", "PersistentVolume", "disk", json!({})),
            manifest("v1", "PersistentVolumeClaim", "cache", json!({})),
        ];
        // The volume is cluster-scoped.
        let mut manifests = manifests;
        manifests[3].object["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("namespace");
        let waves = plan(&manifests).unwrap();
        let phases = names(&manifests, &waves).remove(0);
        let at = |name: &str| {
            phases
                .iter()
                .position(|p| p.iter().any(|n| n == name))
                .unwrap()
        };
        assert!(at("web") < at("hpa"), "{phases:?}");
        assert!(at("disk") < at("data"), "{phases:?}");
        assert_eq!(
            at("disk"),
            at("cache"),
            "unrelated objects of a rank share a phase: {phases:?}"
        );
        // Without the relation, kinds alone would have put the autoscaler first.
        assert!(
            kind_rank("autoscaling", "HorizontalPodAutoscaler")
                < kind_rank("argoproj.io", "Rollout")
        );
    }

    #[test]
    fn waves_run_in_order_and_namespaces_and_crds_come_first() {
        let wave = |n: &str| json!({"annotations": {WAVE_ANNOTATION: n}});
        let manifests = vec![
            manifest("batch/v1", "Job", "migrate", wave("-1")),
            manifest("apps/v1", "Deployment", "web", json!({})),
            manifest("batch/v1", "Job", "smoke-test", wave("5")),
            manifest("v1", "Namespace", "ns", json!({})),
            manifest("v1", "ConfigMap", "config", wave(" 5 ")),
        ];
        let waves = plan(&manifests).unwrap();
        assert_eq!(
            waves.iter().map(|w| w.number).collect::<Vec<_>>(),
            [-1, 0, 5]
        );
        assert_eq!(
            names(&manifests, &waves),
            [
                vec![vec!["ns"], vec!["migrate"]],
                vec![vec!["web"]],
                vec![vec!["config"], vec!["smoke-test"]],
            ]
        );
    }

    #[test]
    fn a_wave_that_is_not_a_number_is_named_with_its_file() {
        let manifests = vec![manifest(
            "v1",
            "ConfigMap",
            "config",
            json!({"annotations": {WAVE_ANNOTATION: "first"}}),
        )];
        let err = plan(&manifests).unwrap_err().to_string();
        assert!(err.starts_with("config.yaml:1:"), "{err}");
        assert!(err.contains("`first`, not a whole number"), "{err}");
    }

    #[test]
    fn an_owned_object_comes_after_its_owner() {
        // A ConfigMap owned by a custom resource (rank: last) must still follow it.
        let mut owned = manifest("v1", "ConfigMap", "owned", json!({}));
        owned.object["metadata"]["ownerReferences"] = json!([{"apiVersion": "example.com/v1",
            "kind": "Widget", "name": "owner", "uid": "u-1", "controller": true}]);
        let mut widget = manifest("example.com/v1", "Widget", "owner", json!({}));
        widget.object["metadata"]["uid"] = json!("u-1");
        let manifests = vec![owned, widget];
        let phases = names(&manifests, &plan(&manifests).unwrap()).remove(0);
        assert_eq!(phases, [vec!["owner"], vec!["owned"]]);
    }

    #[test]
    fn a_cycle_of_relations_ends() {
        // Two RoleBindings granting each other's subject: the graph has no cycle that
        // matters, but a self-referencing owner chain must not loop.
        let owner = |name: &str| {
            json!({"metadata": {"name": name, "namespace": "shop", "uid": name,
                "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": if name == "a" { "b" } else { "a" }, "uid": if name == "a" { "b" } else { "a" }}]}})
        };
        let mut a = manifest("v1", "ConfigMap", "a", json!({}));
        a.object["metadata"] = owner("a")["metadata"].clone();
        let mut b = manifest("v1", "ConfigMap", "b", json!({}));
        b.object["metadata"] = owner("b")["metadata"].clone();
        let waves = plan(&[a, b]).unwrap();
        assert_eq!(waves.len(), 1);
        assert_eq!(waves[0].phases.iter().map(Vec::len).sum::<usize>(), 2);
    }
}
