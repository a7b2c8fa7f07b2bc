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
    /// `resourceNames`: when any are given, the rule covers only those objects.
    pub names: Vec<&'a str>,
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
            names: strings(r, "resourceNames"),
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

    /// Like [`PolicyRule::allows`], for every object of the resource: a rule narrowed
    /// by `resourceNames` (a Role that may read its own Secret) does not count.
    pub fn allows_every(&self, verbs: &[&str], resource: &str) -> bool {
        self.names.is_empty() && self.allows(verbs, resource)
    }

    pub fn wildcard(&self) -> bool {
        self.verbs.contains(&"*") && self.resources.contains(&"*")
    }

    /// Every verb on every resource of every API group, for every object: what the
    /// cluster-admin ClusterRole grants.
    pub fn cluster_admin(&self) -> bool {
        self.wildcard() && self.groups.contains(&"*") && self.names.is_empty()
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
        if r.wildcard() && r.names.is_empty() {
            add("all verbs on all resources");
        }
        if r.verbs
            .iter()
            .any(|v| matches!(*v, "escalate" | "bind" | "impersonate"))
        {
            add("escalate, bind or impersonate");
        }
        if r.allows_every(&["get", "list", "watch"], "secrets") {
            add("read Secrets");
        }
        if r.allows_every(&["create", "get"], "pods/exec") {
            add("exec into pods");
        }
    }
    out
}

/// Whether a role's rules make it cluster-admin under another name.
pub(crate) fn cluster_admin_equivalent(role: &Value) -> bool {
    policy_rules(role).iter().any(PolicyRule::cluster_admin)
}

/// The roles every cluster has from its bootstrap (kube-apiserver creates them and
/// keeps them current): a binding that refers to one refers to something that exists,
/// whether the input holds it or not. ClusterRoles: `cluster-admin`, `admin`, `edit`,
/// `view` and every `system:` role; Roles (in kube-system and kube-public):
/// `extension-apiserver-authentication-reader` and the `system:` ones.
pub fn bootstrap_role(kind: &str, name: &str) -> bool {
    name.starts_with("system:")
        || match kind {
            "ClusterRole" => matches!(name, "cluster-admin" | "admin" | "edit" | "view"),
            "Role" => name == "extension-apiserver-authentication-reader",
            _ => false,
        }
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

/// The role a binding refers to: its object index (looked up by kind, namespace and
/// name, so that a shadowed binding finds its role as well as the graph's), and its
/// kind and name.
pub(crate) fn role_of<'a>(cx: &'a Cx<'a>, binding: usize) -> (Option<usize>, &'a str, &'a str) {
    let value = &cx.values[binding];
    let kind = get_str(value, &["roleRef", "kind"]).unwrap_or("ClusterRole");
    let name = get_str(value, &["roleRef", "name"]).unwrap_or("");
    let namespace = match kind {
        "Role" => cx.object(binding).namespace(),
        _ => None,
    };
    let target = cx.of_kind(kind, namespace).iter().copied().find(|&i| {
        let o = cx.object(i);
        o.group() == RBAC && o.name() == name
    });
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
