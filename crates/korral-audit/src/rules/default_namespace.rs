//! Hardening: workloads in the default namespace.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Rule, Target, get_str};

pub(crate) static RULE: Rule = Rule {
    code: "HD010",
    name: "default-namespace",
    severity: Severity::Low,
    standards: &[Standard::Cis, Standard::BestPractice],
    summary: "Workloads and Services should not be put in the `default` namespace.",
    why: "Everything in `default` shares one set of RBAC, quotas and network policies; namespaces are the unit of isolation.",
    example: "metadata:\n  name: web\n  namespace: default",
    fix: "Create a namespace for the application and set `metadata.namespace` to it.",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    let runs_pods = !t.cx.pods[t.index].is_empty();
    let service = t.object.kind() == "Service" && t.object.name() != "kubernetes";
    if (runs_pods || service)
        && !t.cx.controlled(t.index)
        && get_str(t.value, &["metadata", "namespace"]) == Some("default")
    {
        emit.at(
            t.index,
            "metadata.namespace",
            format!(
                "{} `{}` is in the default namespace",
                t.object.kind(),
                t.object.name()
            ),
        );
    }
}
