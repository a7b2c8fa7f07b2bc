//! What the network rules share: the NetworkPolicies of the set, the workloads whose
//! pods they could select, and which service mesh is in use.

use std::collections::BTreeMap;

use korral_core::{LabelSelector, LabelSelectorSpec};
use korral_topology::Relation;
use serde_json::Value;

use crate::rule::{Cx, get, items};

/// One NetworkPolicy.
pub(crate) struct Policy<'a> {
    pub index: usize,
    pub namespace: Option<&'a str>,
    /// `None` when the selector is invalid.
    pub selector: Option<LabelSelector>,
    pub selects_all: bool,
    pub ingress: bool,
    pub egress: bool,
    pub ingress_rules: usize,
    pub egress_rules: usize,
}

impl Policy<'_> {
    pub fn denies_all_ingress(&self) -> bool {
        self.selects_all && self.ingress && self.ingress_rules == 0
    }

    pub fn denies_all_egress(&self) -> bool {
        self.selects_all && self.egress && self.egress_rules == 0
    }
}

pub(crate) fn policies<'a>(cx: &'a Cx<'a>) -> Vec<Policy<'a>> {
    let mut out = Vec::new();
    for (index, object) in cx.set.objects().iter().enumerate() {
        if object.kind() != "NetworkPolicy" || object.group() != "networking.k8s.io" {
            continue;
        }
        let value = &cx.values[index];
        let spec = get(value, &["spec", "podSelector"])
            .cloned()
            .unwrap_or(Value::Null);
        let selector = if spec.is_null() {
            Some(LabelSelector::default())
        } else {
            serde_json::from_value::<LabelSelectorSpec>(spec)
                .ok()
                .and_then(|s| LabelSelector::from_spec(&s).ok())
        };
        let types: Vec<&str> = items(value, &["spec", "policyTypes"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let ingress_rules = items(value, &["spec", "ingress"]).len();
        let egress_rules = items(value, &["spec", "egress"]).len();
        let (ingress, egress) = if types.is_empty() {
            (true, egress_rules > 0)
        } else {
            (types.contains(&"Ingress"), types.contains(&"Egress"))
        };
        out.push(Policy {
            index,
            namespace: object.namespace(),
            selects_all: selector.as_ref().is_some_and(LabelSelector::is_empty),
            selector,
            ingress,
            egress,
            ingress_rules,
            egress_rules,
        });
    }
    out
}

/// One pod spec of an object no controller in the set runs: a workload or a bare Pod.
pub(crate) struct Workload<'a> {
    pub index: usize,
    pub namespace: Option<&'a str>,
    pub labels: BTreeMap<String, String>,
    pub meta_path: String,
    pub annotations: BTreeMap<String, String>,
}

pub(crate) fn workloads<'a>(cx: &'a Cx<'a>) -> Vec<Workload<'a>> {
    let mut out = Vec::new();
    for (index, object) in cx.set.objects().iter().enumerate() {
        if cx.pods[index].is_empty() || cx.controlled(index) {
            continue;
        }
        for at in &cx.pods[index] {
            let meta = crate::pod::resolve(&cx.values[index], &at.meta_path);
            let map = |field: &str| -> BTreeMap<String, String> {
                meta.and_then(|m| m.get(field))
                    .and_then(|l| serde_json::from_value(l.clone()).ok())
                    .unwrap_or_default()
            };
            out.push(Workload {
                index,
                namespace: object.namespace(),
                labels: map("labels"),
                annotations: map("annotations"),
                meta_path: at.meta_path.clone(),
            });
        }
    }
    out
}

/// Whether a NetworkPolicy selects the workload's pods: through the graph's `selects`
/// edges for Pods, by matching the template's labels for workloads.
pub(crate) fn selected(cx: &Cx<'_>, policies: &[Policy<'_>], w: &Workload<'_>) -> bool {
    let object = cx.object(w.index);
    if object.kind() == "Pod" && object.group().is_empty() {
        let is_policy = |node: usize| cx.graph.nodes()[node].kind == "NetworkPolicy";
        // A policy that selects every pod of a large namespace is one fold in the
        // graph, not an edge per pod.
        return cx
            .edges_to(w.index)
            .any(|e| e.relation == Relation::Selects && is_policy(e.source))
            || cx
                .node_of
                .get(w.index)
                .filter(|&&node| node < cx.graph.nodes().len())
                .is_some_and(|&node| cx.graph.folded_selectors_of(node).any(is_policy));
    }
    policies.iter().any(|p| {
        p.namespace == w.namespace && p.selector.as_ref().is_some_and(|s| s.matches(&w.labels))
    })
}

/// The service mesh the set shows signs of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mesh {
    Istio,
    Linkerd,
}

pub(crate) fn meshes(cx: &Cx<'_>) -> Vec<Mesh> {
    let mut istio = false;
    let mut linkerd = false;
    for (object, value) in cx.set.objects().iter().zip(cx.values) {
        let group = object.group();
        istio |= group.ends_with("istio.io");
        linkerd |= group.ends_with("linkerd.io");
        if object.kind() == "Namespace" {
            let labels = object.labels();
            istio |= labels.contains_key("istio-injection") || labels.contains_key("istio.io/rev");
            linkerd |= get(value, &["metadata", "annotations", "linkerd.io/inject"]).is_some();
        }
    }
    let mut out = Vec::new();
    if istio {
        out.push(Mesh::Istio);
    }
    if linkerd {
        out.push(Mesh::Linkerd);
    }
    out
}

/// Namespaces a mesh's own components or Kubernetes live in: never injected.
pub(crate) fn system_namespace(name: &str) -> bool {
    matches!(
        name,
        "kube-system"
            | "kube-public"
            | "kube-node-lease"
            | "istio-system"
            | "linkerd"
            | "linkerd-viz"
    )
}

/// Whether a Namespace object turns injection on for the mesh.
pub(crate) fn injected(mesh: Mesh, labels: &BTreeMap<String, String>, value: &Value) -> bool {
    match mesh {
        Mesh::Istio => {
            labels.get("istio-injection").map(String::as_str) == Some("enabled")
                || labels.contains_key("istio.io/rev")
        }
        Mesh::Linkerd => {
            get(value, &["metadata", "annotations", "linkerd.io/inject"]).and_then(Value::as_str)
                == Some("enabled")
        }
    }
}
