//! PSS baseline: seccomp must not be Unconfined.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule, confined_profile};

pub(crate) static RULE: Rule = Rule {
    code: "PSB010",
    name: "seccomp-unconfined",
    severity: Severity::Medium,
    standards: &[
        Standard::PssBaseline,
        Standard::PssRestricted,
        Standard::Nsa,
    ],
    summary: "The seccomp profile must not be set to `Unconfined`.",
    why: "Without seccomp a container can call every system call of the node's kernel, which makes kernel exploits much easier.",
    example: "securityContext:\n  seccompProfile:\n    type: Unconfined",
    fix: "Set `seccompProfile.type` to `RuntimeDefault` (or `Localhost` with a profile).",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    // As the admission controller (1.19+): a profile that is set must be RuntimeDefault
    // or Localhost; Unconfined, an unknown type and a profile without a type are not.
    if let Some(Err(t)) = confined_profile(pod.pod_sc("seccompProfile")) {
        emit.at(
            pod.index,
            pod.pod_sc_path("seccompProfile.type"),
            format!("the pod's seccomp profile is `{t}`"),
        );
    }
    for c in pod.containers() {
        if let Some(Err(t)) = confined_profile(c.sc("seccompProfile")) {
            emit.at(
                pod.index,
                c.sc_path("seccompProfile.type"),
                format!("{} has seccomp profile `{t}`", c.shown()),
            );
        }
    }
}
