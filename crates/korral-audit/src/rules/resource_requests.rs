//! Hardening: CPU and memory requests.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule, get};

pub(crate) static RULE: Rule = Rule {
    code: "HD001",
    name: "resource-requests",
    severity: Severity::Low,
    standards: &[Standard::Nsa, Standard::BestPractice],
    summary: "Containers should request CPU and memory (`resources.requests`).",
    why: "Without requests the scheduler places pods blind, and under pressure the kubelet evicts them first (BestEffort class).",
    example: "containers:\n- name: app\n  image: app:1.0   # no resources",
    fix: "Set `resources.requests.cpu` and `resources.requests.memory` to what the container uses at steady state.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    missing(pod, emit, "requests", |container, missing| {
        format!("{container} requests no {missing}")
    });
}

/// Emits, for each container (not ephemeral) short of cpu or memory in
/// `resources.SECTION`, the message `message(container, "cpu or memory")`.
pub(super) fn missing(
    pod: &Pod<'_>,
    emit: &mut Emit,
    section: &str,
    message: fn(&str, &str) -> String,
) {
    for c in pod.containers().into_iter().filter(|c| !c.ephemeral()) {
        let missing: Vec<&str> = ["cpu", "memory"]
            .into_iter()
            .filter(|r| get(c.value, &["resources", section, r]).is_none())
            .collect();
        if !missing.is_empty() {
            emit.at(
                pod.index,
                c.path(&format!("resources.{section}")),
                message(&c.shown(), &missing.join(" or ")),
            );
        }
    }
}
