//! PSS restricted: running as non-root.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "PSR003",
    name: "run-as-non-root",
    severity: Severity::Medium,
    standards: &[Standard::PssRestricted, Standard::Nsa, Standard::Cis],
    summary: "Pods must set `runAsNonRoot: true`, on the pod or on every container.",
    why: "A container that runs as root is one kernel or runtime bug away from root on the node; runAsNonRoot makes the kubelet refuse to start one.",
    example: "spec:\n  containers:\n  - name: app\n    image: app:1.0   # runAsNonRoot not set",
    fix: "Set `securityContext.runAsNonRoot: true` on the pod (and do not set it to false on a container); run the image as a non-zero user.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    if pod.user_namespace_relaxes() {
        return;
    }
    let pod_level = pod.pod_sc("runAsNonRoot").and_then(crate::rule::flag);
    if pod_level == Some(false) {
        emit.at(
            pod.index,
            pod.pod_sc_path("runAsNonRoot"),
            "the pod sets runAsNonRoot to false",
        );
    }
    for c in pod.containers() {
        match (c.sc("runAsNonRoot").and_then(crate::rule::flag), pod_level) {
            // A pod-level false is reported once, above.
            (Some(true), _) | (None, Some(_)) => {}
            (Some(false), _) => emit.at(
                pod.index,
                c.sc_path("runAsNonRoot"),
                format!("{} sets runAsNonRoot to false", c.shown()),
            ),
            (None, None) => emit.at(
                pod.index,
                c.sc_path("runAsNonRoot"),
                format!(
                    "{} may run as root: runAsNonRoot is set neither on it nor on the pod",
                    c.shown()
                ),
            ),
        }
    }
}
