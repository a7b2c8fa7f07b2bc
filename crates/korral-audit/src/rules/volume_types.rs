//! PSS restricted: volume types.

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule, get_str, items};

/// The volume sources the restricted profile allows.
const ALLOWED: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

pub(crate) static RULE: Rule = Rule {
    code: "PSR001",
    name: "volume-types",
    severity: Severity::Low,
    standards: &[Standard::PssRestricted],
    summary: "Pods may use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes.",
    why: "Other volume sources (nfs, iscsi, gitRepo, hostPath, …) reach storage directly from the node, bypassing the access control of claims and classes.",
    example: "volumes:\n- name: data\n  nfs:\n    server: nfs.example.com\n    path: /exports",
    fix: "Mount the storage through a PersistentVolume and a persistentVolumeClaim volume, or use one of the allowed sources.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for (i, volume) in items(pod.spec, &["volumes"]).iter().enumerate() {
        let Some(map) = volume.as_object() else {
            continue;
        };
        let name = get_str(volume, &["name"]).unwrap_or("?");
        // As the admission controller: a volume with an allowed source set is allowed;
        // one with no source at all is defaulted to emptyDir by the API server.
        let sources: Vec<&str> = map
            .iter()
            .filter(|(k, v)| *k != "name" && !v.is_null())
            .map(|(k, _)| k.as_str())
            .collect();
        if sources.iter().any(|s| ALLOWED.contains(s)) {
            continue;
        }
        for source in sources {
            emit.at(
                pod.index,
                pod.path(&format!("volumes[{i}].{source}")),
                format!("volume `{name}` is of type `{source}`"),
            );
        }
    }
}
