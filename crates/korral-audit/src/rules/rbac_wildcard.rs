//! RBAC: wildcard verbs or resources.

use crate::finding::{Severity, Standard};
use crate::rbac::{is_role, policy_rules};
use crate::rule::{Check, Emit, Rule, Target};

pub(crate) static RULE: Rule = Rule {
    code: "RB001",
    name: "rbac-wildcard",
    severity: Severity::High,
    standards: &[Standard::Nsa, Standard::Cis],
    summary: "Roles should not grant `*` verbs or `*` resources.",
    why: "A wildcard grants every present and future verb or resource, including ones added by CRDs later: least privilege is lost.",
    example: "kind: ClusterRole\nrules:\n- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [\"*\"]",
    fix: "List the resources and verbs the subject needs (`kubectl auth can-i --list --as …` helps find them).",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    if !is_role(t.cx, t.index) {
        return;
    }
    for r in policy_rules(t.value) {
        if r.verbs.contains(&"*") {
            emit.at(
                t.index,
                format!("rules[{}].verbs", r.index),
                format!("rule {} grants every verb", r.index),
            );
        }
        if r.resources.contains(&"*") {
            emit.at(
                t.index,
                format!("rules[{}].resources", r.index),
                format!("rule {} covers every resource", r.index),
            );
        }
    }
}
