//! Network: Istio PeerAuthentication not STRICT.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Rule, Target, get, get_str};

pub(crate) static RULE: Rule = Rule {
    code: "NP007",
    name: "peer-authentication-not-strict",
    severity: Severity::Medium,
    standards: &[Standard::BestPractice],
    summary: "Istio PeerAuthentication should require mutual TLS (`mtls.mode: STRICT`).",
    why: "PERMISSIVE or DISABLE accepts plain-text connections, so anything in the cluster can reach the workloads without a mesh identity.",
    example: "kind: PeerAuthentication\nspec:\n  mtls:\n    mode: PERMISSIVE",
    fix: "Set `spec.mtls.mode: STRICT` (and on `portLevelMtls`) once every client has a sidecar.",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    if t.object.kind() != "PeerAuthentication" || !t.object.group().ends_with("istio.io") {
        return;
    }
    if let Some(mode @ ("PERMISSIVE" | "DISABLE")) = get_str(t.value, &["spec", "mtls", "mode"]) {
        emit.at(
            t.index,
            "spec.mtls.mode",
            format!("mutual TLS mode is {mode}"),
        );
    }
    if let Some(ports) = get(t.value, &["spec", "portLevelMtls"]).and_then(Value::as_object) {
        for (port, setting) in ports {
            if let Some(mode @ ("PERMISSIVE" | "DISABLE")) = get_str(setting, &["mode"]) {
                emit.at(
                    t.index,
                    format!("spec.portLevelMtls[\"{port}\"].mode"),
                    format!("mutual TLS mode on port {port} is {mode}"),
                );
            }
        }
    }
}
