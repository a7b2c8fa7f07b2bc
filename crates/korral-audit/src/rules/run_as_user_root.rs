//! PSS restricted: running as a non-root user.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "PSR004",
    name: "run-as-user-root",
    severity: Severity::High,
    standards: &[Standard::PssRestricted, Standard::Nsa, Standard::Cis],
    summary: "Pods and containers must not set `runAsUser: 0`.",
    why: "User 0 is root: whatever the image says, the container runs with root's rights inside its namespaces.",
    example: "securityContext:\n  runAsUser: 0",
    fix: "Set `runAsUser` to a non-zero UID (10000 or above keeps clear of host users) or remove it and use a non-root image user.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    if pod.user_namespace_relaxes() {
        return;
    }
    if pod.pod_sc("runAsUser").and_then(Value::as_i64) == Some(0) {
        emit.at(
            pod.index,
            pod.pod_sc_path("runAsUser"),
            "the pod runs as user 0 (root)",
        );
    }
    for c in pod.containers() {
        if c.sc("runAsUser").and_then(Value::as_i64) == Some(0) {
            emit.at(
                pod.index,
                c.sc_path("runAsUser"),
                format!("{} runs as user 0 (root)", c.shown()),
            );
        }
    }
}
