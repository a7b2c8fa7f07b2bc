//! PSS restricted: seccomp must be RuntimeDefault or Localhost.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule, confined_profile};

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
    // As the admission controller: a bad profile set on the pod or a container is
    // reported where it is set (PSB010 reports it too, at baseline); a container that
    // sets none needs a good one on the pod.
    let pod_level = confined_profile(pod.pod_sc("seccompProfile"));
    if let Some(Err(t)) = &pod_level {
        emit.at(
            pod.index,
            pod.pod_sc_path("seccompProfile.type"),
            format!("the pod's seccomp profile is `{t}`"),
        );
    }
    for c in pod.containers() {
        match confined_profile(c.sc("seccompProfile")) {
            Some(Ok(())) => {}
            Some(Err(t)) => emit.at(
                pod.index,
                c.sc_path("seccompProfile.type"),
                format!("{} has seccomp profile `{t}`", c.shown()),
            ),
            // A bad pod-level profile is reported once, above.
            None if pod_level.is_some() => {}
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
