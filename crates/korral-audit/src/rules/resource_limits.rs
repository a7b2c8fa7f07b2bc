//! Hardening: CPU and memory limits.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "HD002",
    name: "resource-limits",
    severity: Severity::Low,
    standards: &[Standard::Nsa, Standard::BestPractice],
    summary: "Containers should set CPU and memory limits (`resources.limits`).",
    why: "A container without a memory limit can exhaust its node and get other pods killed; the NSA guide asks for limits on every container to contain denial of service.",
    example: "resources:\n  requests: {cpu: 100m, memory: 128Mi}   # no limits",
    fix: "Set `resources.limits.memory` (and `cpu` where your policy wants one), or give the namespace a LimitRange with defaults.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    super::resource_requests::missing(pod, emit, "limits", |container, missing| {
        format!("{container} has no {missing} limit")
    });
}
