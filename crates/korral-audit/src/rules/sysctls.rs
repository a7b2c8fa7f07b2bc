//! PSS baseline: sysctls.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule, get_str, items};

/// The sysctls the baseline level allows, and the Kubernetes minor version whose
/// admission controller first allows each.
const SAFE: &[(&str, u32)] = &[
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.ip_unprivileged_port_start", 0),
    ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0),
    ("net.ipv4.ip_local_reserved_ports", 27),
    ("net.ipv4.tcp_keepalive_time", 29),
    ("net.ipv4.tcp_fin_timeout", 29),
    ("net.ipv4.tcp_keepalive_intvl", 29),
    ("net.ipv4.tcp_keepalive_probes", 29),
    ("net.ipv4.tcp_rmem", 32),
    ("net.ipv4.tcp_wmem", 32),
];

pub(crate) static RULE: Rule = Rule {
    code: "PSB011",
    name: "sysctls",
    severity: Severity::Medium,
    standards: &[Standard::PssBaseline, Standard::PssRestricted],
    summary: "Pods may set only the safe sysctls (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, …).",
    why: "Other sysctls are not isolated per pod or can starve the node: setting them changes the kernel for every pod on it.",
    example: "securityContext:\n  sysctls:\n  - name: kernel.msgmax\n    value: \"65536\"",
    fix: "Remove the sysctl, or set it on the node; the pod may set kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, net.ipv4.tcp_rmem and net.ipv4.tcp_wmem (the last seven from Kubernetes 1.27, 1.29 and 1.32).",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for (i, sysctl) in items(pod.spec, &["securityContext", "sysctls"])
        .iter()
        .enumerate()
    {
        let name = get_str(sysctl, &["name"]).unwrap_or("");
        let (major, minor) = pod.cx.kube_version;
        if !SAFE
            .iter()
            .any(|&(safe, since)| safe == name && (major > 1 || minor >= since))
        {
            emit.at(
                pod.index,
                pod.pod_sc_path(&format!("sysctls[{i}].name")),
                format!("the pod sets unsafe sysctl `{name}`"),
            );
        }
    }
}
