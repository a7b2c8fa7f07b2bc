//! PSS baseline: privileged containers.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "PSB003",
    name: "privileged",
    severity: Severity::Critical,
    standards: &[
        Standard::PssBaseline,
        Standard::PssRestricted,
        Standard::Nsa,
        Standard::Cis,
    ],
    summary: "Containers must not run privileged (`securityContext.privileged`).",
    why: "A privileged container has every capability and every device of the node; escaping to the node is one mount away.",
    example: "containers:\n- name: app\n  image: app:1.0\n  securityContext:\n    privileged: true",
    fix: "Remove `securityContext.privileged` or set it to `false`; grant the one capability the program needs instead.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for c in pod.containers() {
        if c.sc("privileged").and_then(crate::rule::flag) == Some(true) {
            emit.at(
                pod.index,
                c.sc_path("privileged"),
                format!("{} runs privileged", c.shown()),
            );
        }
    }
}
