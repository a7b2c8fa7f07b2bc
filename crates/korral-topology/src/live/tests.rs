// Test helpers build expected text with `+= &format!(…)` and name pairs alike (`want`/`went`).
#![allow(
    clippy::format_push_string,
    clippy::format_collect,
    clippy::similar_names
)]
use korral_core::{Loader, Object, ObjectSet};
use proptest::prelude::*;

use super::*;
use crate::{InferOptions, infer};

fn shop() -> ObjectSet {
    Loader::new()
        .path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/shop"))
        .load()
        .unwrap()
}

type Shape = (
    Vec<String>,
    Vec<(String, String, Relation)>,
    Vec<(String, crate::FoldTarget, usize)>,
);

/// Nodes, edges and folds as id strings, for comparing graphs built different ways.
fn shape(graph: &Graph) -> Shape {
    let nodes = graph.nodes().iter().map(|n| n.id.clone()).collect();
    let mut folds: Vec<_> = graph
        .folds()
        .iter()
        .map(|f| (graph.nodes()[f.source].id.clone(), f.target, f.count))
        .collect();
    folds.sort();
    let edges = graph
        .edges()
        .iter()
        .map(|e| {
            (
                graph.nodes()[e.source].id.clone(),
                graph.nodes()[e.target].id.clone(),
                e.relation,
            )
        })
        .collect();
    (nodes, edges, folds)
}

fn object(yaml: &str) -> Object {
    Loader::load_str("t.yaml", yaml).unwrap().objects()[0].clone()
}

#[test]
fn built_one_object_at_a_time_it_equals_inference() {
    let set = shop();
    let live = LiveGraph::from_objects(set.objects().iter().cloned());
    assert_eq!(
        shape(&live.graph()),
        shape(&infer(&set, InferOptions::default()))
    );
}

#[test]
fn a_pod_relabelled_leaves_and_joins_selectors() {
    let mut live = LiveGraph::new();
    live.upsert(object("{apiVersion: v1, kind: Service, metadata: {name: web, namespace: a}, spec: {selector: {app: web}}}"));
    let diff = live.upsert(object(
        "{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: a, labels: {app: web}}}",
    ));
    assert_eq!(diff.added_nodes, vec!["Pod/a/p"]);
    assert!(diff.added_edges.contains(&(
        "Service/a/web".into(),
        "Pod/a/p".into(),
        Relation::Selects
    )));

    let diff = live.upsert(object(
        "{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: a, labels: {app: other}}}",
    ));
    assert_eq!(
        diff.removed_edges,
        vec![("Service/a/web".into(), "Pod/a/p".into(), Relation::Selects)]
    );
    assert!(diff.added_edges.is_empty() && diff.added_nodes.is_empty());

    // The same object again changes nothing.
    let diff = live.upsert(object(
        "{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: a, labels: {app: other}}}",
    ));
    assert!(diff.is_empty(), "{diff:?}");
}

#[test]
fn references_wait_for_their_target_and_return_to_waiting_when_it_goes() {
    let mut live = LiveGraph::new();
    let pod = "{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: a}, spec: {volumes: [{name: c, configMap: {name: cfg}}]}}";
    let diff = live.upsert(object(pod));
    assert!(diff.added_edges.is_empty());
    let cm = object("{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: a}}");
    let diff = live.upsert(cm.clone());
    assert_eq!(
        diff.added_edges,
        vec![("Pod/a/p".into(), "ConfigMap/a/cfg".into(), Relation::Mounts)]
    );
    let diff = live.delete(&cm.key());
    assert_eq!(diff.removed_nodes, vec!["ConfigMap/a/cfg"]);
    assert_eq!(
        diff.removed_edges,
        vec![("Pod/a/p".into(), "ConfigMap/a/cfg".into(), Relation::Mounts)]
    );
    let diff = live.upsert(cm);
    assert_eq!(
        diff.added_edges.len(),
        1,
        "the pod's reference resolved again"
    );
}

#[derive(Debug, Clone)]
enum Step {
    Upsert(usize),
    Delete(usize),
    Relabel(usize, bool),
}

fn steps(len: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        prop_oneof![
            (0..len).prop_map(Step::Upsert),
            (0..len).prop_map(Step::Delete),
            (0..len, any::<bool>()).prop_map(|(i, b)| Step::Relabel(i, b)),
        ],
        1..60,
    )
}

/// The object with its labels swapped for `{korral-test: x}` or emptied: a label
/// change that moves pods in and out of selectors.
fn relabelled(object: &Object, on: bool) -> Object {
    let mut value = object.raw().to_value();
    value["metadata"]["labels"] = if on {
        serde_json::json!({"korral-test": "x"})
    } else {
        serde_json::json!({})
    };
    Object::from_json(&value.to_string(), object.source()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any sequence of changes leaves the live graph equal to inference over the
    /// objects that remain: nothing missed, nothing left behind.
    #[test]
    fn any_sequence_of_changes_matches_inference(steps in steps(164)) {
        let set = shop();
        let objects = set.objects();
        let mut live = LiveGraph::from_objects(objects.iter().cloned());
        let mut current: BTreeMap<String, Object> =
            objects.iter().map(|o| (o.key().to_string(), o.clone())).collect();
        for step in steps {
            match step {
                Step::Upsert(i) => {
                    live.upsert(objects[i].clone());
                    current.insert(objects[i].key().to_string(), objects[i].clone());
                }
                Step::Delete(i) => {
                    live.delete(&objects[i].key());
                    current.remove(&objects[i].key().to_string());
                }
                Step::Relabel(i, on) => {
                    let changed = relabelled(&objects[i], on);
                    live.upsert(changed.clone());
                    current.insert(changed.key().to_string(), changed);
                }
            }
        }
        let remaining = ObjectSet::from_objects(current.into_values().collect(), Vec::new(), Vec::new());
        prop_assert_eq!(shape(&live.graph()), shape(&infer(&remaining, InferOptions::default())));
    }
}

/// Argo CD's manifests (no pods: Services and policies select templates), a default
/// deny, and pods that come and go: templates are selected only while no pod is.
fn manifests() -> ObjectSet {
    let mut text = include_str!("../../tests/it/fixtures/argocd-install.yaml").to_owned();
    text.push_str(
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}}\n",
    );
    for (name, app) in [
        ("s1", "argocd-server"),
        ("s2", "argocd-server"),
        ("r1", "argocd-redis"),
    ] {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, labels: {{app.kubernetes.io/name: {app}}}}}\n"
        ));
    }
    Loader::new()
        .default_namespace("argocd")
        .read_str("install.yaml", &text)
        .unwrap()
}

/// The object with its labels (and its pod template's) set to argocd-server's, or
/// emptied.
fn retemplated(object: &Object, on: bool) -> Object {
    let mut value = object.raw().to_value();
    let labels = if on {
        serde_json::json!({"app.kubernetes.io/name": "argocd-server"})
    } else {
        serde_json::json!({})
    };
    value["metadata"]["labels"] = labels.clone();
    if value["spec"]["template"].is_object() {
        value["spec"]["template"]["metadata"]["labels"] = labels;
    }
    // The manifest names no namespace; the set placed it.
    if let Some(namespace) = object.namespace() {
        value["metadata"]["namespace"] = namespace.into();
    }
    Object::from_json(&value.to_string(), object.source()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Templates join and leave selections as pods come and go, and the live graph
    /// still equals inference, folds included.
    #[test]
    fn manifests_and_pods_in_any_order_match_inference(steps in steps(25)) {
        let set = manifests();
        let objects = set.objects();
        prop_assume!(objects.len() >= 25);
        let mut live = LiveGraph::new();
        let mut current: BTreeMap<String, Object> = BTreeMap::new();
        for step in steps {
            match step {
                Step::Upsert(i) => {
                    live.upsert(objects[i].clone());
                    current.insert(objects[i].key().to_string(), objects[i].clone());
                }
                Step::Delete(i) => {
                    live.delete(&objects[i].key());
                    current.remove(&objects[i].key().to_string());
                }
                Step::Relabel(i, on) => {
                    let changed = retemplated(&objects[i], on);
                    live.upsert(changed.clone());
                    current.insert(changed.key().to_string(), changed);
                }
            }
        }
        let remaining = ObjectSet::from_objects(current.into_values().collect(), Vec::new(), Vec::new());
        prop_assert_eq!(shape(&live.graph()), shape(&infer(&remaining, InferOptions::default())));
    }
}

#[test]
fn the_manifests_fixture_has_every_object_the_property_test_picks_from() {
    assert_eq!(manifests().len(), 25);
    let set = manifests();
    let live = LiveGraph::from_objects(set.objects().iter().cloned());
    assert_eq!(
        shape(&live.graph()),
        shape(&infer(&set, InferOptions::default()))
    );
}

#[test]
fn a_large_namespace_folds_selectors_of_every_pod_as_inference_does() {
    let mut text = String::from(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\nspec: {podSelector: {}}\n",
    );
    for i in 0..=crate::FOLD_EVERY_POD_ABOVE {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: a}}\n"
        ));
    }
    let set = Loader::load_str("t.yaml", &text).unwrap();
    let mut live = LiveGraph::from_objects(set.objects().iter().cloned());
    assert_eq!(live.graph().folds().len(), 1);
    assert_eq!(
        shape(&live.graph()),
        shape(&infer(&set, InferOptions::default()))
    );
    // One pod fewer: edges again, on both sides.
    let gone = set.objects()[1].key();
    live.delete(&gone);
    let mut fewer = set.clone();
    fewer.retain(|o| o.key() != gone);
    assert!(live.graph().folds().is_empty());
    assert_eq!(
        shape(&live.graph()),
        shape(&infer(&fewer, InferOptions::default()))
    );
}
