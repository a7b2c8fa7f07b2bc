//! JSON text exactly as kubectl prints it.
//!
//! kubectl's `-o json` is Go's `json.MarshalIndent(obj, "", "    ")` over unstructured
//! maps, which means: keys sorted, four-space indentation, `"key": value`, empty
//! containers as `{}`/`[]`, and Go's HTML-safe escaping (`<`, `>`, `&`, U+2028 and U+2029
//! as `\uXXXX`). serde_json's pretty printer differs on escaping and cannot start at a
//! nesting depth, and its key order follows the `preserve_order` feature, which another
//! crate in a build may switch on; so this small writer owns all of it.

use std::sync::LazyLock;

use serde_json::{Map, Value};

/// Appends `value` pretty-printed, as if nested `depth` levels deep (items of a `List`
/// sit at depth 2). No leading indentation and no trailing newline.
pub(super) fn write_pretty(out: &mut Vec<u8>, value: &Value, depth: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push(b'{');
            for_each_sorted(map, |i, key, value| {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, depth + 1);
                write_str(out, key);
                out.extend_from_slice(b": ");
                write_pretty(out, value, depth + 1);
            });
            newline(out, depth);
            out.push(b'}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, depth + 1);
                write_pretty(out, item, depth + 1);
            }
            newline(out, depth);
            out.push(b']');
        }
        _ => write_compact(out, value),
    }
}

/// Appends `value` without whitespace, as Go's `json.Marshal` does (the form of
/// `kubectl.kubernetes.io/last-applied-configuration`).
pub(super) fn write_compact(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_compact(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for_each_sorted(map, |i, key, value| {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, key);
                out.push(b':');
                write_compact(out, value);
            });
            out.push(b'}');
        }
    }
}

pub(super) fn to_compact_string(value: &Value) -> String {
    let mut out = Vec::new();
    write_compact(&mut out, value);
    String::from_utf8(out).expect("the writer only emits UTF-8")
}

fn newline(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    out.resize(out.len() + depth * 4, b' ');
}

/// Whether [`Map`] iterates in key order: it is a `BTreeMap` unless some crate in the
/// build turns on serde_json's `preserve_order`.
static MAPS_ARE_SORTED: LazyLock<bool> = LazyLock::new(|| {
    let mut map = Map::new();
    map.insert("b".into(), Value::Null);
    map.insert("a".into(), Value::Null);
    map.keys().next().is_some_and(|key| key == "a")
});

/// Calls `f(index, key, value)` in key order, sorting the entries first only when the
/// map keeps insertion order.
fn for_each_sorted(map: &Map<String, Value>, mut f: impl FnMut(usize, &str, &Value)) {
    if *MAPS_ARE_SORTED || map.keys().is_sorted() {
        for (i, (key, value)) in map.iter().enumerate() {
            f(i, key, value);
        }
    } else {
        let mut entries: Vec<_> = map.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (i, (key, value)) in entries.into_iter().enumerate() {
            f(i, key, value);
        }
    }
}

/// Writes `s` quoted, escaped the way Go's `encoding/json` does.
fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Most strings need no escaping. The check has no early exit, so it vectorizes.
    let special = bytes
        .iter()
        .fold(0, |any, &b| any | ESCAPED[usize::from(b)])
        != 0;
    if !special {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            b'<' => b"\\u003c",
            b'>' => b"\\u003e",
            b'&' => b"\\u0026",
            0x00..0x20 => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xF)]);
                start = i + 1;
                continue;
            }
            // U+2028 and U+2029 are E2 80 A8/A9; JavaScript treats them as line ends.
            0xE2 if matches!(bytes.get(i + 1..i + 3), Some([0x80, 0xA8 | 0xA9])) => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(if bytes[i + 2] == 0xA8 {
                    b"\\u2028"
                } else {
                    b"\\u2029"
                });
                start = i + 3;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

const HEX: &[u8] = b"0123456789abcdef";

/// 1 for the bytes [`write_str`] must look at: control characters, `"`, `\\`, the
/// HTML-sensitive `<`, `>`, `&`, and 0xE2, which starts U+2028 and U+2029.
const ESCAPED: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = 1;
        b += 1;
    }
    let mut i = 0;
    let others = *b"\"\\<>&\xE2";
    while i < others.len() {
        table[others[i] as usize] = 1;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pretty(value: &Value) -> String {
        let mut out = Vec::new();
        write_pretty(&mut out, value, 0);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn pretty_matches_go_marshal_indent() {
        let value = json!({"b": [1, {"y": null, "x": true}], "a": {}, "c": []});
        assert_eq!(
            pretty(&value),
            "{\n    \"a\": {},\n    \"b\": [\n        1,\n        {\n            \"x\": true,\n            \"y\": null\n        }\n    ],\n    \"c\": []\n}"
        );
    }

    #[test]
    fn strings_are_escaped_like_go() {
        let value = json!("a<b>&\"\\\n\t\u{1}\u{2028}é");
        assert_eq!(
            to_compact_string(&value),
            r#""a\u003cb\u003e\u0026\"\\\n\t\u0001\u2028é""#
        );
    }
}
