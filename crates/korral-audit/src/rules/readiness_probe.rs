//! Hardening: readiness probes.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "HD004",
    name: "readiness-probe",
    severity: Severity::Low,
    standards: &[Standard::BestPractice],
    summary: "Long-running containers should have a readiness probe.",
    why: "Without one, Services send traffic to a pod as soon as it starts, before it can answer, and during rollouts requests fail.",
    example: "containers:\n- name: web\n  image: web:1.0   # no readinessProbe",
    fix: "Add a `readinessProbe` that succeeds only when the container can serve.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    if pod.runs_to_completion() || pod.object.kind() == "DaemonSet" {
        return;
    }
    for c in pod
        .containers()
        .into_iter()
        .filter(crate::pod::Container::regular)
    {
        if c.value.get("readinessProbe").is_none() {
            emit.at(
                pod.index,
                c.path("readinessProbe"),
                format!("{} has no readiness probe", c.shown()),
            );
        }
    }
}
