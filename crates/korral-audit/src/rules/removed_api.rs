//! Removed API versions (no longer served by the target version).

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Rule, Target};

pub(crate) static RULE: Rule = Rule {
    code: "DA002",
    name: "removed-api",
    severity: Severity::High,
    standards: &[Standard::BestPractice],
    summary: "Objects must not use an API version removed in the target Kubernetes version (`--kube-version`).",
    why: "The API server no longer serves the version: applying the manifest fails, and Helm releases that hold it cannot upgrade.",
    example: "apiVersion: policy/v1beta1   # removed in 1.25\nkind: PodDisruptionBudget",
    fix: "Move the manifest to the replacement version named in the finding before upgrading the cluster.",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    let Some(d) = crate::deprecations::find(t.object.api_version(), t.object.kind()) else {
        return;
    };
    let (major, minor) = t.cx.kube_version;
    if major > 1 || minor >= d.removed {
        emit.at(
            t.index,
            "apiVersion",
            format!(
                "{} {} was removed in Kubernetes 1.{}; use {}",
                d.api_version,
                t.object.kind(),
                d.removed,
                d.replacement
            ),
        );
    }
}
