//! Network: namespaces without a default-deny ingress policy.

use std::collections::BTreeMap;

use crate::finding::{Severity, Standard};
use crate::network::{policies, workloads};
use crate::rule::{Check, Cx, Emit, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "NP001",
    name: "default-deny-ingress",
    severity: Severity::Medium,
    standards: &[Standard::Nsa, Standard::Cis],
    summary: "Every namespace that runs pods should have a default-deny ingress NetworkPolicy (empty podSelector, no ingress rules).",
    why: "Pods accept traffic from anywhere in the cluster until a policy selects them; a default deny makes every allowed flow explicit.",
    example: "# namespace shop runs pods and has no policy like:\nkind: NetworkPolicy\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]",
    fix: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` and no ingress rules, then allow the flows each workload needs.",
    check: Check::Set(check),
};

pub(crate) fn namespaces_without(
    cx: &Cx<'_>,
    has: impl Fn(&crate::network::Policy<'_>) -> bool,
    what: &str,
    emit: &mut Emit,
) {
    let policies = policies(cx);
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    for w in workloads(cx) {
        if let Some(ns) = w.namespace {
            first.entry(ns).or_insert(w.index);
        }
    }
    for (ns, workload) in first {
        if crate::network::system_namespace(ns) {
            continue;
        }
        if policies.iter().any(|p| p.namespace == Some(ns) && has(p)) {
            continue;
        }
        // The Namespace object when the input holds it, else the first workload in it.
        let namespace = cx
            .set
            .objects()
            .iter()
            .position(|o| o.kind() == "Namespace" && o.group().is_empty() && o.name() == ns);
        let (object, path) = match namespace {
            Some(index) => (index, String::new()),
            None => (workload, "metadata.namespace".to_owned()),
        };
        emit.at(
            object,
            path,
            format!("namespace `{ns}` runs pods and has no default-deny {what} NetworkPolicy"),
        );
    }
}

fn check(cx: &Cx<'_>, emit: &mut Emit) {
    namespaces_without(
        cx,
        |p: &crate::network::Policy<'_>| p.denies_all_ingress(),
        "ingress",
        emit,
    );
}
