//! YAML documents: single objects, multi-document files and `kind: List` dumps.
//!
//! A file is split into documents at `---` and `...` marker lines first (YAML forbids
//! these at the start of a line inside a scalar, so the split is exact), so that every
//! document knows the line it starts on and one bad document names its own position.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};
use serde_saphyr::{Budget, Options, Spanned};

use super::Sink;
use crate::error::Result;
use crate::object::RawJson;

pub(super) fn read(text: &str, sink: &mut Sink<'_>) -> Result<()> {
    let options = options();
    for doc in split_documents(text) {
        let Some(content_line) = first_content_line(&doc.text) else {
            continue;
        };
        let at = |line: u64| doc.first_line + usize::try_from(line).unwrap_or(1).max(1) - 1;
        let parsed: Document = match serde_saphyr::from_str_with_options(&doc.text, options.clone())
        {
            Ok(parsed) => parsed,
            Err(err) => {
                let (line, column) = err
                    .location()
                    .map_or((content_line, 1), |l| (at(l.line()), l.column() as usize));
                let error = sink.parse_error(line, column.max(1), message(&err));
                // Only this document is lost when malformed documents are skipped.
                sink.malformed(error)?;
                continue;
            }
        };
        let Document { mut fields, items } = parsed;
        let kind = fields
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match items {
            Some(items) if kind.ends_with("List") => {
                let api_version = fields.get("apiVersion").and_then(Value::as_str);
                let list_type = api_version.zip(kind.strip_suffix("List"));
                for item in items {
                    let line = at(item.referenced.line());
                    sink.object(&to_raw(&item.value), line, list_type)?;
                }
            }
            items => {
                if let Some(items) = items {
                    let values = items.into_iter().map(|item| item.value).collect();
                    fields.insert("items".to_owned(), Value::Array(values));
                }
                sink.object(
                    &to_raw(&Value::Object(fields)),
                    at(content_line as u64),
                    None,
                )?;
            }
        }
    }
    Ok(())
}

fn options() -> Options {
    let mut options = Options::default();
    // korral prints its own `file:line:column` in front of the message.
    options.with_snippet = false;
    // Only `true` and `false` are booleans, as in YAML 1.2 and as Kubernetes reads names
    // and labels: a Node named `n` or a label value `yes` stays a string.
    options.strict_booleans = true;
    // Dumps of whole clusters are large single documents; the alias and depth limits
    // that guard against YAML bombs stay at their defaults.
    let mut budget = Budget::default();
    budget.max_events = usize::MAX;
    budget.max_nodes = usize::MAX;
    budget.max_total_scalar_bytes = usize::MAX;
    budget.max_reader_input_bytes = None;
    options.budget = Some(budget);
    options
}

/// The parser's message without the position it appends (korral prints its own).
fn message(err: &serde_saphyr::Error) -> String {
    let text = err.without_snippet().to_string();
    let text = text.lines().next().unwrap_or_default();
    let text = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => text,
    };
    crate::error::plain_parse_message(text)
}

fn to_raw(value: &Value) -> RawJson {
    // Serializing a Value cannot fail: its keys are strings.
    let text = serde_json::to_string(value).unwrap_or_default();
    let len = text.len();
    RawJson::new(Arc::new(text), 0, len)
}

/// One YAML document of a file and the file line its first line is on.
struct Doc<'a> {
    text: Cow<'a, str>,
    first_line: usize,
}

fn split_documents(text: &str) -> Vec<Doc<'_>> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut first_line = 1;
    let mut prefix: Option<String> = None;
    let mut pos = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let marker = ["---", "..."].into_iter().find(|m| {
            line.starts_with(m) && line[3..].chars().next().is_none_or(char::is_whitespace)
        });
        if let Some(marker) = marker {
            let body = &text[start..pos];
            docs.push(Doc {
                text: match prefix.take() {
                    Some(p) => Cow::Owned(p + body),
                    None => Cow::Borrowed(body),
                },
                first_line,
            });
            start = pos + line.len();
            first_line = index + 2;
            // `--- {a: 1}` or `--- !tag`: the rest of the marker line belongs to the
            // document; keep its columns by blanking the marker.
            let rest = line[3..].trim();
            if marker == "---" && !rest.is_empty() && !rest.starts_with('#') {
                prefix = Some(format!("   {}", &line[3..]));
                first_line = index + 1;
            }
        }
        pos += line.len();
    }
    let body = &text[start..];
    docs.push(Doc {
        text: match prefix {
            Some(p) => Cow::Owned(p + body),
            None => Cow::Borrowed(body),
        },
        first_line,
    });
    docs
}

/// 1-based line of the first line that holds YAML content; `None` for a document of
/// blank lines, comments and directives.
fn first_content_line(text: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#') && !line.starts_with('%')
        })
        .map(|index| index + 1)
}

/// A document's top-level fields, with the items of a list kept apart with their lines.
struct Document {
    fields: Map<String, Value>,
    items: Option<Vec<Spanned<Value>>>,
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes object (a YAML mapping with apiVersion, kind and metadata)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Map::new();
        let mut items = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "items" {
                items = map.next_value::<Option<Vec<Spanned<Value>>>>()?;
            } else {
                fields.insert(key, map.next_value()?);
            }
        }
        Ok(Document { fields, items })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_split_at_markers_with_their_lines() {
        let text = "a: 1\n---\nb: 2\n--- # note\n\nc: 3\n...\n";
        let docs = split_documents(text);
        let summary: Vec<_> = docs
            .iter()
            .map(|d| (d.first_line, d.text.trim().to_owned()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, "a: 1".to_owned()),
                (3, "b: 2".to_owned()),
                (5, "c: 3".to_owned()),
                (8, String::new()),
            ]
        );
    }

    #[test]
    fn content_after_a_marker_stays_in_its_document() {
        let docs = split_documents("--- {a: 1}\n");
        assert_eq!(docs[1].first_line, 1);
        assert_eq!(docs[1].text.trim(), "{a: 1}");
    }

    #[test]
    fn markers_need_a_line_of_their_own() {
        let docs = split_documents("a: |\n  ----\nb: ---x\n");
        assert_eq!(docs.len(), 1);
    }
}
