//! PSS restricted: seccomp must be RuntimeDefault or Localhost.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "PSR005",
    name: "seccomp-required",
    severity: Severity::Medium,
    standards: &[Standard::PssRestricted, Standard::Nsa, Standard::Cis],
    summary: "Pods must set a seccomp profile of type `RuntimeDefault` or `Localhost`, on the pod or on every container.",
    why: "Kubernetes runs containers without seccomp unless told otherwise; the runtime's default profile blocks the system calls most kernel exploits use.",
    example: "spec:\n  containers:\n  - name: app\n    image: app:1.0   # no seccompProfile",
    fix: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    if pod.windows() {
        return;
    }
    let kind = crate::rule::profile_type;
    let ok = |t: Option<&str>| matches!(t, Some("RuntimeDefault" | "Localhost"));
    let pod_level = kind(pod.pod_sc("seccompProfile"));
    if pod_level.is_some() && !ok(pod_level) {
        emit.at(
            pod.index,
            pod.pod_sc_path("seccompProfile.type"),
            format!("the pod's seccomp profile is `{}`", pod_level.unwrap_or("")),
        );
    }
    for c in pod.containers() {
        let own = kind(c.sc("seccompProfile"));
        match own.or(pod_level) {
            t if ok(t) => {}
            _ if own.is_none() && pod_level.is_some() => {}
            Some(t) => emit.at(
                pod.index,
                c.sc_path("seccompProfile.type"),
                format!("{} has seccomp profile `{t}`", c.shown()),
            ),
            None => emit.at(
                pod.index,
                c.sc_path("seccompProfile"),
                format!(
                    "{} runs without a seccomp profile: none is set on it or on the pod",
                    c.shown()
                ),
            ),
        }
    }
}
