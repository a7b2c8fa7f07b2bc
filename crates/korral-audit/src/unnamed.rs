//! Documents the loader left out for want of a name, recovered to be judged.
//!
//! The loader refuses an object without `metadata.name` (nothing can refer to it, and
//! the API server refuses it too), so a set never holds one. An audit still judges what
//! such a document asks for: a privileged Pod without a name in a chart's template is a
//! privileged Pod once the template fills the name in. The document is read again from
//! its file, named [`PLACEHOLDER`], and judged at its own file and line.

use korral_core::{FileId, Object, ObjectSet, Source, Warning};
use serde_json::Value;

use crate::engine::Options;

/// The name a recovered document is judged under: not a valid Kubernetes name, so it
/// can never be taken for a real object.
pub(crate) const PLACEHOLDER: &str = "(no name)";

/// A document without a name, as an object named [`PLACEHOLDER`].
pub(crate) struct Unnamed {
    pub object: Object,
    /// What the user is told.
    pub note: String,
}

/// The documents of `set`'s warnings that were left out only for want of a name.
pub(crate) fn recover(set: &ObjectSet, options: &Options) -> Vec<Unnamed> {
    let mut out = Vec::new();
    for warning in set.warnings() {
        let (Warning::Malformed { at, reason } | Warning::Skipped { at, reason }) = warning else {
            continue;
        };
        if !reason.contains("has no `metadata") {
            continue;
        }
        let Some((file, id, line)) = position(set, at) else {
            continue;
        };
        let Some(text) = crate::engine::file_text(options, file) else {
            continue;
        };
        let Some(mut value) = document_at(&text, line) else {
            continue;
        };
        let Some(kind) = value.get("kind").and_then(Value::as_str).map(str::to_owned) else {
            continue;
        };
        let Some(map) = value.as_object_mut() else {
            continue;
        };
        let metadata = map
            .entry("metadata")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if metadata.is_null() {
            *metadata = Value::Object(serde_json::Map::new());
        }
        let Some(metadata) = metadata.as_object_mut() else {
            continue;
        };
        metadata.insert("name".to_owned(), Value::String(PLACEHOLDER.to_owned()));
        let source = Source {
            file: FileId(id),
            line,
        };
        let Ok(object) = Object::from_json(&value.to_string(), source) else {
            continue;
        };
        out.push(Unnamed {
            object,
            note: format!(
                "{file}:{line}: the {kind} without `metadata.name` is judged as `{PLACEHOLDER}`; add a name"
            ),
        });
    }
    out
}

/// The file, its id in the set and the line of a warning's `file:line[:column]`.
fn position<'s>(set: &'s ObjectSet, at: &str) -> Option<(&'s str, u32, u32)> {
    // File names may hold colons: try `file:line:column`, then `file:line`.
    let candidates = [
        at.rsplitn(3, ':').collect::<Vec<_>>(),
        at.rsplitn(2, ':').collect::<Vec<_>>(),
    ];
    for parts in candidates {
        let (file, line) = match parts.as_slice() {
            [_, line, file] | [line, file] => (*file, *line),
            _ => continue,
        };
        let Ok(line) = line.parse::<u32>() else {
            continue;
        };
        if let Some(id) = set.files().iter().position(|f| f == file) {
            let name = set.files()[id].as_str();
            return Some((name, u32::try_from(id).ok()?, line));
        }
    }
    None
}

/// The YAML document of `text` that holds 1-based `line`, parsed; a JSON text only when
/// it is one object.
fn document_at(text: &str, line: u32) -> Option<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'[')) {
        return serde_json::from_str::<Value>(text)
            .ok()
            .filter(|v| v.get("metadata").is_none_or(|m| m.get("name").is_none()));
    }
    let mut lines = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let marker = l.trim_end();
        if marker == "---" || marker.starts_with("--- ") || marker == "..." {
            if u32::try_from(i + 1).ok()? > line {
                break;
            }
            lines.clear();
            continue;
        }
        lines.push(l);
    }
    // As the loader reads YAML: only `true` and `false` are booleans.
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    serde_saphyr::from_str_with_options::<Value>(&lines.join("\n"), options)
        .ok()
        .filter(Value::is_object)
}
