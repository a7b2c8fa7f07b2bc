//! RBAC: escalate, bind, impersonate.

use crate::finding::{Severity, Standard};
use crate::rbac::{is_role, policy_rules};
use crate::rule::{Check, Emit, Rule, Target};

pub(crate) static RULE: Rule = Rule {
    code: "RB002",
    name: "rbac-escalation-verbs",
    severity: Severity::High,
    standards: &[Standard::Nsa, Standard::Cis],
    summary: "Roles should not grant the `escalate`, `bind` or `impersonate` verbs.",
    why: "`escalate` and `bind` let a subject grant itself permissions it does not have; `impersonate` lets it act as any user, group or ServiceAccount.",
    example: "rules:\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind, escalate]",
    fix: "Remove the verbs; grant them only to cluster administrators, never to workloads.",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    if !is_role(t.cx, t.index) {
        return;
    }
    for r in policy_rules(t.value) {
        for verb in r
            .verbs
            .iter()
            .filter(|v| matches!(**v, "escalate" | "bind" | "impersonate"))
        {
            emit.at(
                t.index,
                format!("rules[{}].verbs", r.index),
                format!(
                    "rule {} grants `{verb}` on {}",
                    r.index,
                    r.resources.join(", ")
                ),
            );
        }
    }
}
