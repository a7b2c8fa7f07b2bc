//! PSS baseline: HostProcess.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "PSB001",
    name: "host-process",
    severity: Severity::Critical,
    standards: &[
        Standard::PssBaseline,
        Standard::PssRestricted,
        Standard::Cis,
    ],
    summary: "Windows pods must not run as HostProcess containers (`windowsOptions.hostProcess`).",
    why: "A HostProcess container runs directly on the Windows node with the node's privileges: whoever controls it controls the node.",
    example: "spec:\n  securityContext:\n    windowsOptions:\n      hostProcess: true",
    fix: "Remove `windowsOptions.hostProcess` or set it to `false` on the pod and every container.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    let on = |sc: Option<&Value>| {
        sc.and_then(|w| w.get("hostProcess"))
            .and_then(crate::rule::flag)
            == Some(true)
    };
    if on(pod.pod_sc("windowsOptions")) {
        emit.at(
            pod.index,
            pod.pod_sc_path("windowsOptions.hostProcess"),
            "the pod runs as a Windows HostProcess",
        );
    }
    for c in pod.containers() {
        if on(c.sc("windowsOptions")) {
            emit.at(
                pod.index,
                c.sc_path("windowsOptions.hostProcess"),
                format!("{} runs as a Windows HostProcess", c.shown()),
            );
        }
    }
}
