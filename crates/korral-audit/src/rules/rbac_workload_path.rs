//! RBAC: workloads that can reach dangerous permissions, with the path.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::network::workloads;
use crate::rbac::{binding_dangers, is_binding, names_account, role_of};
use crate::rule::{Check, Cx, Emit, Rule, items};

pub(crate) static RULE: Rule = Rule {
    code: "RB006",
    name: "rbac-workload-path",
    severity: Severity::High,
    standards: &[Standard::Nsa, Standard::Cis],
    summary: "Workloads whose ServiceAccount is bound to a role with wildcard, escalation, Secret-reading or exec permissions; the finding shows the path Pod → ServiceAccount → binding → role.",
    why: "Whoever compromises the workload holds its token and so these permissions; the path shows which binding to cut.",
    example: "kind: Deployment\nspec:\n  template:\n    spec:\n      serviceAccountName: deployer   # bound to cluster-admin",
    fix: "Give the workload its own ServiceAccount bound to a role with only what it needs, or set `automountServiceAccountToken: false` if it does not call the API.",
    check: Check::Set(check),
};

fn check(cx: &Cx<'_>, emit: &mut Emit) {
    if !(0..cx.set.len()).any(|i| is_binding(cx, i)) {
        return;
    }
    for w in workloads(cx) {
        let object = cx.object(w.index);
        let Some(ns) = w.namespace else { continue };
        let spec_path = w.meta_path.trim_end_matches("metadata").to_owned() + "spec";
        let Some(spec) = crate::pod::resolve(&cx.values[w.index], &spec_path) else {
            continue;
        };
        if spec
            .get("automountServiceAccountToken")
            .and_then(crate::rule::flag)
            == Some(false)
        {
            continue;
        }
        let account = spec
            .get("serviceAccountName")
            .or_else(|| spec.get("serviceAccount"))
            .and_then(Value::as_str)
            .unwrap_or("default");
        // The bindings that can name the account: its namespace's and the cluster's,
        // in set order.
        let mut bindings: Vec<usize> = cx
            .of_kind("RoleBinding", Some(ns))
            .iter()
            .chain(cx.of_kind("ClusterRoleBinding", None))
            .copied()
            .filter(|&b| is_binding(cx, b))
            .collect();
        bindings.sort_unstable();
        for b in bindings {
            let binding = cx.object(b);
            let named = items(&cx.values[b], &["subjects"])
                .iter()
                .any(|s| names_account(s, binding.namespace(), ns, account));
            if !named {
                continue;
            }
            let dangers = binding_dangers(cx, b);
            if dangers.is_empty() {
                continue;
            }
            let (_, role_kind, role_name) = role_of(cx, b);
            let binding_shown = match binding.namespace() {
                Some(bns) => format!("{} {bns}/{}", binding.kind(), binding.name()),
                None => format!("{} {}", binding.kind(), binding.name()),
            };
            emit.at(
                w.index,
                format!("{spec_path}.serviceAccountName"),
                format!(
                    "{} {ns}/{} → ServiceAccount {ns}/{account} → {binding_shown} → {role_kind} {role_name}: {}",
                    object.kind(),
                    object.name(),
                    dangers.join(", ")
                ),
            );
        }
    }
}
