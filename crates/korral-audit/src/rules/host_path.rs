//! PSS baseline: hostPath volumes.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule, get_str, items, present};

pub(crate) static RULE: Rule = Rule {
    code: "PSB005",
    name: "host-path",
    severity: Severity::High,
    standards: &[
        Standard::PssBaseline,
        Standard::PssRestricted,
        Standard::Nsa,
        Standard::Cis,
    ],
    summary: "Pods must not mount hostPath volumes.",
    why: "A hostPath volume exposes the node's file system: the container runtime socket, kubelet credentials, other pods' data.",
    example: "volumes:\n- name: docker\n  hostPath:\n    path: /var/run/docker.sock",
    fix: "Use a persistentVolumeClaim, emptyDir, configMap or secret volume; node agents that need the host belong in an exempt namespace.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for (i, volume) in items(pod.spec, &["volumes"]).iter().enumerate() {
        if present(volume.get("hostPath")).is_some() {
            let name = get_str(volume, &["name"]).unwrap_or("?");
            let path = get_str(volume, &["hostPath", "path"]).unwrap_or("?");
            emit.at(
                pod.index,
                pod.path(&format!("volumes[{i}].hostPath")),
                format!("volume `{name}` mounts the node's `{path}`"),
            );
        }
    }
}
