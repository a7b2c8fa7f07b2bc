//! Network: pods that no NetworkPolicy selects.

use crate::finding::{Severity, Standard};
use crate::network::{policies, selected, workloads};
use crate::rule::{Check, Cx, Emit, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "NP003",
    name: "pod-not-selected",
    severity: Severity::Medium,
    standards: &[Standard::Nsa, Standard::Cis],
    summary: "Every pod should be selected by at least one NetworkPolicy.",
    why: "A pod no policy selects accepts and sends any traffic: it is the hole in the namespace's isolation.",
    example: "kind: Deployment\nmetadata: {name: api, namespace: shop}\n# no NetworkPolicy in shop selects app=api",
    fix: "Add a NetworkPolicy whose podSelector matches the pod's labels (a default-deny policy with `podSelector: {}` selects every pod of its namespace).",
    check: Check::Set(check),
};

fn check(cx: &Cx<'_>, emit: &mut Emit) {
    let policies = policies(cx);
    for w in workloads(cx) {
        if w.namespace.is_some_and(crate::network::system_namespace) {
            continue;
        }
        if !selected(cx, &policies, &w) {
            let object = cx.object(w.index);
            emit.at(
                w.index,
                format!("{}.labels", w.meta_path),
                format!(
                    "no NetworkPolicy in namespace `{}` selects the pods of {} `{}`",
                    w.namespace.unwrap_or_default(),
                    object.kind(),
                    object.name()
                ),
            );
        }
    }
}
