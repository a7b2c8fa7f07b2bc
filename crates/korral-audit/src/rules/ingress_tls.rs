//! Hardening: Ingress without TLS.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Rule, Target, items};

pub(crate) static RULE: Rule = Rule {
    code: "HD012",
    name: "ingress-tls",
    severity: Severity::Medium,
    standards: &[Standard::Nsa, Standard::BestPractice],
    summary: "Ingresses should terminate TLS (`spec.tls`).",
    why: "Without TLS, credentials and session cookies cross the network in clear text.",
    example: "kind: Ingress\nspec:\n  rules:\n  - host: shop.example.com",
    fix: "Add `spec.tls` with the hosts and a Secret holding the certificate (cert-manager can issue it).",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    if t.object.kind() != "Ingress" {
        return;
    }
    if items(t.value, &["spec", "tls"]).is_empty() {
        emit.at(
            t.index,
            "spec.tls",
            format!(
                "Ingress `{}` serves plain HTTP: it has no tls section",
                t.object.name()
            ),
        );
    }
}
