//! PSS baseline: sysctls.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule, get_str, items};

/// The sysctls the baseline profile allows: namespaced and safe.
const SAFE: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

pub(crate) static RULE: Rule = Rule {
    code: "PSB011",
    name: "sysctls",
    severity: Severity::Medium,
    standards: &[Standard::PssBaseline, Standard::PssRestricted],
    summary: "Pods may set only the safe sysctls (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, …).",
    why: "Other sysctls are not isolated per pod or can starve the node: setting them changes the kernel for every pod on it.",
    example: "securityContext:\n  sysctls:\n  - name: kernel.msgmax\n    value: \"65536\"",
    fix: "Remove the sysctl, or set it on the node; the pod may set kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl and net.ipv4.tcp_keepalive_probes.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for (i, sysctl) in items(pod.spec, &["securityContext", "sysctls"])
        .iter()
        .enumerate()
    {
        let name = get_str(sysctl, &["name"]).unwrap_or("");
        if !SAFE.contains(&name) {
            emit.at(
                pod.index,
                pod.pod_sc_path(&format!("sysctls[{i}].name")),
                format!("the pod sets unsafe sysctl `{name}`"),
            );
        }
    }
}
