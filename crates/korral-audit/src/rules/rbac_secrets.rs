//! RBAC: Secrets readable cluster-wide.

use crate::finding::{Severity, Standard};
use crate::rbac::{binding_dangers, role_of};
use crate::rule::{Check, Emit, Rule, Target};

pub(crate) static RULE: Rule = Rule {
    code: "RB003",
    name: "rbac-secrets-cluster-wide",
    severity: Severity::High,
    standards: &[Standard::Nsa, Standard::Cis],
    summary: "ClusterRoleBindings should not grant reading Secrets (get, list, watch) in every namespace.",
    why: "Secrets hold every credential of the cluster, ServiceAccount tokens included; reading them all is as good as cluster-admin.",
    example: "kind: ClusterRoleBinding\nroleRef: {kind: ClusterRole, name: secret-reader}\n# secret-reader: get, list on secrets",
    fix: "Bind the role with a RoleBinding in the namespaces that need it, and name the Secrets with `resourceNames`.",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    if t.object.kind() != "ClusterRoleBinding" || t.object.group() != crate::rbac::RBAC {
        return;
    }
    if binding_dangers(t.cx, t.index)
        .iter()
        .any(|d| *d == "read Secrets" || *d == "all verbs on all resources")
    {
        let (_, kind, name) = role_of(t.cx, t.index);
        emit.at(
            t.index,
            "roleRef.name",
            format!("{kind} `{name}` lets its subjects read Secrets in every namespace"),
        );
    }
}
