//! Deprecated API versions (still served by the target version).

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Rule, Target};

pub(crate) static RULE: Rule = Rule {
    code: "DA001",
    name: "deprecated-api",
    severity: Severity::Low,
    standards: &[Standard::BestPractice],
    summary: "Objects should not use an API version deprecated in the target Kubernetes version (`--kube-version`).",
    why: "A deprecated version is removed a few releases later; manifests that use it stop applying on upgrade.",
    example: "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3   # deprecated in 1.29\nkind: FlowSchema",
    fix: "Move the manifest to the replacement version named in the finding (`kubectl convert` or the migration guide).",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    let Some(d) = crate::deprecations::find(t.object.api_version(), t.object.kind()) else {
        return;
    };
    let (major, minor) = t.cx.kube_version;
    if major == 1 && minor >= d.deprecated && minor < d.removed {
        emit.at(
            t.index,
            "apiVersion",
            format!(
                "{} {} is deprecated since 1.{} and removed in 1.{}; use {}",
                d.api_version,
                t.object.kind(),
                d.deprecated,
                d.removed,
                d.replacement
            ),
        );
    }
}
