//! The manifests of an in-cluster controller: a ServiceAccount, a ClusterRole and its
//! binding (or a Role and RoleBinding for one namespace), and a Deployment running
//! `korral jobs controller`. `korral jobs install` applies them, with the CRDs,
//! through the apply engine.

use serde_json::{Value, json};

/// What the controller needs: its own resources, Jobs, Pods and their logs (read),
/// Events (write), its Lease (`korral-jobs-controller`).
fn rules() -> Value {
    json!([
        {"apiGroups": ["jobs.korral.dev"], "resources": ["tools", "queues"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["jobs.korral.dev"], "resources": ["runs", "schedules", "workflows"],
         "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
        {"apiGroups": ["jobs.korral.dev"], "resources": ["runs/status", "schedules/status", "workflows/status"],
         "verbs": ["get", "update", "patch"]},
        {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "watch", "create", "delete"]},
        {"apiGroups": [""], "resources": ["pods", "pods/log", "events"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]},
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]},
    ])
}

/// The manifests for a controller in `namespace` running `image`, watching
/// `watch` (one namespace) or every namespace.
pub fn manifests(namespace: &str, image: &str, watch: Option<&str>) -> Vec<Value> {
    let name = "korral-jobs-controller";
    let labels = json!({"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "korral"});
    let (role_kind, binding_kind) = if watch.is_some() {
        ("Role", "RoleBinding")
    } else {
        ("ClusterRole", "ClusterRoleBinding")
    };
    let role_ns = watch.unwrap_or(namespace);
    let mut role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": role_kind,
        "metadata": {"name": name, "labels": labels}, "rules": rules()});
    let mut binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": binding_kind,
        "metadata": {"name": name, "labels": labels},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]});
    if watch.is_some() {
        role["metadata"]["namespace"] = role_ns.into();
        binding["metadata"]["namespace"] = role_ns.into();
    }
    let mut args = vec!["jobs".to_owned(), "controller".to_owned()];
    match watch {
        Some(ns) => args.extend(["-n".to_owned(), ns.to_owned()]),
        None => args.push("-A".to_owned()),
    }
    args.extend(["--lease-namespace".to_owned(), namespace.to_owned()]);
    // The Lease lives in the controller's namespace: it needs rights there too when
    // it watches another one.
    let lease_role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": format!("{name}-lease"), "namespace": namespace, "labels": labels},
        "rules": [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
            "verbs": ["get", "create", "update"]}]});
    let lease_binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": format!("{name}-lease"), "namespace": namespace, "labels": labels},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": format!("{name}-lease")},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]});
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {"metadata": {"labels": labels},
                "spec": {"serviceAccountName": name,
                    "securityContext": {"runAsNonRoot": true, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{"name": "controller", "image": image, "args": args,
                        "env": [{"name": "HOSTNAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
                        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                            "capabilities": {"drop": ["ALL"]}}}]}}}});
    vec![
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace, "labels": labels}}),
        role,
        binding,
        lease_role,
        lease_binding,
        deployment,
    ]
}
