//! PSS baseline: host namespaces.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "PSB002",
    name: "host-namespaces",
    severity: Severity::High,
    standards: &[
        Standard::PssBaseline,
        Standard::PssRestricted,
        Standard::Nsa,
        Standard::Cis,
    ],
    summary: "Pods must not share the node's network, PID or IPC namespace (`hostNetwork`, `hostPID`, `hostIPC`).",
    why: "A pod in the host's namespaces sees every process, socket and shared memory segment of the node, and can sniff or signal them.",
    example: "spec:\n  hostNetwork: true\n  hostPID: true",
    fix: "Remove `hostNetwork`, `hostPID` and `hostIPC` or set them to `false`.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for (field, what) in [
        ("hostNetwork", "network"),
        ("hostPID", "process (PID)"),
        ("hostIPC", "IPC"),
    ] {
        if pod.spec.get(field).and_then(crate::rule::flag) == Some(true) {
            emit.at(
                pod.index,
                pod.path(field),
                format!("the pod shares the node's {what} namespace (`{field}: true`)"),
            );
        }
    }
}
