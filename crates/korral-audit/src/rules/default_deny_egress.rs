//! Network: namespaces without a default-deny egress policy.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Cx, Emit, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "NP002",
    name: "default-deny-egress",
    severity: Severity::Low,
    standards: &[Standard::Nsa],
    summary: "Every namespace that runs pods should have a default-deny egress NetworkPolicy (empty podSelector, policyTypes Egress, no egress rules).",
    why: "Without egress control a compromised pod can reach the API server, cloud metadata endpoints and the internet to exfiltrate data.",
    example: "# namespace shop runs pods and has no policy like:\nkind: NetworkPolicy\nspec:\n  podSelector: {}\n  policyTypes: [Egress]",
    fix: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Egress]` and no egress rules, then allow DNS and the flows each workload needs.",
    check: Check::Set(check),
};

fn check(cx: &Cx<'_>, emit: &mut Emit) {
    super::default_deny_ingress::namespaces_without(
        cx,
        |p: &crate::network::Policy<'_>| p.denies_all_egress(),
        "egress",
        emit,
    );
}
