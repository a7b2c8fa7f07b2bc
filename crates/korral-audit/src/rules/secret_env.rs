//! Hardening: secrets written into env values.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule, items};

/// Parts of a variable name that say it holds a secret.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
];

pub(crate) static RULE: Rule = Rule {
    code: "HD009",
    name: "secret-in-env",
    severity: Severity::High,
    standards: &[Standard::Nsa, Standard::Cis, Standard::BestPractice],
    summary: "Secrets should not be written as plain `env` values in manifests.",
    why: "A value in the manifest is in Git, in `kubectl get -o yaml` and in every dump, readable by anyone who can read the workload.",
    example: "env:\n- name: DB_PASSWORD\n  value: hunter2",
    fix: "Put the value in a Secret and use `valueFrom.secretKeyRef` (or mount the Secret as a file).",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for c in pod.containers() {
        for (i, var) in items(c.value, &["env"]).iter().enumerate() {
            let name = var.get("name").and_then(Value::as_str).unwrap_or("");
            let value = var.get("value").and_then(Value::as_str).unwrap_or("");
            let upper = name.to_ascii_uppercase();
            if !value.is_empty() && SECRET_WORDS.iter().any(|w| upper.contains(w)) {
                // The value itself is never printed.
                emit.at(
                    pod.index,
                    c.path(&format!("env[{i}].value")),
                    format!(
                        "{} sets `{name}` to a value written in the manifest",
                        c.shown()
                    ),
                );
            }
        }
    }
}
