//! PSS restricted: allowPrivilegeEscalation.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "PSR002",
    name: "privilege-escalation",
    severity: Severity::Medium,
    standards: &[Standard::PssRestricted, Standard::Nsa, Standard::Cis],
    summary: "Containers must set `securityContext.allowPrivilegeEscalation: false`.",
    why: "Unless it is false, a process can gain more privileges than its parent through setuid binaries or file capabilities.",
    example: "containers:\n- name: app\n  image: app:1.0   # allowPrivilegeEscalation not set",
    fix: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    if pod.windows() {
        return;
    }
    for c in pod.containers() {
        match c.sc("allowPrivilegeEscalation").and_then(crate::rule::flag) {
            Some(false) => {}
            Some(true) => emit.at(
                pod.index,
                c.sc_path("allowPrivilegeEscalation"),
                format!("{} allows privilege escalation", c.shown()),
            ),
            None => emit.at(
                pod.index,
                c.sc_path("allowPrivilegeEscalation"),
                format!(
                    "{} does not set allowPrivilegeEscalation to false",
                    c.shown()
                ),
            ),
        }
    }
}
