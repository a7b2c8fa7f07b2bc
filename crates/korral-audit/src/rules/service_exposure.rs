//! Hardening: Services exposed outside the cluster.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Rule, Target, get_str};

pub(crate) static RULE: Rule = Rule {
    code: "HD011",
    name: "service-exposure",
    severity: Severity::Low,
    standards: &[Standard::Nsa, Standard::BestPractice],
    summary: "Services of type NodePort or LoadBalancer expose pods outside the cluster; each should be intended.",
    why: "A NodePort opens the port on every node, a LoadBalancer usually on the internet, both past Ingress authentication and TLS.",
    example: "kind: Service\nspec:\n  type: LoadBalancer",
    fix: "Use `type: ClusterIP` behind an Ingress or Gateway; if the exposure is intended, restrict `loadBalancerSourceRanges` and suppress the finding with a reason.",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    if t.object.kind() != "Service" || !t.object.group().is_empty() {
        return;
    }
    if let Some(kind @ ("NodePort" | "LoadBalancer")) = get_str(t.value, &["spec", "type"]) {
        emit.at(
            t.index,
            "spec.type",
            format!(
                "Service `{}` is exposed outside the cluster (type {kind})",
                t.object.name()
            ),
        );
    }
}
