//! RBAC: cluster-admin bound to ServiceAccounts.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rbac::{RBAC, cluster_admin_equivalent, role_of};
use crate::rule::{Check, Emit, Rule, Target, get_str, items};

pub(crate) static RULE: Rule = Rule {
    code: "RB005",
    name: "rbac-cluster-admin-service-account",
    severity: Severity::Critical,
    standards: &[Standard::Nsa, Standard::Cis],
    summary: "The cluster-admin ClusterRole, or a ClusterRole that grants the same (`*` verbs on `*` resources of `*` groups), should not be bound to ServiceAccounts.",
    why: "Any pod running as that ServiceAccount, and anyone who can read its token or exec into such a pod, owns the cluster.",
    example: "kind: ClusterRoleBinding\nroleRef: {kind: ClusterRole, name: cluster-admin}\nsubjects:\n- kind: ServiceAccount\n  name: ci\n  namespace: tools",
    fix: "Bind a role with only the permissions the workload needs; keep cluster-admin for break-glass human access.",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    if t.object.group() != RBAC || !matches!(t.object.kind(), "RoleBinding" | "ClusterRoleBinding")
    {
        return;
    }
    if get_str(t.value, &["roleRef", "kind"]) != Some("ClusterRole") {
        return;
    }
    // cluster-admin by name, or a ClusterRole of the input that grants the same.
    let role = match role_of(t.cx, t.index) {
        (_, _, "cluster-admin") => "cluster-admin".to_owned(),
        (Some(role), _, name) if cluster_admin_equivalent(&t.cx.values[role]) => {
            format!(
                "ClusterRole `{name}` (every verb on every resource: cluster-admin by another name)"
            )
        }
        _ => return,
    };
    for (i, s) in items(t.value, &["subjects"]).iter().enumerate() {
        let kind = s.get("kind").and_then(Value::as_str).unwrap_or("");
        let name = s.get("name").and_then(Value::as_str).unwrap_or("");
        let account = kind == "ServiceAccount"
            || (kind == "Group" && name.starts_with("system:serviceaccounts"))
            || (kind == "User" && name.starts_with("system:serviceaccount:"));
        if account {
            let ns = s
                .get("namespace")
                .and_then(Value::as_str)
                .or(t.object.namespace())
                .unwrap_or("");
            let shown = if kind == "ServiceAccount" {
                format!("ServiceAccount `{ns}/{name}`")
            } else {
                format!("{kind} `{name}`")
            };
            emit.at(
                t.index,
                format!("subjects[{i}]"),
                format!("{role} is bound to {shown}"),
            );
        }
    }
}
