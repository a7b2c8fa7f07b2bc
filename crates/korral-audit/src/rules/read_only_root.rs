//! Hardening: read-only root file system.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "HD007",
    name: "read-only-root-filesystem",
    severity: Severity::Low,
    standards: &[Standard::Nsa, Standard::BestPractice],
    summary: "Containers should run with `readOnlyRootFilesystem: true`.",
    why: "A writable root file system lets an attacker drop tools and change binaries; the NSA guide asks for immutable containers.",
    example: "securityContext:\n  readOnlyRootFilesystem: false",
    fix: "Set `securityContext.readOnlyRootFilesystem: true` and mount an emptyDir where the program writes (`/tmp`, caches).",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for c in pod.containers().into_iter().filter(|c| !c.ephemeral()) {
        if c.sc("readOnlyRootFilesystem").and_then(crate::rule::flag) != Some(true) {
            emit.at(
                pod.index,
                c.sc_path("readOnlyRootFilesystem"),
                format!("{} has a writable root file system", c.shown()),
            );
        }
    }
}
