//! Edits that change a cluster.yaml in place and keep everything else as the user wrote it.
//!
//! Nothing is re-serialised: each edit splices text at the byte ranges the located tree
//! gives, with the indentation of its neighbours. [`Change::apply`] then reads the new text
//! back, checks that it says exactly what the change meant (the model the change was made
//! on), and validates it. Only then may the caller write it; a refused edit changes nothing.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value as Json;

use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::spec::{Cluster, Node as SpecNode};
use crate::tree::{self, FieldPath, Node, Segment, Value};
use crate::validate::{has_errors, validate};

/// Why an edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The edited file would not be valid; the diagnostics say why.
    #[error("the change was not written: it would make {file} invalid:\n{}", list(.diagnostics))]
    Invalid {
        file: String,
        diagnostics: Vec<Diagnostic>,
    },
    /// The change cannot be made (a missing node, a key of the wrong kind).
    #[error("{0}")]
    Refused(String),
    /// The file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

fn list(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// An edited text, read back and validated; write it with [`Edited::write`].
#[derive(Debug)]
pub struct Edited {
    pub loaded: Loaded,
    /// Warnings of the edited file (errors refuse the edit).
    pub warnings: Vec<Diagnostic>,
}

impl Edited {
    /// Writes the text to `path` through a temporary sibling and a rename.
    pub fn write(&self, path: &Path) -> Result<(), EditError> {
        write_atomically(path, self.loaded.text.as_bytes()).map_err(|source| EditError::Write {
            path: path.to_owned(),
            source,
        })
    }
}

/// Writes `bytes` to `path` whole or not at all, keeping the file's permissions.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".korral-")
        .tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    let permissions = std::fs::metadata(path)
        .map(|m| m.permissions())
        .ok()
        .or_else(|| {
            #[cfg(unix)]
            {
                Some(std::os::unix::fs::PermissionsExt::from_mode(0o644))
            }
            #[cfg(not(unix))]
            {
                None
            }
        });
    if let Some(permissions) = permissions {
        file.as_file().set_permissions(permissions)?;
    }
    file.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// Reads the edited text back, checks it says what `expected` says, and validates it.
pub fn check(before: &Loaded, text: &str, expected: &Cluster) -> Result<Edited, EditError> {
    let loaded = match Loaded::parse(&before.file, text) {
        Ok(loaded) => loaded,
        Err(err) => {
            return Err(match err {
                crate::LoadError::Invalid(diagnostic) => EditError::Invalid {
                    file: before.file.clone(),
                    diagnostics: vec![*diagnostic],
                },
                crate::LoadError::Read { .. } => EditError::Refused(err.to_string()),
            });
        }
    };
    if loaded.cluster != *expected {
        return Err(EditError::Refused(format!(
            "korral cannot make this change in {} while keeping its layout; edit the file by hand",
            before.file
        )));
    }
    let found = validate(&loaded);
    if has_errors(&found) {
        return Err(EditError::Invalid {
            file: before.file.clone(),
            diagnostics: found,
        });
    }
    let mut loaded = loaded;
    loaded.path.clone_from(&before.path);
    Ok(Edited {
        loaded,
        warnings: found,
    })
}

/// The text of a scalar as YAML: plain when it reads back as the same string, else
/// double-quoted.
pub fn scalar(text: &str) -> String {
    let plain_chars = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./~+@=:".contains(c));
    let first_ok = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || "_./~+".contains(c));
    let ambiguous = matches!(
        text.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
    ) || text.parse::<f64>().is_ok()
        || text.starts_with("0x")
        || text.starts_with("0o")
        || text.ends_with(':')
        || text.contains(": ");
    if plain_chars && first_ok && !ambiguous {
        text.to_owned()
    } else {
        serde_json::to_string(text).unwrap_or_default()
    }
}

/// A JSON value as YAML flow text.
pub fn flow(value: &Json) -> String {
    match value {
        Json::String(text) => scalar(text),
        Json::Null => "null".to_owned(),
        Json::Bool(_) | Json::Number(_) => value.to_string(),
        Json::Array(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Json::Object(map) => format!(
            "{{ {} }}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", scalar(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn root(text: &str) -> Result<Node, EditError> {
    tree::parse(text)
        .ok()
        .flatten()
        .ok_or_else(|| EditError::Refused("the file is not YAML korral can edit".to_owned()))
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The byte after the line break that ends the line holding `at` (or the text's end).
fn next_line(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The end of the line holding `at`, before its line break.
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i)
}

/// The byte after the `:` that follows a mapping key.
fn after_colon(text: &str, key: &Node) -> usize {
    let rest = &text[key.span.end..];
    rest.find(':')
        .map_or(key.span.end, |i| key.span.end + i + 1)
}

/// The start of the comment lines right above `line_at` indented by exactly `indent`.
fn leading_comments(text: &str, line_at: usize, indent: usize) -> usize {
    let mut start = line_at;
    while start > 0 {
        let previous = line_start(text, start - 1);
        let line = &text[previous..start - 1];
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') && line.len() - trimmed.len() == indent {
            start = previous;
        } else {
            break;
        }
    }
    start
}

/// Sets the value at `path` to the YAML flow text `value`, adding missing keys.
pub fn set(text: &str, path: &FieldPath, value: &str) -> Result<String, EditError> {
    let root = root(text)?;
    let splice = |start: usize, end: usize, with: &str| {
        let mut out = String::with_capacity(text.len() + with.len());
        out.push_str(&text[..start]);
        out.push_str(with);
        out.push_str(&text[end..]);
        out
    };
    if let Some(node) = root.get(path) {
        let entry = root.entry(path);
        return Ok(match (&node.value, entry) {
            (Value::Scalar(..), _) if !node.span.is_empty() => {
                splice(node.span.start, node.span.end, value)
            }
            (_, Some(entry)) => {
                let start = after_colon(text, &entry.key_node);
                let end = node.span.end.max(start);
                splice(start, end, &format!(" {value}"))
            }
            _ => splice(node.span.start, node.span.end, value),
        });
    }
    // The longest prefix the document has; the rest are keys to add.
    let mut len = path.0.len();
    while len > 0 && root.get(&FieldPath(path.0[..len].to_vec())).is_none() {
        len -= 1;
    }
    let prefix = FieldPath(path.0[..len].to_vec());
    let missing: Vec<&str> = path.0[len..]
        .iter()
        .map(|segment| match segment {
            Segment::Key(key) => Ok(key.as_str()),
            Segment::Index(index) => Err(EditError::Refused(format!(
                "`{path}`: there is no item [{index}]"
            ))),
        })
        .collect::<Result<_, _>>()?;
    let parent = root.get(&prefix).unwrap_or(&root);
    let nested = |indent: usize| {
        let mut out = String::new();
        for (depth, key) in missing.iter().enumerate() {
            if depth > 0 {
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent + 2 * depth));
            out.push_str(&scalar(key));
            out.push(':');
        }
        out.push(' ');
        out.push_str(value);
        out
    };
    match &parent.value {
        Value::Mapping(entries, granit_parser::StructureStyle::Flow) => {
            let mut inner = String::new();
            for key in &missing[1..] {
                inner.push_str("{ ");
                inner.push_str(&scalar(key));
                inner.push_str(": ");
            }
            inner.push_str(value);
            inner.push_str(&" }".repeat(missing.len() - 1));
            let close = parent.span.end - 1;
            let separator = if entries.is_empty() { " " } else { ", " };
            let before = text[..close].trim_end().len();
            Ok(splice(
                before,
                close,
                &format!("{separator}{}: {inner} ", scalar(missing[0])),
            ))
        }
        Value::Mapping(entries, granit_parser::StructureStyle::Block) => {
            let Some(last) = entries.last() else {
                return Err(EditError::Refused(format!("`{prefix}` is empty")));
            };
            let indent = last.key_node.column - 1;
            let end = if last.value.span.is_empty() {
                last.key_node.span.end
            } else {
                last.value.span.end
            };
            let at = line_end(text, end);
            Ok(splice(at, at, &format!("\n{}", nested(indent))))
        }
        _ if parent.is_null() => {
            let Some(entry) = root.entry(&prefix) else {
                return Err(EditError::Refused(format!("`{prefix}` is not a mapping")));
            };
            let start = after_colon(text, &entry.key_node);
            let indent = entry.key_node.column - 1 + 2;
            Ok(splice(
                start,
                parent.span.end.max(start),
                &format!("\n{}", nested(indent)),
            ))
        }
        _ => Err(EditError::Refused(format!(
            "`{prefix}` holds a value, not settings: cannot add `{}` to it",
            missing.join(".")
        ))),
    }
}

/// Removes the mapping entry or sequence item at `path`, with the comment lines right
/// above it.
pub fn remove(text: &str, path: &FieldPath) -> Result<String, EditError> {
    let root = root(text)?;
    let (last, parent_path) = path
        .0
        .split_last()
        .ok_or_else(|| EditError::Refused("cannot remove the whole file".to_owned()))?;
    let parent_path = FieldPath(parent_path.to_vec());
    let parent = root
        .get(&parent_path)
        .ok_or_else(|| EditError::Refused(format!("`{path}` is not set")))?;
    let node = root
        .get(path)
        .ok_or_else(|| EditError::Refused(format!("`{path}` is not set")))?;
    let (start, end, flow) = match (&parent.value, last) {
        (Value::Mapping(entries, style), Segment::Key(key)) => {
            let entry = entries
                .iter()
                .find(|e| e.key == *key)
                .ok_or_else(|| EditError::Refused(format!("`{path}` is not set")))?;
            let end = if node.span.is_empty() {
                entry.key_node.span.end
            } else {
                node.span.end
            };
            (
                entry.key_node.span.start,
                end,
                *style == granit_parser::StructureStyle::Flow,
            )
        }
        (Value::Sequence(_, style), Segment::Index(_)) => {
            let start = if *style == granit_parser::StructureStyle::Block {
                text[..node.span.start]
                    .rfind('-')
                    .unwrap_or(node.span.start)
            } else {
                node.span.start
            };
            (
                start,
                node.span.end,
                *style == granit_parser::StructureStyle::Flow,
            )
        }
        _ => return Err(EditError::Refused(format!("`{path}` is not set"))),
    };
    let mut out = String::with_capacity(text.len());
    if flow {
        // `{ a: 1, b: 2 }`: take the separator after the entry, or the one before it.
        let rest = &text[end..];
        let trimmed = rest.trim_start();
        if let Some(after) = trimmed.strip_prefix(',') {
            let skip = rest.len() - after.len();
            let skip = skip + (after.len() - after.trim_start().len());
            out.push_str(&text[..start]);
            out.push_str(&text[end + skip..]);
        } else {
            let before = text[..start].trim_end();
            let before = before.strip_suffix(',').unwrap_or(before);
            out.push_str(before);
            out.push_str(&text[end..]);
        }
    } else {
        let line = line_start(text, start);
        let indent = start - line;
        let from = leading_comments(text, line, indent);
        out.push_str(&text[..from]);
        out.push_str(&text[next_line(text, end)..]);
    }
    Ok(out)
}

/// Appends `item` (a YAML block, as serde-saphyr writes it) to the sequence at `path`.
pub fn append(text: &str, path: &FieldPath, item: &str) -> Result<String, EditError> {
    let root = root(text)?;
    let sequence = root
        .get(path)
        .ok_or_else(|| EditError::Refused(format!("`{path}` is not set")))?;
    let block = |indent: usize| {
        let mut out = String::new();
        for (i, line) in item.trim_end().lines().enumerate() {
            out.push('\n');
            if line.is_empty() {
                continue;
            }
            out.push_str(&" ".repeat(indent));
            out.push_str(if i == 0 { "- " } else { "  " });
            out.push_str(line);
        }
        out
    };
    match &sequence.value {
        Value::Sequence(items, granit_parser::StructureStyle::Block) if !items.is_empty() => {
            let dash = text[..items[0].span.start].rfind('-').unwrap_or(0);
            let indent = dash - line_start(text, dash);
            let at = line_end(text, sequence.span.end);
            Ok(format!("{}{}{}", &text[..at], block(indent), &text[at..]))
        }
        _ => {
            let entry = root.entry(path).ok_or_else(|| {
                EditError::Refused(format!("`{path}` is not a list korral can add to"))
            })?;
            if !sequence.is_null()
                && !matches!(&sequence.value, Value::Sequence(items, _) if items.is_empty())
            {
                return Err(EditError::Refused(format!(
                    "`{path}` is written in flow style (`[…]`); write it as a block list to add to it"
                )));
            }
            let start = after_colon(text, &entry.key_node);
            let indent = entry.key_node.column - 1 + 2;
            let end = sequence.span.end.max(start);
            Ok(format!(
                "{}{}{}",
                &text[..start],
                block(indent),
                &text[end..]
            ))
        }
    }
}

/// A node as the YAML block `append` takes, written as a person would: strings plain
/// where they read back the same (`address: 192.168.1.10`), quoted only where needed.
pub fn node_block(node: &SpecNode) -> String {
    let mut out = String::new();
    if let Ok(value) = serde_json::to_value(node) {
        block(&value, 0, &mut out);
    }
    out
}

/// The keys of a node's parts (gpu, reserved, ssh) in the order the model declares
/// them. `block` writes a node's own keys in [`crate::config::NODE_KEYS`] order, these
/// next (serde_json's maps are sorted), other keys (labels) last.
const PART_KEY_ORDER: &[&str] = &[
    "vendor",
    "count",
    "timeSlicing",
    "replicas",
    "cpu",
    "memory",
    "user",
    "port",
    "key",
];

/// `value` (a mapping) as YAML block lines indented by `indent` spaces.
fn block(value: &Json, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Json::Object(map) => {
            let mut entries: Vec<(&String, &Json)> = map.iter().collect();
            entries.sort_by_key(|(key, _)| {
                crate::config::NODE_KEYS
                    .iter()
                    .chain(PART_KEY_ORDER)
                    .position(|known| known == key)
                    .unwrap_or(usize::MAX)
            });
            for (key, item) in entries {
                let key = scalar(key);
                match item {
                    Json::Object(inner) if !inner.is_empty() => {
                        let _ = writeln!(out, "{pad}{key}:");
                        block(item, indent + 2, out);
                    }
                    Json::Array(items) if !items.is_empty() => {
                        let _ = writeln!(out, "{pad}{key}:");
                        for element in items {
                            let _ = writeln!(out, "{pad}  - {}", flow(element));
                        }
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}{key}: {}", flow(item));
                    }
                }
            }
        }
        _ => {
            let _ = writeln!(out, "{pad}{}", flow(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# the cluster\nspec:\n  k3s:\n    version: v1 # pinned\n  nodes:\n    # first\n    - name: a\n      labels: { x: \"1\" }\n    # second\n    - name: b\n      ssh:\n        user: me\n  empty:\n# end\n";

    fn path(text: &str) -> FieldPath {
        FieldPath::parse(text).unwrap()
    }

    #[test]
    fn a_scalar_is_replaced_in_place() {
        let out = set(TEXT, &path("spec.k3s.version"), "v2").unwrap();
        assert_eq!(
            out,
            TEXT.replace("version: v1 # pinned", "version: v2 # pinned")
        );
    }

    #[test]
    fn missing_keys_are_added_with_the_neighbours_indentation() {
        let out = set(TEXT, &path("spec.nodes[1].ssh.port"), "2222").unwrap();
        assert!(
            out.contains("        user: me\n        port: 2222\n  empty:"),
            "{out}"
        );
        let out = set(TEXT, &path("spec.nodes[1].reserved.cpu"), "500m").unwrap();
        assert!(
            out.contains("        user: me\n      reserved:\n        cpu: 500m\n"),
            "{out}"
        );
        let out = set(TEXT, &path("spec.nodes[0].labels.zone"), "two").unwrap();
        assert!(out.contains("labels: { x: \"1\", zone: two }"), "{out}");
        let out = set(TEXT, &path("spec.empty.a"), "1").unwrap();
        assert!(out.contains("  empty:\n    a: 1\n# end"), "{out}");
    }

    #[test]
    fn removing_takes_the_item_and_its_comment() {
        let out = remove(TEXT, &path("spec.nodes[0]")).unwrap();
        assert_eq!(
            out,
            TEXT.replace(
                "    # first\n    - name: a\n      labels: { x: \"1\" }\n",
                ""
            )
        );
        let out = remove(TEXT, &path("spec.nodes[0].labels.x")).unwrap();
        assert!(
            out.contains("labels: {  }") || out.contains("labels: { }"),
            "{out}"
        );
    }

    #[test]
    fn appending_matches_the_list() {
        let out = append(TEXT, &path("spec.nodes"), "name: c\nrole: worker\n").unwrap();
        assert!(
            out.contains("        user: me\n    - name: c\n      role: worker\n  empty:"),
            "{out}"
        );
        let out = append("spec:\n  nodes: []\n", &path("spec.nodes"), "name: c\n").unwrap();
        assert_eq!(out, "spec:\n  nodes:\n    - name: c\n");
    }

    #[test]
    fn scalars_are_quoted_when_they_would_read_differently() {
        assert_eq!(scalar("v1.31.4+k3s1"), "v1.31.4+k3s1");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("22"), "\"22\"");
        assert_eq!(scalar("a b"), "\"a b\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("#x"), "\"#x\"");
    }
}
