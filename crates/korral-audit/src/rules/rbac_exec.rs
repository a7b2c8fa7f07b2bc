//! RBAC: pods/exec and pods/attach.

use crate::finding::{Severity, Standard};
use crate::rbac::{is_role, policy_rules};
use crate::rule::{Check, Emit, Rule, Target};

pub(crate) static RULE: Rule = Rule {
    code: "RB004",
    name: "rbac-pod-exec",
    severity: Severity::Medium,
    standards: &[Standard::Nsa, Standard::Cis],
    summary: "Roles should not grant `pods/exec` or `pods/attach`.",
    why: "Exec gives a shell in any pod the role reaches, with that pod's ServiceAccount, Secrets and network position.",
    example: "rules:\n- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [create]",
    fix: "Remove the subresource from the role; give people exec through a separate, audited role bound only when needed.",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    if !is_role(t.cx, t.index) {
        return;
    }
    for r in policy_rules(t.value) {
        // `*` resources are RB001's.
        let named = r
            .resources
            .iter()
            .any(|res| matches!(*res, "pods/exec" | "pods/attach" | "pods/*"));
        if named
            && (r.allows(&["create", "get"], "pods/exec")
                || r.allows(&["create", "get"], "pods/attach"))
        {
            emit.at(
                t.index,
                format!("rules[{}].resources", r.index),
                format!("rule {} allows exec or attach into pods", r.index),
            );
        }
    }
}
