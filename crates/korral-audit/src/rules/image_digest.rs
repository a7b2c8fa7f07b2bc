//! Hardening: images pinned by digest.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "HD006",
    name: "image-digest",
    severity: Severity::Info,
    standards: &[Standard::BestPractice],
    summary: "Images should be pinned by digest (`@sha256:…`).",
    why: "A tag can be moved to other content, by mistake or by an attacker with push rights; a digest names exactly one image.",
    example: "image: registry.example.com/app:1.4.2",
    fix: "Append the digest: `registry.example.com/app:1.4.2@sha256:<digest>` (`crane digest` or `docker buildx imagetools inspect` prints it).",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    for c in pod.containers() {
        if let Some(image) = c.value.get("image").and_then(Value::as_str)
            && !image.contains("@sha256:")
        {
            emit.at(
                pod.index,
                c.path("image"),
                format!("{} uses image `{image}` without a digest", c.shown()),
            );
        }
    }
}
