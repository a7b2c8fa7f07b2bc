//! Network: NetworkPolicies that select no pod.

use crate::finding::{Severity, Standard};
use crate::network::{policies, workloads};
use crate::rule::{Check, Cx, Emit, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "NP004",
    name: "policy-selects-nothing",
    severity: Severity::Low,
    standards: &[Standard::BestPractice],
    summary: "A NetworkPolicy whose podSelector matches no pod (or workload template) in its namespace protects nothing.",
    why: "Usually a typo in a label or a renamed app: the pods the author meant to isolate are open.",
    example: "kind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels: {app: paymnets}",
    fix: "Correct the podSelector to match the pods' labels, or delete the policy.",
    check: Check::Set(check),
};

fn check(cx: &Cx<'_>, emit: &mut Emit) {
    let workloads = workloads(cx);
    for p in policies(cx) {
        let Some(selector) = &p.selector else {
            continue;
        };
        let in_namespace: Vec<_> = workloads
            .iter()
            .filter(|w| w.namespace == p.namespace)
            .collect();
        // With no pods of the namespace in the input, there is nothing to judge by.
        if selector.is_empty() || in_namespace.is_empty() {
            continue;
        }
        if !in_namespace.iter().any(|w| selector.matches(&w.labels)) {
            emit.at(
                p.index,
                "spec.podSelector",
                format!(
                    "podSelector `{selector}` matches no pod in namespace `{}`",
                    p.namespace.unwrap_or_default()
                ),
            );
        }
    }
}
