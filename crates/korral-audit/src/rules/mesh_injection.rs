//! Network: namespaces with mesh sidecar injection off.

use crate::finding::{Severity, Standard};
use crate::network::{Mesh, injected, meshes, system_namespace, workloads};
use crate::rule::{Check, Cx, Emit, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "NP005",
    name: "mesh-injection-off",
    severity: Severity::Medium,
    standards: &[Standard::BestPractice],
    summary: "When Istio or Linkerd is in use, namespaces that run pods should have sidecar injection on.",
    why: "Pods without the mesh's proxy send and accept plain-text traffic and escape the mesh's mTLS and authorization policies.",
    example: "kind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: disabled",
    fix: "Label the namespace `istio-injection: enabled` (or `istio.io/rev`), or annotate it `linkerd.io/inject: enabled`, and restart its workloads.",
    check: Check::Set(check),
};

fn check(cx: &Cx<'_>, emit: &mut Emit) {
    let meshes = meshes(cx);
    if meshes.is_empty() {
        return;
    }
    let workloads = workloads(cx);
    for (index, object) in cx.set.objects().iter().enumerate() {
        if object.kind() != "Namespace"
            || !object.group().is_empty()
            || system_namespace(object.name())
        {
            continue;
        }
        if !workloads.iter().any(|w| w.namespace == Some(object.name())) {
            continue;
        }
        for &mesh in &meshes {
            if !injected(mesh, object.labels(), &cx.values[index]) {
                let (path, name) = match mesh {
                    Mesh::Istio => ("metadata.labels", "Istio"),
                    Mesh::Linkerd => ("metadata.annotations", "Linkerd"),
                };
                emit.at(
                    index,
                    path,
                    format!(
                        "namespace `{}` runs pods without {name} sidecar injection",
                        object.name()
                    ),
                );
            }
        }
    }
}
