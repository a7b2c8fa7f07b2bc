//! Network: pods without the mesh sidecar.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::network::{Mesh, injected, meshes, workloads};
use crate::rule::{Check, Cx, Emit, Rule, items};

pub(crate) static RULE: Rule = Rule {
    code: "NP006",
    name: "mesh-sidecar-missing",
    severity: Severity::Medium,
    standards: &[Standard::BestPractice],
    summary: "In a namespace with mesh injection on, pods should not opt out of the sidecar, and running pods should have it.",
    why: "A pod that opts out (`sidecar.istio.io/inject: \"false\"`, `linkerd.io/inject: disabled`) talks plain text and is not covered by the mesh's policies.",
    example: "template:\n  metadata:\n    annotations:\n      sidecar.istio.io/inject: \"false\"",
    fix: "Remove the opt-out annotation or label; for running pods without the proxy, restart them so the injector adds it.",
    check: Check::Set(check),
};

fn check(cx: &Cx<'_>, emit: &mut Emit) {
    let meshes = meshes(cx);
    if meshes.is_empty() {
        return;
    }
    for w in workloads(cx) {
        for &mesh in &meshes {
            let on = cx.of_kind("Namespace", None).iter().any(|&i| {
                let o = cx.object(i);
                Some(o.name()) == w.namespace && injected(mesh, o.labels(), &cx.values[i])
            });
            if !on {
                continue;
            }
            let (key, off) = match mesh {
                Mesh::Istio => ("sidecar.istio.io/inject", "false"),
                Mesh::Linkerd => ("linkerd.io/inject", "disabled"),
            };
            if w.annotations.get(key).map(String::as_str) == Some(off)
                || w.labels.get(key).map(String::as_str) == Some(off)
            {
                let field = if w.annotations.contains_key(key) {
                    "annotations"
                } else {
                    "labels"
                };
                emit.at(
                    w.index,
                    format!("{}.{field}[\"{key}\"]", w.meta_path),
                    format!("the pods opt out of the sidecar (`{key}: {off}`)"),
                );
                continue;
            }
            // A running Pod: the injector should have added the proxy.
            let object = cx.object(w.index);
            if object.kind() == "Pod" && object.metadata().uid.is_some() {
                let proxy = match mesh {
                    Mesh::Istio => "istio-proxy",
                    Mesh::Linkerd => "linkerd-proxy",
                };
                let spec = &cx.values[w.index]["spec"];
                let has = ["containers", "initContainers"].iter().any(|f| {
                    items(spec, &[f])
                        .iter()
                        .any(|c| c.get("name").and_then(Value::as_str) == Some(proxy))
                });
                if !has {
                    emit.at(
                        w.index,
                        "spec.containers",
                        format!("the pod runs without the `{proxy}` sidecar"),
                    );
                }
            }
        }
    }
}
