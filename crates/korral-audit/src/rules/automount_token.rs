//! Hardening: ServiceAccount tokens mounted by default.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule, get_bool};

pub(crate) static RULE: Rule = Rule {
    code: "HD008",
    name: "automount-service-account-token",
    severity: Severity::Low,
    standards: &[Standard::Nsa, Standard::Cis, Standard::BestPractice],
    summary: "Pods that do not call the Kubernetes API should not mount a ServiceAccount token (`automountServiceAccountToken: false`).",
    why: "A mounted token is a credential for the API server in every container of the pod; a compromised app can use whatever its ServiceAccount may do.",
    example: "spec:\n  containers:\n  - name: web\n    image: web:1.0   # the token is mounted by default",
    fix: "Set `automountServiceAccountToken: false` on the pod spec (or on its ServiceAccount) unless the pod talks to the API.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    match pod
        .spec
        .get("automountServiceAccountToken")
        .and_then(crate::rule::flag)
    {
        Some(false) => {}
        Some(true) => emit.at(
            pod.index,
            pod.path("automountServiceAccountToken"),
            "the pod mounts its ServiceAccount token (automountServiceAccountToken: true)",
        ),
        None => {
            let account = pod
                .spec
                .get("serviceAccountName")
                .or_else(|| pod.spec.get("serviceAccount"))
                .and_then(Value::as_str)
                .unwrap_or("default");
            let namespace = pod.object.namespace();
            // The ServiceAccount may turn automounting off for all its pods.
            let off = pod
                .cx
                .of_kind("ServiceAccount", namespace)
                .iter()
                .any(|&i| {
                    let o = pod.cx.object(i);
                    o.group().is_empty()
                        && o.name() == account
                        && get_bool(&pod.cx.values[i], &["automountServiceAccountToken"])
                            == Some(false)
                });
            if !off {
                emit.at(
                    pod.index,
                    pod.path("automountServiceAccountToken"),
                    format!(
                        "the pod mounts the token of ServiceAccount `{account}`: automountServiceAccountToken is not false"
                    ),
                );
            }
        }
    }
}
