//! Hardening: liveness probes.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "HD003",
    name: "liveness-probe",
    severity: Severity::Low,
    standards: &[Standard::BestPractice],
    summary: "Long-running containers should have a liveness probe.",
    why: "Without one, a hung process keeps its pod Running and serving nothing until someone notices.",
    example: "containers:\n- name: web\n  image: web:1.0   # no livenessProbe",
    fix: "Add a `livenessProbe` (httpGet, tcpSocket, grpc or exec) that fails when the process is stuck.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    if pod.runs_to_completion() {
        return;
    }
    for c in pod
        .containers()
        .into_iter()
        .filter(crate::pod::Container::regular)
    {
        if c.value.get("livenessProbe").is_none() {
            emit.at(
                pod.index,
                c.path("livenessProbe"),
                format!("{} has no liveness probe", c.shown()),
            );
        }
    }
}
