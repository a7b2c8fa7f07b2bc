//! PSS baseline: SELinux.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

/// The SELinux types the baseline profile allows.
const ALLOWED_TYPES: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];

/// Allowed from Kubernetes 1.31.
const ENGINE_TYPE: &str = "container_engine_t";

pub(crate) static RULE: Rule = Rule {
    code: "PSB008",
    name: "selinux",
    severity: Severity::Medium,
    standards: &[Standard::PssBaseline, Standard::PssRestricted],
    summary: "SELinux options must not set a custom user or role, or a type other than container_t, container_init_t, container_kvm_t or (from Kubernetes 1.31) container_engine_t.",
    why: "A custom SELinux user, role or type (such as spc_t) lifts the confinement that keeps a container away from the node's files.",
    example: "securityContext:\n  seLinuxOptions:\n    type: spc_t",
    fix: "Remove `seLinuxOptions.user` and `.role`, and leave `.type` unset or one of the allowed container types.",
    check: Check::Pod(check),
};

fn options(
    version: (u32, u32),
    se: Option<&Value>,
    path: &dyn Fn(&str) -> String,
    who: &str,
    index: usize,
    emit: &mut Emit,
) {
    let Some(se) = se else { return };
    if let Some(t) = se.get("type").and_then(Value::as_str)
        && !ALLOWED_TYPES.contains(&t)
        && !(t == ENGINE_TYPE && version >= (1, 31))
    {
        emit.at(index, path("type"), format!("{who} has SELinux type `{t}`"));
    }
    for field in ["user", "role"] {
        if let Some(v) = se.get(field).and_then(Value::as_str)
            && !v.is_empty()
        {
            emit.at(
                index,
                path(field),
                format!("{who} sets SELinux {field} `{v}`"),
            );
        }
    }
}

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    options(
        pod.cx.kube_version,
        pod.pod_sc("seLinuxOptions"),
        &|f| pod.pod_sc_path(&format!("seLinuxOptions.{f}")),
        "the pod",
        pod.index,
        emit,
    );
    for c in pod.containers() {
        options(
            pod.cx.kube_version,
            c.sc("seLinuxOptions"),
            &|f| c.sc_path(&format!("seLinuxOptions.{f}")),
            &c.shown(),
            pod.index,
            emit,
        );
    }
}
