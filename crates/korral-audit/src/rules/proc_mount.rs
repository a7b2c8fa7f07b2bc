//! PSS baseline: /proc mount type.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "PSB009",
    name: "proc-mount",
    severity: Severity::High,
    standards: &[Standard::PssBaseline, Standard::PssRestricted],
    summary: "Containers must keep the default /proc mount (`securityContext.procMount: Default`).",
    why: "An `Unmasked` /proc exposes kernel interfaces that the runtime masks to keep containers from reading or changing the node.",
    example: "securityContext:\n  procMount: Unmasked",
    fix: "Remove `procMount` or set it to `Default`.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    // The baseline level (1.35+) allows any procMount in a user namespace; the
    // restricted level does not (PSR007 says so there).
    if pod.user_namespace_relaxes() {
        return;
    }
    unmasked(pod, emit);
}

/// Reports every container whose /proc mount is not `Default`.
pub(super) fn unmasked(pod: &Pod<'_>, emit: &mut Emit) {
    for c in pod.containers() {
        if let Some(m) = c.sc("procMount").and_then(Value::as_str)
            && m != "Default"
        {
            emit.at(
                pod.index,
                c.sc_path("procMount"),
                format!("{} mounts /proc `{m}`", c.shown()),
            );
        }
    }
}
