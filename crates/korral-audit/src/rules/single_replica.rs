//! Best practice: one replica and no PodDisruptionBudget.

use korral_core::{LabelSelector, LabelSelectorSpec};
use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Rule, Target, get, get_str};

pub(crate) static RULE: Rule = Rule {
    code: "HD013",
    name: "single-replica",
    severity: Severity::Low,
    standards: &[Standard::BestPractice],
    summary: "Deployments and StatefulSets with one replica and no PodDisruptionBudget go down on every node drain.",
    why: "A drain or an upgrade evicts the only pod; nothing serves until it is rescheduled and ready.",
    example: "kind: Deployment\nspec:\n  replicas: 1",
    fix: "Run two or more replicas with a PodDisruptionBudget (`minAvailable: 1`), or accept the downtime and suppress the finding with a reason.",
    check: Check::Object(check),
};

fn check(t: &Target<'_>, emit: &mut Emit) {
    if !matches!(t.object.kind(), "Deployment" | "StatefulSet") || t.object.group() != "apps" {
        return;
    }
    let replicas = get(t.value, &["spec", "replicas"]).and_then(Value::as_i64);
    if replicas.is_some_and(|r| r != 1) {
        return;
    }
    // An autoscaler decides the count.
    let namespace = t.object.namespace();
    let scaled = t
        .cx
        .of_kind("HorizontalPodAutoscaler", namespace)
        .iter()
        .any(|&i| {
            get_str(&t.cx.values[i], &["spec", "scaleTargetRef", "name"]) == Some(t.object.name())
        });
    if scaled {
        return;
    }
    let labels: std::collections::BTreeMap<String, String> =
        get(t.value, &["spec", "template", "metadata", "labels"])
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .unwrap_or_default();
    let budget =
        t.cx.of_kind("PodDisruptionBudget", namespace)
            .iter()
            .any(|&i| {
                get(&t.cx.values[i], &["spec", "selector"])
                    .and_then(|s| serde_json::from_value::<LabelSelectorSpec>(s.clone()).ok())
                    .and_then(|s| LabelSelector::from_spec(&s).ok())
                    .is_some_and(|s| s.matches(&labels))
            });
    if !budget {
        emit.at(
            t.index,
            "spec.replicas",
            format!(
                "{} `{}` runs one replica and no PodDisruptionBudget covers it",
                t.object.kind(),
                t.object.name()
            ),
        );
    }
}
