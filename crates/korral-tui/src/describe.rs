//! The text views of one object: `d` describe (as `kubectl describe` reads), `y` YAML.
//! Every line is escaped: nothing from the cluster reaches the terminal as control.

use std::fmt::Write as _;

use jiff::Timestamp;
use korral_core::terminal::{escape, escape_keep_lines};
use korral_core::{Object, ObjectKey};
use serde_json::Value;

use crate::cache::Cache;
use crate::row::{age, pod_parts};

/// The object's YAML without `managedFields` (as k9s shows it). Secrets' values were
/// masked when they arrived.
pub fn yaml(object: &Object) -> Vec<String> {
    let mut value = object.raw().to_value();
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    let text = serde_saphyr::to_string(&value).unwrap_or_else(|e| format!("# cannot show: {e}"));
    lines(&text)
}

/// Escaped lines of `text`.
pub fn lines(text: &str) -> Vec<String> {
    escape_keep_lines(text)
        .lines()
        .map(|l| l.replace('\t', "    "))
        .collect()
}

/// `kubectl describe` for one object: identity, labels, owner, what its kind says,
/// conditions, and the events about it.
pub fn describe(cache: &Cache, key: &ObjectKey, now: Timestamp) -> Vec<String> {
    let Some(entry) = cache.get(key) else {
        return vec![format!("{} is gone", escape(&key.to_string()))];
    };
    let object = &entry.object;
    let value = object.raw().to_value();
    let mut out = String::new();
    let field = |out: &mut String, name: &str, text: &str| {
        let _ = writeln!(out, "{:<15}{}", format!("{name}:"), text);
    };
    field(&mut out, "Name", object.name());
    if let Some(ns) = object.namespace() {
        field(&mut out, "Namespace", ns);
    }
    field(
        &mut out,
        "Kind",
        &format!("{} ({})", object.kind(), object.api_version()),
    );
    map_field(&mut out, "Labels", object.labels().iter());
    let annotations = object.annotations();
    map_field(
        &mut out,
        "Annotations",
        annotations
            .iter()
            .filter(|(k, _)| *k != "kubectl.kubernetes.io/last-applied-configuration"),
    );
    if let Some(created) = &object.metadata().creation_timestamp {
        let when = created.parse().ok();
        field(
            &mut out,
            "Created",
            &format!("{created} ({} ago)", age(when, now)),
        );
    }
    for owner in &object.metadata().owner_references {
        field(
            &mut out,
            "Controlled By",
            &format!("{}/{}", owner.kind, owner.name),
        );
    }
    if object.group().is_empty() && object.kind() == "Pod" {
        pod(&mut out, object);
    } else {
        for part in ["spec", "data", "status"] {
            if let Some(section) = value.get(part).filter(|v| !v.is_null()) {
                let section = if part == "status" {
                    let mut s = section.clone();
                    if let Some(map) = s.as_object_mut() {
                        map.remove("conditions");
                    }
                    s
                } else {
                    section.clone()
                };
                if section.as_object().is_some_and(serde_json::Map::is_empty) {
                    continue;
                }
                let _ = writeln!(out, "{}:", capitalise(part));
                let text = serde_saphyr::to_string(&section).unwrap_or_default();
                for line in text.lines() {
                    let _ = writeln!(out, "  {line}");
                }
            }
        }
    }
    conditions(&mut out, &value);
    events(&mut out, cache, key, now);
    lines(&out)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn map_field<'a>(
    out: &mut String,
    name: &str,
    entries: impl Iterator<Item = (&'a String, &'a String)>,
) {
    let mut first = true;
    for (k, v) in entries {
        let label = if first {
            format!("{name}:")
        } else {
            String::new()
        };
        let _ = writeln!(out, "{label:<15}{k}={v}");
        first = false;
    }
    if first {
        let _ = writeln!(out, "{:<15}<none>", format!("{name}:"));
    }
}

fn pod(out: &mut String, object: &Object) {
    let pod = pod_parts(object);
    let _ = writeln!(
        out,
        "{:<15}{}",
        "Node:",
        pod.spec.node_name.as_deref().unwrap_or("<none>")
    );
    let _ = writeln!(
        out,
        "{:<15}{}",
        "Status:",
        pod.status.phase.as_deref().unwrap_or("Unknown")
    );
    let _ = writeln!(
        out,
        "{:<15}{}",
        "IP:",
        pod.status.pod_ip.as_deref().unwrap_or("<none>")
    );
    for (title, specs, statuses) in [
        (
            "Init Containers:",
            &pod.spec.init_containers,
            &pod.status.init_container_statuses,
        ),
        (
            "Containers:",
            &pod.spec.containers,
            &pod.status.container_statuses,
        ),
    ] {
        if specs.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}");
        for spec in specs {
            let _ = writeln!(out, "  {}:", spec.name);
            let _ = writeln!(out, "    {:<13}{}", "Image:", spec.image);
            if let Some(status) = statuses.iter().find(|s| s.name == spec.name) {
                let _ = writeln!(out, "    {:<13}{}", "State:", status.state_text());
                for detail in status.state.values() {
                    if let Some(message) = &detail.message {
                        let _ = writeln!(out, "    {:<13}{message}", "Message:");
                    }
                }
                let _ = writeln!(out, "    {:<13}{}", "Ready:", status.ready);
                let _ = writeln!(out, "    {:<13}{}", "Restarts:", status.restart_count);
            }
        }
    }
}

fn conditions(out: &mut String, value: &Value) {
    let Some(list) = value
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
    else {
        return;
    };
    let _ = writeln!(out, "Conditions:");
    let _ = writeln!(
        out,
        "  {:<28}{:<8}{:<26}MESSAGE",
        "TYPE", "STATUS", "REASON"
    );
    for c in list {
        let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
        let _ = writeln!(
            out,
            "  {:<28}{:<8}{:<26}{}",
            s("type"),
            s("status"),
            s("reason"),
            s("message")
        );
    }
}

fn events(out: &mut String, cache: &Cache, key: &ObjectKey, now: Timestamp) {
    let mut found: Vec<(Option<Timestamp>, String)> = Vec::new();
    for group in ["", "events.k8s.io"] {
        let Some(kind) = cache.kind(group, "Event") else {
            continue;
        };
        for entry in kind.objects.values() {
            if entry.object.namespace() != key.namespace.as_deref() && key.namespace.is_some() {
                continue;
            }
            let value = entry.object.raw().to_value();
            let about = value
                .get("involvedObject")
                .or_else(|| value.get("regarding"));
            let Some(about) = about else { continue };
            let is = |k: &str, want: &str| about.get(k).and_then(Value::as_str) == Some(want);
            if !(is("kind", &key.kind) && is("name", &key.name)) {
                continue;
            }
            // Rows of events are TYPE REASON OBJECT MESSAGE after LAST SEEN.
            let cells = &entry.row.cells;
            let line = format!(
                "  {:<9}{:<22}{:<8}{}",
                cells.get(1).map_or("", String::as_str),
                cells.get(2).map_or("", String::as_str),
                age(entry.row.created, now),
                cells.get(4).map_or("", String::as_str)
            );
            found.push((entry.row.created, line));
        }
    }
    if found.is_empty() {
        let _ = writeln!(out, "Events:        <none>");
        return;
    }
    found.sort();
    let _ = writeln!(out, "Events:");
    let _ = writeln!(out, "  {:<9}{:<22}{:<8}MESSAGE", "TYPE", "REASON", "AGE");
    for (_, line) in found {
        let _ = writeln!(out, "{line}");
    }
}
