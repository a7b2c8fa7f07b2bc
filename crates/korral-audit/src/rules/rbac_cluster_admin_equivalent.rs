//! RBAC: roles that are cluster-admin under another name.

use crate::finding::{Severity, Standard};
use crate::rbac::{is_role, policy_rules};
use crate::rule::{Check, Emit, Rule, Target};

pub(crate) static RULE: Rule = Rule {
    code: "RB007",
    name: "rbac-cluster-admin-equivalent",
    severity: Severity::Critical,
    standards: &[Standard::Nsa, Standard::Cis],
    summary: "A ClusterRole should not grant every verb on every resource of every API group: that is cluster-admin by another name.",
    why: "Whoever it is bound to owns the cluster, yet reviews that look for `cluster-admin` by name miss it; charts that ship such a role hand the cluster to their workload.",
    example: "kind: ClusterRole\nmetadata: {name: operator}\nrules:\n- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [\"*\"]",
    fix: "List the API groups, resources and verbs the subject needs (`kubectl auth can-i --list --as …` helps find them); keep cluster-admin for break-glass human access.",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    if !is_role(t.cx, t.index) || t.object.kind() != "ClusterRole" {
        return;
    }
    for r in policy_rules(t.value).iter().filter(|r| r.cluster_admin()) {
        emit.at(
            t.index,
            format!("rules[{}]", r.index),
            format!(
                "rule {} grants every verb on every resource of every API group: ClusterRole `{}` is cluster-admin by another name",
                r.index,
                t.object.name()
            ),
        );
    }
}
