//! PSS baseline: capabilities beyond the default set.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

/// The capabilities the baseline profile allows containers to add: the container
/// runtime's default set.
pub(crate) const BASELINE_ALLOWED: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

pub(crate) static RULE: Rule = Rule {
    code: "PSB004",
    name: "capabilities-baseline",
    severity: Severity::High,
    standards: &[
        Standard::PssBaseline,
        Standard::PssRestricted,
        Standard::Nsa,
        Standard::Cis,
    ],
    summary: "Containers must not add capabilities beyond the runtime's default set (SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, …).",
    why: "Capabilities such as SYS_ADMIN or SYS_PTRACE are most of root's power on the node; NET_RAW allows spoofing on the pod network.",
    example: "securityContext:\n  capabilities:\n    add: [SYS_ADMIN]",
    fix: "Remove the capability from `capabilities.add`; only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT are allowed.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for c in pod.containers() {
        let added = c
            .sc("capabilities")
            .and_then(|caps| caps.get("add"))
            .and_then(Value::as_array);
        for (i, cap) in added.into_iter().flatten().enumerate() {
            // Names are compared as written, as the admission controller does:
            // `CAP_CHOWN` and `chown` are not `CHOWN`.
            let cap = cap.as_str().unwrap_or_default();
            if !BASELINE_ALLOWED.contains(&cap) {
                emit.at(
                    pod.index,
                    c.sc_path(&format!("capabilities.add[{i}]")),
                    format!("{} adds capability `{cap}`", c.shown()),
                );
            }
        }
    }
}
