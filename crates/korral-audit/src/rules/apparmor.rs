//! PSS baseline: AppArmor.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule, confined_profile};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

pub(crate) static RULE: Rule = Rule {
    code: "PSB007",
    name: "apparmor",
    severity: Severity::Medium,
    standards: &[
        Standard::PssBaseline,
        Standard::PssRestricted,
        Standard::Nsa,
    ],
    summary: "The AppArmor profile must not be overridden to unconfined (`appArmorProfile.type`, or the `container.apparmor.security.beta.kubernetes.io/*` annotations).",
    why: "The runtime's default AppArmor profile blocks writes to /proc and /sys and mounts; an unconfined container loses that protection.",
    example: "securityContext:\n  appArmorProfile:\n    type: Unconfined",
    fix: "Leave the profile unset, or use `RuntimeDefault` or `Localhost` (annotations: `runtime/default` or `localhost/<profile>`).",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    // As the admission controller: a set profile must say RuntimeDefault or Localhost;
    // an annotation may be empty, `runtime/default` or `localhost/…`.
    if let Some(Err(t)) = confined_profile(pod.pod_sc("appArmorProfile")) {
        emit.at(
            pod.index,
            pod.pod_sc_path("appArmorProfile.type"),
            format!("the pod's AppArmor profile is `{t}`"),
        );
    }
    for c in pod.containers() {
        if let Some(Err(t)) = confined_profile(c.sc("appArmorProfile")) {
            emit.at(
                pod.index,
                c.sc_path("appArmorProfile.type"),
                format!("{} has AppArmor profile `{t}`", c.shown()),
            );
        }
    }
    for (key, value) in pod.annotations() {
        if let Some(container) = key.strip_prefix(ANNOTATION_PREFIX)
            && !value.is_empty()
            && value != "runtime/default"
            && !value.starts_with("localhost/")
        {
            emit.at(
                pod.index,
                pod.annotation_path(key),
                format!("container `{container}` has AppArmor profile `{value}`"),
            );
        }
    }
}
