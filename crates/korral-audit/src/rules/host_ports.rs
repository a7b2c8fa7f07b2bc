//! PSS baseline: host ports.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule, items};

pub(crate) static RULE: Rule = Rule {
    code: "PSB006",
    name: "host-ports",
    severity: Severity::Medium,
    standards: &[
        Standard::PssBaseline,
        Standard::PssRestricted,
        Standard::Cis,
    ],
    summary: "Containers must not bind host ports (`ports[].hostPort`).",
    why: "A host port exposes the container on the node's address, past Services and NetworkPolicies, and pins the pod to nodes where the port is free.",
    example: "ports:\n- containerPort: 8080\n  hostPort: 8080",
    fix: "Remove `hostPort` and expose the pod through a Service.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for c in pod.containers() {
        for (i, port) in items(c.value, &["ports"]).iter().enumerate() {
            if let Some(host) = port.get("hostPort").and_then(Value::as_i64)
                && host != 0
            {
                emit.at(
                    pod.index,
                    c.path(&format!("ports[{i}].hostPort")),
                    format!("{} binds host port {host}", c.shown()),
                );
            }
        }
    }
}
