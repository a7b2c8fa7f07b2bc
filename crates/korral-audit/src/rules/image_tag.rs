//! Hardening: images tagged `latest` or not at all.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "HD005",
    name: "image-tag",
    severity: Severity::Medium,
    standards: &[Standard::BestPractice, Standard::Nsa],
    summary: "Images should name a version: no `:latest` and no missing tag.",
    why: "`latest` (or no tag) changes under you: two nodes can run different code, and a rollback brings back whatever the tag points to now.",
    example: "image: nginx:latest",
    fix: "Pin a version tag (`nginx:1.27.2`), better with its digest (`nginx:1.27.2@sha256:…`).",
    check: Check::Pod(check),
};

/// The tag of an image reference, if any (`registry:5000/app:1.0` → `1.0`).
pub(crate) fn tag(image: &str) -> Option<&str> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split_once(':').map(|(_, tag)| tag)
}

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for c in pod.containers() {
        let Some(image) = c.value.get("image").and_then(Value::as_str) else {
            continue;
        };
        if image.contains('@') {
            continue;
        }
        match tag(image) {
            Some("latest") => emit.at(
                pod.index,
                c.path("image"),
                format!("{} uses image `{image}`, tagged latest", c.shown()),
            ),
            None => emit.at(
                pod.index,
                c.path("image"),
                format!("{} uses image `{image}` without a tag", c.shown()),
            ),
            Some(_) => {}
        }
    }
}
