//! What the RBAC rules share: reading PolicyRules, and what a role lets its holders do.

use serde_json::Value;

use crate::rule::{Cx, get_str, items};

pub(crate) const RBAC: &str = "rbac.authorization.k8s.io";

/// One entry of a Role's `rules`.
pub(crate) struct PolicyRule<'a> {
    pub index: usize,
    pub groups: Vec<&'a str>,
    pub resources: Vec<&'a str>,
    pub verbs: Vec<&'a str>,
}

fn strings<'a>(value: &'a Value, field: &str) -> Vec<&'a str> {
    items(value, &[field])
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

pub(crate) fn policy_rules(role: &Value) -> Vec<PolicyRule<'_>> {
    items(role, &["rules"])
        .iter()
        .enumerate()
        .map(|(index, r)| PolicyRule {
            index,
            groups: strings(r, "apiGroups"),
            resources: strings(r, "resources"),
            verbs: strings(r, "verbs"),
        })
        .collect()
}

impl PolicyRule<'_> {
    /// Whether the rule allows `verb` on `resource` of the core group.
    pub fn allows(&self, verbs: &[&str], resource: &str) -> bool {
        let group = self.groups.iter().any(|g| *g == "*" || g.is_empty());
        let res = self.resources.iter().any(|r| {
            *r == "*"
                || *r == resource
                || (resource.contains('/')
                    && r.strip_suffix("/*")
                        .is_some_and(|p| resource.starts_with(p)))
        });
        let verb = self.verbs.iter().any(|v| *v == "*" || verbs.contains(v));
        group && res && verb
    }

    pub fn wildcard(&self) -> bool {
        self.verbs.contains(&"*") && self.resources.contains(&"*")
    }
}

pub(crate) fn is_role(cx: &Cx<'_>, index: usize) -> bool {
    let o = cx.object(index);
    o.group() == RBAC && matches!(o.kind(), "Role" | "ClusterRole")
}

pub(crate) fn is_binding(cx: &Cx<'_>, index: usize) -> bool {
    let o = cx.object(index);
    o.group() == RBAC && matches!(o.kind(), "RoleBinding" | "ClusterRoleBinding")
}

/// The dangerous things a role's rules allow, in words.
pub(crate) fn dangers(role: &Value) -> Vec<&'static str> {
    let mut out = Vec::new();
    let rules = policy_rules(role);
    let mut add = |d| {
        if !out.contains(&d) {
            out.push(d);
        }
    };
    for r in &rules {
        if r.wildcard() {
            add("all verbs on all resources");
        }
        if r.verbs
            .iter()
            .any(|v| matches!(*v, "escalate" | "bind" | "impersonate"))
        {
            add("escalate, bind or impersonate");
        }
        if r.allows(&["get", "list", "watch"], "secrets") {
            add("read Secrets");
        }
        if r.allows(&["create", "get"], "pods/exec") {
            add("exec into pods");
        }
    }
    out
}

/// What the built-in ClusterRoles allow, for bindings to roles not in the input.
pub(crate) fn builtin_dangers(name: &str) -> Option<Vec<&'static str>> {
    match name {
        "cluster-admin" => Some(vec!["all verbs on all resources"]),
        "admin" | "edit" => Some(vec![
            "read Secrets",
            "exec into pods",
            "escalate, bind or impersonate",
        ]),
        "view" => Some(Vec::new()),
        _ => None,
    }
}

/// The role a binding refers to: its object index (through the graph's `binds` edge),
/// and its kind and name.
pub(crate) fn role_of<'a>(cx: &'a Cx<'a>, binding: usize) -> (Option<usize>, &'a str, &'a str) {
    let value = &cx.values[binding];
    let kind = get_str(value, &["roleRef", "kind"]).unwrap_or("ClusterRole");
    let name = get_str(value, &["roleRef", "name"]).unwrap_or("");
    let target = cx
        .edges_from(binding)
        .iter()
        .find(|e| e.relation == korral_topology::Relation::Binds)
        .map(|e| cx.graph.nodes()[e.target].object);
    (target, kind, name)
}

/// What a binding's role allows.
pub(crate) fn binding_dangers(cx: &Cx<'_>, binding: usize) -> Vec<&'static str> {
    match role_of(cx, binding) {
        (Some(role), _, _) => dangers(&cx.values[role]),
        (None, "ClusterRole", name) => builtin_dangers(name).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Whether subject `s` of a binding in `binding_ns` names ServiceAccount `ns/name`.
pub(crate) fn names_account(s: &Value, binding_ns: Option<&str>, ns: &str, name: &str) -> bool {
    match get_str(s, &["kind"]) {
        Some("ServiceAccount") => {
            get_str(s, &["name"]) == Some(name)
                && get_str(s, &["namespace"]).or(binding_ns) == Some(ns)
        }
        Some("Group") => {
            matches!(get_str(s, &["name"]), Some(g) if g == "system:serviceaccounts" || g.strip_prefix("system:serviceaccounts:") == Some(ns))
        }
        Some("User") => {
            get_str(s, &["name"]) == Some(&format!("system:serviceaccount:{ns}:{name}"))
        }
        _ => false,
    }
}
