use serde_json::{Value, json};

use super::*;
use crate::live::{Clusters, test_object};

/// The graph and facts of `objects` (JSON texts), served as a read-only cluster is.
fn served(objects: &[Value]) -> (Graph, Vec<Facts>) {
    let objects: Vec<Object> = objects
        .iter()
        .map(|o| test_object(&o.to_string()))
        .collect();
    let set = ObjectSet::from_objects(objects, vec!["t".to_owned()], Vec::new());
    let clusters = Clusters::offline("t", &set);
    from_live(&clusters.get("t").unwrap(), &View::default()).unwrap()
}

/// The map of `objects` as served, as JSON.
fn map_of(objects: &[Value], options: &MapOptions) -> Value {
    let (graph, facts) = served(objects);
    let map = build(&graph, &facts, options, 7).unwrap();
    serde_json::to_value(&map).unwrap()
}

fn fold(mode: FoldMode) -> MapOptions {
    MapOptions {
        fold: mode,
        ..MapOptions::default()
    }
}

fn node<'a>(map: &'a Value, id: &str) -> &'a Value {
    map["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("no node {id} in {map:#}"))
}

fn has_node(map: &Value, id: &str) -> bool {
    map["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["id"] == id)
}

fn edge<'a>(map: &'a Value, source: &str, target: &str, relation: &str) -> Option<&'a Value> {
    map["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == source && e["target"] == target && e["relation"] == relation)
}

fn running_pod(name: &str, owner: (&str, &str, &str, &str), ready: bool) -> Value {
    let (api_version, kind, owner_name, uid) = owner;
    let state = if ready {
        json!({"running": {}})
    } else {
        json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}})
    };
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
            "labels": {"app": "api"},
            "ownerReferences": [{"apiVersion": api_version, "kind": kind, "name": owner_name,
                "uid": uid, "controller": true}]},
        "spec": {"containers": [{"name": "app", "image": "api:1"}],
            "volumes": [{"name": "c", "configMap": {"name": "settings"}}]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
            "containerStatuses": [{"name": "app", "ready": ready, "restartCount": 0, "state": state}]}})
}

/// A Deployment with a ReplicaSet and three pods (one crash-looping), a Service that
/// selects them and a ConfigMap they mount.
fn shop() -> Vec<Value> {
    let rs = ("apps/v1", "ReplicaSet", "api-7d", "uid-rs");
    vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "shop", "uid": "uid-deploy", "generation": 1},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}},
                "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "app", "image": "api:1"}]}}},
            "status": {"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                "conditions": [{"type": "Available", "status": "True"}]}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "api-7d", "namespace": "shop", "uid": "uid-rs", "generation": 1,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api",
                    "uid": "uid-deploy", "controller": true}]},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}}},
            "status": {"observedGeneration": 1, "replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}}),
        running_pod("api-7d-a", rs, true),
        running_pod("api-7d-b", rs, true),
        running_pod("api-7d-c", rs, false),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "api", "namespace": "shop", "uid": "uid-svc"},
            "spec": {"selector": {"app": "api"}, "ports": [{"port": 80}]}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "shop", "uid": "uid-cm"}, "data": {"k": "v"}}),
    ]
}

const DEPLOY: &str = "Deployment.apps/shop/api";
const SERVICE: &str = "Service/shop/api";
const SETTINGS: &str = "ConfigMap/shop/settings";

#[test]
fn pods_and_replica_sets_fold_into_their_deployment_with_edges_moved_and_counted() {
    let map = map_of(&shop(), &fold(FoldMode::Owners));
    let ids: Vec<&str> = map["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SETTINGS, DEPLOY, SERVICE], "{map:#}");
    let deploy = node(&map, DEPLOY);
    assert_eq!(deploy["folded"], 4);
    assert_eq!(deploy["foldedKinds"], json!({"Pod": 3, "ReplicaSet": 1}));
    // One pod crash-loops: counted, and it makes the rolled-out Deployment degraded.
    assert_eq!(deploy["unhealthy"], 1);
    assert_eq!(deploy["health"], "degraded");
    assert_eq!(node(&map, SERVICE)["health"], "healthy");
    // The Service selects three pods: one edge to the Deployment, counted three times.
    assert_eq!(edge(&map, SERVICE, DEPLOY, "selects").unwrap()["count"], 3);
    assert_eq!(edge(&map, DEPLOY, SETTINGS, "mounts").unwrap()["count"], 3);
    // Owns edges inside the folded node are gone.
    assert!(edge(&map, DEPLOY, DEPLOY, "owns").is_none());
    assert_eq!(map["totals"]["objects"], 7);
    assert_eq!(map["totals"]["nodes"], 3);
    assert_eq!(
        map["totals"]["edges"],
        map["edges"].as_array().unwrap().len()
    );
    assert_eq!(map["totals"]["folded"], 4);
    assert_eq!(map["fold"], "owners");
    assert_eq!(map["seq"], 7);
}

#[test]
fn no_folding_shows_every_object_and_auto_folds_only_big_views() {
    let none = map_of(&shop(), &fold(FoldMode::None));
    assert_eq!(none["totals"]["nodes"], 7);
    assert_eq!(node(&none, "Pod/shop/api-7d-c")["health"], "failed");
    assert_eq!(node(&none, DEPLOY)["folded"], 0);
    // Unfolded, the Deployment still tells its pods' trouble.
    assert_eq!(node(&none, DEPLOY)["health"], "degraded");
    assert!(edge(&none, SERVICE, "Pod/shop/api-7d-a", "selects").is_some());
    let auto = map_of(&shop(), &MapOptions::default());
    assert_eq!(auto["fold"], "none", "7 nodes are not folded by auto");
}

#[test]
fn expand_unfolds_one_folded_node() {
    let mut options = fold(FoldMode::Owners);
    options.expand = vec![DEPLOY.to_owned(), "Nope/x".to_owned()];
    let map = map_of(&shop(), &options);
    assert!(has_node(&map, "Pod/shop/api-7d-a"));
    assert!(has_node(&map, "ReplicaSet.apps/shop/api-7d"));
    assert_eq!(node(&map, DEPLOY)["folded"], 0);
    assert_eq!(map["totals"]["nodes"], 7);
}

#[test]
fn a_cron_jobs_jobs_and_their_pods_fold_into_it() {
    let objects = vec![
        json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "nightly", "namespace": "shop", "uid": "uid-cron"},
            "spec": {"schedule": "0 0 * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}}),
        json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "nightly-1", "namespace": "shop", "uid": "uid-job",
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly", "uid": "uid-cron", "controller": true}]},
            "status": {"conditions": [{"type": "Complete", "status": "True"}]}}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "nightly-1-x", "namespace": "shop", "uid": "uid-pod",
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "nightly-1", "uid": "uid-job", "controller": true}]},
            "status": {"phase": "Succeeded"}}),
    ];
    let map = map_of(&objects, &fold(FoldMode::Owners));
    assert_eq!(map["totals"]["nodes"], 1, "{map:#}");
    let cron = node(&map, "CronJob.batch/shop/nightly");
    assert_eq!(cron["foldedKinds"], json!({"Job": 1, "Pod": 1}));
    assert_eq!(cron["unhealthy"], 0);
}

#[test]
fn manifests_without_uids_fold_by_name_and_are_unknown() {
    let objects = vec![
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "shop"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "db"}},
                "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": []}}}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-0", "namespace": "shop",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db"}]}}),
    ];
    let map = map_of(&objects, &fold(FoldMode::Owners));
    let db = node(&map, "StatefulSet.apps/shop/db");
    assert_eq!(db["folded"], 1);
    assert_eq!(db["health"], "unknown");
}

#[test]
fn hostile_owner_references_neither_loop_nor_fold_into_the_wrong_kind() {
    // Two pods that claim each other, and a pod whose owner uid names a ConfigMap.
    let pod = |name: &str, owner_kind: &str, owner: &str, uid: &str| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "x", "uid": format!("uid-{name}"),
                "ownerReferences": [{"apiVersion": "v1", "kind": owner_kind, "name": owner, "uid": uid, "controller": true}]}})
    };
    let objects = vec![
        pod("a", "Pod", "b", "uid-b"),
        pod("b", "Pod", "a", "uid-a"),
        pod("c", "ReplicaSet", "cm", "uid-cm"),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "x", "uid": "uid-cm"}}),
    ];
    let map = map_of(&objects, &fold(FoldMode::Owners));
    // The loop folds one pod into the other (never both away); c stays on its own.
    assert!(has_node(&map, "Pod/x/c"));
    assert!(has_node(&map, "ConfigMap/x/cm"));
    assert_eq!(map["totals"]["nodes"], 3, "{map:#}");
}

#[test]
fn names_with_control_characters_are_escaped_data() {
    let name = "evil\u{1b}[31m<script>alert(1)</script>\u{7}";
    let objects = vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "x\u{0}y"}})];
    let value = map_of(&objects, &fold(FoldMode::None));
    let text = serde_json::to_string(&value).unwrap();
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{0}'));
    assert!(text.contains("\\u001b[31m<script>"), "{text}");
    assert_eq!(value["nodes"][0]["name"], name);
    assert_eq!(value["namespaces"][0]["name"], "x\u{0}y");
}

#[test]
fn every_node_lies_inside_its_namespace_box_and_boxes_do_not_overlap() {
    let mut objects = Vec::new();
    for ns in ["a", "b", "c"] {
        for i in 0..40 {
            objects.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("cm-{i}"), "namespace": ns}}));
            objects.push(json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("p-{i}"), "namespace": ns},
                "spec": {"volumes": [{"name": "v", "configMap": {"name": format!("cm-{i}")}}]}}));
        }
    }
    objects.push(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}}));
    let map = map_of(&objects, &fold(FoldMode::None));
    let boxes = map["namespaces"].as_array().unwrap();
    let names: Vec<&str> = boxes.iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b", "c", ""], "cluster-scoped last");
    let (w, h) = (
        map["layout"]["nodeWidth"].as_f64().unwrap(),
        map["layout"]["nodeHeight"].as_f64().unwrap(),
    );
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap();
    for n in map["nodes"].as_array().unwrap() {
        let ns = n["namespace"].as_str().unwrap_or_default();
        let b = boxes.iter().find(|b| b["name"] == ns).unwrap();
        assert!(
            f(n, "x") >= f(b, "x")
                && f(n, "y") >= f(b, "y")
                && f(n, "x") + w <= f(b, "x") + f(b, "width")
                && f(n, "y") + h <= f(b, "y") + f(b, "height"),
            "{n} outside {b}"
        );
        assert!(f(n, "x") + w <= f(&map["layout"], "width"));
        assert!(f(n, "y") + h <= f(&map["layout"], "height"));
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let apart = f(a, "x") + f(a, "width") <= f(b, "x")
                || f(b, "x") + f(b, "width") <= f(a, "x")
                || f(a, "y") + f(a, "height") <= f(b, "y")
                || f(b, "y") + f(b, "height") <= f(a, "y");
            assert!(apart, "{a} overlaps {b}");
        }
    }
    // No two nodes share a cell.
    let mut cells: Vec<(i64, i64)> = map["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (f(n, "x") as i64, f(n, "y") as i64))
        .collect();
    cells.sort_unstable();
    let before = cells.len();
    cells.dedup();
    assert_eq!(cells.len(), before);
}

#[test]
fn a_big_namespace_folds_by_itself_and_a_map_past_the_limit_is_refused() {
    // 3,000 pods of 30 ReplicaSets: auto folds them into 30 nodes.
    let mut objects = Vec::new();
    for r in 0..30 {
        objects.push(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("rs-{r}"), "namespace": "big", "uid": format!("rs-{r}")}}));
        for p in 0..100 {
            objects.push(json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("p-{r}-{p}"), "namespace": "big",
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                        "name": format!("rs-{r}"), "uid": format!("rs-{r}"), "controller": true}]}}));
        }
    }
    // And a default-deny policy over all of them.
    objects.push(
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": "big"}, "spec": {"podSelector": {}}}),
    );
    let map = map_of(&objects, &MapOptions::default());
    assert_eq!(map["fold"], "owners");
    assert_eq!(map["totals"]["objects"], 3031);
    assert_eq!(map["totals"]["nodes"], 31);
    assert_eq!(map["totals"]["folded"], 3000);
    let policy = "NetworkPolicy.networking.k8s.io/big/deny";
    assert_eq!(
        edge(&map, policy, "ReplicaSet.apps/big/rs-7", "selects").unwrap()["count"],
        100
    );

    let (graph, facts) = served(&objects);
    let options = MapOptions {
        fold: FoldMode::None,
        max_nodes: 1000,
        ..MapOptions::default()
    };
    assert_eq!(build(&graph, &facts, &options, 0).err(), Some(3031));
}
