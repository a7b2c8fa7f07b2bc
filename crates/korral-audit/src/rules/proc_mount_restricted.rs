//! PSS restricted: /proc mount type, in user namespaces too.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "PSR007",
    name: "proc-mount-user-namespace",
    severity: Severity::Medium,
    standards: &[Standard::PssRestricted],
    summary: "In the restricted profile, containers keep the default /proc mount even when the pod runs in its own user namespace (`hostUsers: false`), which the baseline profile allows from Kubernetes 1.35.",
    why: "A user namespace maps root in the container to an unprivileged user on the node, but an unmasked /proc still exposes kernel interfaces the restricted profile keeps closed.",
    example: "spec:\n  hostUsers: false\n  containers:\n  - name: builder\n    securityContext:\n      procMount: Unmasked",
    fix: "Remove `procMount` or set it to `Default`; keep unmasked /proc for namespaces at the baseline level.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    // PSB009 reports the rest, at both levels.
    if pod.user_namespace_relaxes() {
        super::proc_mount::unmasked(pod, emit);
    }
}
