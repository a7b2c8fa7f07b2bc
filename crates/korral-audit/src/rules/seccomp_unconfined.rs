//! PSS baseline: seccomp must not be Unconfined.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

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
    let kind = crate::rule::profile_type;
    if kind(pod.pod_sc("seccompProfile")) == Some("Unconfined") {
        emit.at(
            pod.index,
            pod.pod_sc_path("seccompProfile.type"),
            "the pod's seccomp profile is `Unconfined`",
        );
    }
    for c in pod.containers() {
        if kind(c.sc("seccompProfile")) == Some("Unconfined") {
            emit.at(
                pod.index,
                c.sc_path("seccompProfile.type"),
                format!("{} has seccomp profile `Unconfined`", c.shown()),
            );
        }
    }
}
