//! A YAML document as a tree of nodes that know where they are in the source text.
//!
//! serde-saphyr reads `cluster.yaml` into the typed model; this tree, built from the
//! parser's events of the same text, answers the two questions the model cannot: on
//! which line and column a field is (for diagnostics), and which bytes hold it (for edits
//! that keep the rest of the file, comments and all, as the user wrote it).

use std::fmt;
use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle, Span, StructureStyle};

/// One segment of a field path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Where a field is in the model: `spec.nodes[1].address`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path with one more key.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        Self(segments)
    }

    /// This path with one more index.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        Self(segments)
    }

    /// Parses `spec.nodes[1].labels.zone`. Keys holding dots or brackets (label keys such as
    /// `korral.io/gpu`) are written in brackets with quotes: `labels["korral.io/gpu"]`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut segments = Vec::new();
        let mut rest = text;
        let mut expect_key = true;
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('[') {
                let end = if let Some(quoted) = inner.strip_prefix('"') {
                    let close = quoted.find('"')? + 1;
                    if !inner[close + 1..].starts_with(']') {
                        return None;
                    }
                    segments.push(Segment::Key(inner[1..close].to_owned()));
                    close + 1
                } else {
                    let close = inner.find(']')?;
                    segments.push(Segment::Index(inner[..close].parse().ok()?));
                    close
                };
                rest = &inner[end + 1..];
                expect_key = false;
            } else if let Some(after) = rest.strip_prefix('.') {
                if expect_key {
                    return None;
                }
                rest = after;
                expect_key = true;
            } else {
                if !expect_key {
                    return None;
                }
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                if end == 0 {
                    return None;
                }
                segments.push(Segment::Key(rest[..end].to_owned()));
                rest = &rest[end..];
                expect_key = false;
            }
        }
        if expect_key && !segments.is_empty() {
            return None;
        }
        Some(Self(segments))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if key.contains(['.', '[', ']', '"']) || key.is_empty() => {
                    write!(f, "[\"{key}\"]")?;
                }
                Segment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A node of the document and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Bytes of the node's own text: a scalar as written (with quotes), a flow collection
    /// from its opening to its closing bracket, a block collection from its first key or
    /// dash to the end of its last content.
    pub span: Range<usize>,
    /// 1-based line of the node's start.
    pub line: usize,
    /// 1-based column of the node's start, in characters.
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar: its value after escapes, and how it was written. An empty value
    /// (`key:`) is a plain scalar with an empty span.
    Scalar(String, ScalarStyle),
    Mapping(Vec<Entry>, StructureStyle),
    Sequence(Vec<Node>, StructureStyle),
    /// An alias (`*name`): korral does not edit through aliases.
    Alias,
}

/// A mapping entry: its key node (a scalar) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_node: Node,
    pub value: Node,
}

/// A YAML syntax error: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Node {
    /// The node at `path`, if the document has it.
    pub fn get(&self, path: &FieldPath) -> Option<&Node> {
        let mut node = self;
        for segment in &path.0 {
            node = node.child(segment)?;
        }
        Some(node)
    }

    /// The direct child at `segment`.
    pub fn child(&self, segment: &Segment) -> Option<&Node> {
        match (&self.value, segment) {
            (Value::Mapping(entries, _), Segment::Key(key)) => entries
                .iter()
                .find(|entry| entry.key == *key)
                .map(|entry| &entry.value),
            (Value::Sequence(items, _), Segment::Index(index)) => items.get(*index),
            _ => None,
        }
    }

    /// The mapping entry at `path` (its last segment a key), with its key's position.
    pub fn entry(&self, path: &FieldPath) -> Option<&Entry> {
        let (last, parent) = path.0.split_last()?;
        let Segment::Key(key) = last else {
            return None;
        };
        match &self.get(&FieldPath(parent.to_vec()))?.value {
            Value::Mapping(entries, _) => entries.iter().find(|entry| entry.key == *key),
            _ => None,
        }
    }

    /// Where to point a diagnostic about `path`: the line and column of the field's key
    /// when it is a mapping entry, of the item when it is a sequence item; for a field
    /// the document does not have, the nearest enclosing one that it has.
    pub fn locate(&self, path: &FieldPath) -> (usize, usize) {
        let mut len = path.0.len();
        loop {
            let prefix = FieldPath(path.0[..len].to_vec());
            if let Some(entry) = self.entry(&prefix) {
                return (entry.key_node.line, entry.key_node.column);
            }
            if let Some(node) = self.get(&prefix) {
                return (node.line, node.column);
            }
            if len == 0 {
                return (self.line, self.column);
            }
            len -= 1;
        }
    }

    /// Where the value at `path` is (rather than its key): for a value that is wrong.
    pub fn locate_value(&self, path: &FieldPath) -> (usize, usize) {
        match self.get(path) {
            Some(node) if !node.span.is_empty() => (node.line, node.column),
            _ => self.locate(path),
        }
    }

    /// The path of the deepest mapping entry or sequence item that holds byte `offset`
    /// (its key or its value); `None` when only the root does.
    pub fn path_at(&self, offset: usize) -> Option<FieldPath> {
        let mut node = self;
        let mut path = FieldPath::root();
        loop {
            let next = match &node.value {
                Value::Mapping(entries, _) => entries.iter().find_map(|entry| {
                    let end = entry.value.span.end.max(entry.key_node.span.end);
                    (entry.key_node.span.start <= offset && offset <= end)
                        .then(|| (Segment::Key(entry.key.clone()), &entry.value))
                }),
                Value::Sequence(items, _) => items.iter().enumerate().find_map(|(index, item)| {
                    (item.span.start <= offset && offset <= item.span.end)
                        .then_some((Segment::Index(index), item))
                }),
                _ => None,
            };
            match next {
                Some((segment, child)) => {
                    path.0.push(segment);
                    node = child;
                }
                None => return (!path.0.is_empty()).then_some(path),
            }
        }
    }

    /// The scalar text, if this is a scalar.
    pub fn as_scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text, _) => Some(text),
            _ => None,
        }
    }

    /// Whether this is an empty value (`key:` with nothing after it, or `~`/`null`).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(text, ScalarStyle::Plain)
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

/// Parses the first document of `text`. `Ok(None)` for a text without content.
pub fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut builder = Builder {
        text,
        stack: Vec::new(),
        root: None,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| SyntaxError {
            line: err.marker().line(),
            column: err.marker().col() + 1,
            message: err.info(),
        })?;
        match event {
            Event::DocumentEnd => break,
            Event::Scalar(value, style, _, _) => {
                let node = builder.node(Value::Scalar(value.into_owned(), style), span);
                builder.push(node);
            }
            Event::Alias(_) | Event::UnresolvedAlias(_) => {
                let node = builder.node(Value::Alias, span);
                builder.push(node);
            }
            Event::MappingStart(style, _, _) => {
                let node = builder.node(Value::Mapping(Vec::new(), style), span);
                builder.stack.push(Open { node, key: None });
            }
            Event::SequenceStart(style, _, _) => {
                let node = builder.node(Value::Sequence(Vec::new(), style), span);
                builder.stack.push(Open { node, key: None });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(Open { mut node, .. }) = builder.stack.pop() else {
                    continue;
                };
                let flow = matches!(
                    node.value,
                    Value::Mapping(_, StructureStyle::Flow)
                        | Value::Sequence(_, StructureStyle::Flow)
                );
                if flow {
                    node.span.end = builder.byte(span.end);
                } else {
                    node.span.end = content_end(&node).max(node.span.start);
                }
                builder.push(node);
            }
            _ => {}
        }
    }
    Ok(builder.root)
}

/// The end of the last content of a block collection (its last scalar or bracket).
fn content_end(node: &Node) -> usize {
    match &node.value {
        Value::Mapping(entries, StructureStyle::Block) => {
            entries.last().map_or(node.span.start, |entry| {
                if entry.value.span.is_empty() {
                    entry.key_node.span.end
                } else {
                    entry.value.span.end
                }
            })
        }
        Value::Sequence(items, StructureStyle::Block) => items
            .last()
            .map_or(node.span.start, |item| item.span.end.max(node.span.start)),
        _ => node.span.end,
    }
}

struct Open {
    node: Node,
    /// A mapping's key read, waiting for its value.
    key: Option<Node>,
}

struct Builder<'a> {
    text: &'a str,
    stack: Vec<Open>,
    root: Option<Node>,
}

impl Builder<'_> {
    fn byte(&self, marker: granit_parser::Marker) -> usize {
        // `new_from_str` always records byte offsets.
        marker.byte_offset().unwrap_or(self.text.len())
    }

    fn node(&self, value: Value, span: Span) -> Node {
        Node {
            value,
            span: self.byte(span.start)..self.byte(span.end),
            line: span.start.line(),
            column: span.start.col() + 1,
        }
    }

    fn push(&mut self, node: Node) {
        let Some(open) = self.stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(node);
            }
            return;
        };
        match &mut open.node.value {
            Value::Sequence(items, _) => items.push(node),
            Value::Mapping(entries, _) => match open.key.take() {
                None => open.key = Some(node),
                Some(key_node) => {
                    let key = key_node.as_scalar().unwrap_or_default().to_owned();
                    entries.push(Entry {
                        key,
                        key_node,
                        value: node,
                    });
                }
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "a: 1 # note\nb:\n  - name: x\n    v: { p: 1, q: [1, 2] }\n  - name: y\n    empty:\nc: \"q\"\n";

    fn path(text: &str) -> FieldPath {
        FieldPath::parse(text).unwrap()
    }

    #[test]
    fn nodes_know_their_lines_and_bytes() {
        let root = parse(TEXT).unwrap().unwrap();
        let q = root.get(&path("b[0].v.q")).unwrap();
        assert_eq!(&TEXT[q.span.clone()], "[1, 2]");
        assert_eq!((q.line, q.column), (4, 19));
        let v = root.get(&path("b[0].v")).unwrap();
        assert_eq!(&TEXT[v.span.clone()], "{ p: 1, q: [1, 2] }");
        let item = root.get(&path("b[0]")).unwrap();
        assert_eq!(
            &TEXT[item.span.clone()],
            "name: x\n    v: { p: 1, q: [1, 2] }"
        );
        assert!(root.get(&path("b[1].empty")).unwrap().is_null());
        assert_eq!(root.get(&path("c")).unwrap().as_scalar(), Some("q"));
        assert_eq!(root.locate(&path("b[1].name")), (5, 5));
        assert_eq!(root.locate(&path("b[1].missing.deeper")), (5, 5));
        assert_eq!(root.locate_value(&path("b[1].name")), (5, 11));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.line >= 1, "{err:?}");
        assert!(!err.message.is_empty());
    }

    #[test]
    fn paths_parse_and_print() {
        for text in [
            "spec.nodes[1].address",
            "labels[\"korral.io/gpu\"]",
            "a",
            "",
        ] {
            assert_eq!(path(text).to_string(), text);
        }
        assert_eq!(
            path("labels[\"korral.io/gpu\"]").0,
            vec![
                Segment::Key("labels".into()),
                Segment::Key("korral.io/gpu".into())
            ]
        );
        for bad in ["a..b", ".a", "a.", "a[x]", "a[\"b\"", "a[1]b"] {
            assert_eq!(FieldPath::parse(bad), None, "{bad}");
        }
    }
}
