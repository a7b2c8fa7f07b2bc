//! Finding the line of a field in the file an object was read from.
//!
//! Objects keep the line they start on; a finding's field path
//! (`spec.template.spec.containers[0].securityContext.privileged`) is looked up in the
//! file's text from there, by indentation for YAML and by a small scanner for JSON.
//! When a field is missing (a check that wants it set), the line of its nearest
//! ancestor that is present is used.

use std::borrow::Cow;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    Key(Cow<'a, str>),
    Index(usize),
}

/// Splits `a.b[0]["c.d"]` into its steps.
pub(crate) fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'.' => i += 1,
            b'[' if bytes.get(i + 1) == Some(&b'"') => {
                let rest = &path[i + 2..];
                let end = rest.find("\"]").unwrap_or(rest.len());
                out.push(Segment::Key(Cow::Borrowed(&rest[..end])));
                i += 2 + end + 2;
            }
            b'[' => {
                let rest = &path[i + 1..];
                let end = rest.find(']').unwrap_or(rest.len());
                if let Ok(n) = rest[..end].parse() {
                    out.push(Segment::Index(n));
                }
                i += 1 + end + 1;
            }
            _ => {
                let rest = &path[i..];
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                out.push(Segment::Key(Cow::Borrowed(&rest[..end])));
                i += end;
            }
        }
    }
    out
}

/// A file's text with its line starts, to turn offsets into lines.
pub(crate) struct Text<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Text<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_iter(text).map(|i| i + 1));
        Self { text, starts }
    }

    fn line_of(&self, offset: usize) -> u32 {
        (self.starts.partition_point(|&s| s <= offset)) as u32
    }

    fn line(&self, index: usize) -> &'a str {
        let start = self.starts[index];
        let end = self
            .starts
            .get(index + 1)
            .map_or(self.text.len(), |&e| e - 1);
        self.text[start..end].trim_end_matches('\r')
    }

    /// The line of `path` in the object starting at 1-based `line`, or `None` when the
    /// object cannot be found there.
    pub fn locate(&self, line: u32, path: &str) -> Option<u32> {
        let index = (line as usize).checked_sub(1)?;
        if index >= self.starts.len() {
            return None;
        }
        let segs = segments(path);
        if self.text.trim_start().starts_with(['{', '[']) {
            self.locate_json(index, &segs)
        } else {
            Some(self.locate_yaml(index, &segs))
        }
    }

    fn locate_json(&self, index: usize, segs: &[Segment<'_>]) -> Option<u32> {
        // The object's `{` is on its first line or just before it.
        let start = self.starts[index];
        let bytes = self.text.as_bytes();
        let open = match bytes[start..].iter().position(|b| !b.is_ascii_whitespace()) {
            Some(p) if bytes[start + p] == b'{' => start + p,
            _ => bytes[..start].iter().rposition(|&b| b == b'{')?,
        };
        let mut scan = Scan { bytes, pos: open };
        let mut found = open;
        for seg in segs {
            match scan.enter(seg) {
                Some(at) => found = at,
                None => break,
            }
        }
        Some(self.line_of(found))
    }

    fn locate_yaml(&self, index: usize, segs: &[Segment<'_>]) -> u32 {
        // The block being searched: lines [from, to), its entries at column `col`; the
        // first line may start with `- ` markers before `col`.
        let first = self.line(index);
        let col = content_col(first);
        let mut to = index + 1;
        while to < self.starts.len() {
            let l = self.line(to);
            if l.starts_with("---") || l.starts_with("...") {
                break;
            }
            if !blank(l) && indent(l) < col {
                break;
            }
            to += 1;
        }
        let mut block = (index, to, col);
        let mut found = index;
        for seg in segs {
            let next = match seg {
                Segment::Key(key) => self.yaml_key(block, key),
                Segment::Index(n) => self.yaml_item(block, *n),
            };
            match next {
                Some((line, inner)) => {
                    found = line;
                    block = inner;
                }
                None => break,
            }
        }
        found as u32 + 1
    }

    /// The line of `key` among the entries of `block`, and the block of its value.
    fn yaml_key(
        &self,
        (from, to, col): (usize, usize, usize),
        key: &str,
    ) -> Option<(usize, (usize, usize, usize))> {
        for i in from..to {
            let l = self.line(i);
            if blank(l) {
                continue;
            }
            let at = if i == from { content_col(l) } else { indent(l) };
            if at != col || i != from && l[col..].starts_with('-') {
                continue;
            }
            let rest = &l[col..];
            let name = key_name(rest)?;
            if name != key {
                continue;
            }
            // The value's block: the lines after, indented more (or a sequence at the
            // same column).
            let mut end = i + 1;
            let mut inner_col = None;
            while end < to {
                let l2 = self.line(end);
                if blank(l2) {
                    end += 1;
                    continue;
                }
                let ind = indent(l2);
                if ind > col
                    || (ind == col && l2[col..].starts_with("- "))
                    || (ind == col && &l2[col..] == "-")
                {
                    inner_col.get_or_insert(ind);
                    end += 1;
                } else {
                    break;
                }
            }
            return Some((i, (i + 1, end, inner_col.unwrap_or(col + 2))));
        }
        None
    }

    /// The line of the `n`th item of the sequence in `block`, and the block of the item.
    fn yaml_item(
        &self,
        (from, to, col): (usize, usize, usize),
        n: usize,
    ) -> Option<(usize, (usize, usize, usize))> {
        let mut seen = 0;
        for i in from..to {
            let l = self.line(i);
            if blank(l) || indent(l) != col || !l[col..].starts_with('-') {
                continue;
            }
            if seen == n {
                let mut end = i + 1;
                while end < to {
                    let l2 = self.line(end);
                    if !blank(l2) && indent(l2) <= col {
                        break;
                    }
                    end += 1;
                }
                return Some((i, (i, end, content_col(l))));
            }
            seen += 1;
        }
        None
    }
}

/// The line of `path` in an object read from JSON, from the object's own text (a slice
/// of the file) and the line that text starts on; the nearest ancestor's line when
/// the field is missing.
pub(crate) fn in_json_object(raw: &str, line: u32, path: &str) -> u32 {
    let bytes = raw.as_bytes();
    let open = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let mut scan = Scan { bytes, pos: open };
    let mut found = open;
    for seg in &segments(path) {
        match scan.enter(seg) {
            Some(at) => found = at,
            None => break,
        }
    }
    let newlines = raw[..found].matches('\n').count();
    line + u32::try_from(newlines).unwrap_or(u32::MAX - line)
}

fn memchr_iter(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i)
}

fn blank(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The column of a line's content after any `- ` sequence markers.
fn content_col(line: &str) -> usize {
    let mut col = indent(line);
    let bytes = line.as_bytes();
    while bytes.get(col) == Some(&b'-') && bytes.get(col + 1).is_some_and(|b| *b == b' ') {
        col += 1;
        while bytes.get(col) == Some(&b' ') {
            col += 1;
        }
    }
    col
}

/// The key of a `key: value` line (quotes removed).
fn key_name(rest: &str) -> Option<&str> {
    let (quoted, body) = match rest.as_bytes().first() {
        Some(q @ (b'"' | b'\'')) => (Some(*q as char), &rest[1..]),
        _ => (None, rest),
    };
    if let Some(q) = quoted {
        return body.find(q).map(|end| &body[..end]);
    }
    let end = body
        .find(": ")
        .or_else(|| body.strip_suffix(':').map(str::len))?;
    Some(body[..end].trim_end())
}

/// A cursor over JSON text that steps into keys and indexes.
struct Scan<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scan<'_> {
    fn ws(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.pos += 1;
        }
    }

    /// Moves into the child `seg` of the value at the cursor; returns the offset of its
    /// key (or item).
    fn enter(&mut self, seg: &Segment<'_>) -> Option<usize> {
        self.ws();
        match (seg, self.bytes.get(self.pos)?) {
            (Segment::Key(key), b'{') => {
                self.pos += 1;
                loop {
                    self.ws();
                    match self.bytes.get(self.pos)? {
                        b',' => {
                            self.pos += 1;
                            continue;
                        }
                        b'"' => {}
                        // `}`: the object ends without the key.
                        _ => return None,
                    }
                    let at = self.pos;
                    let (start, end) = self.string()?;
                    let name = &self.bytes[start..end];
                    self.ws();
                    if self.bytes.get(self.pos) != Some(&b':') {
                        return None;
                    }
                    self.pos += 1;
                    if name == key.as_bytes() {
                        return Some(at);
                    }
                    self.skip()?;
                }
            }
            (Segment::Index(n), b'[') => {
                self.pos += 1;
                let mut i = 0;
                loop {
                    self.ws();
                    match self.bytes.get(self.pos)? {
                        b']' => return None,
                        b',' => {
                            self.pos += 1;
                            continue;
                        }
                        _ => {}
                    }
                    if i == *n {
                        return Some(self.pos);
                    }
                    self.skip()?;
                    i += 1;
                }
            }
            _ => None,
        }
    }

    /// Reads a string; returns the range of its raw bytes (escapes kept).
    fn string(&mut self) -> Option<(usize, usize)> {
        let start = self.pos + 1;
        let mut i = start;
        loop {
            match self.bytes.get(i)? {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        self.pos = i + 1;
        Some((start, i))
    }

    /// Skips one value.
    fn skip(&mut self) -> Option<()> {
        self.ws();
        let mut depth = 0usize;
        loop {
            match self.bytes.get(self.pos)? {
                b'"' => {
                    self.string()?;
                    if depth == 0 {
                        return Some(());
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth == 0 {
                        return Some(());
                    }
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return Some(());
                    }
                }
                b',' if depth == 0 => return Some(()),
                _ => {}
            }
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    a.b/c: x
spec:
  template:
    spec:
      containers:
      - name: a
        image: a
      - name: b
        securityContext:
          privileged: true
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: x
      ports:
        - containerPort: 80
          hostPort: 80
";

    #[test]
    fn paths_split_into_segments() {
        assert_eq!(
            segments("spec.containers[1].x[\"a.b/c\"]"),
            vec![
                Segment::Key("spec".into()),
                Segment::Key("containers".into()),
                Segment::Index(1),
                Segment::Key("x".into()),
                Segment::Key("a.b/c".into()),
            ]
        );
    }

    #[test]
    fn yaml_fields_are_found_by_indentation() {
        let text = Text::new(YAML);
        let at = |path| text.locate(1, path);
        assert_eq!(
            at("spec.template.spec.containers[1].securityContext.privileged"),
            Some(15)
        );
        assert_eq!(at("spec.template.spec.containers[0].image"), Some(12));
        assert_eq!(at("spec.template.spec.containers[1].name"), Some(13));
        assert_eq!(at("metadata.annotations[\"a.b/c\"]"), Some(6));
        // Missing fields point at the nearest ancestor that is there.
        assert_eq!(
            at("spec.template.spec.containers[0].resources.limits"),
            Some(11)
        );
        assert_eq!(
            text.locate(17, "spec.containers[0].ports[0].hostPort"),
            Some(25)
        );
        assert_eq!(text.locate(17, "spec.containers[0].name"), Some(22));
    }

    #[test]
    fn json_fields_are_found_by_scanning() {
        let json = "{\n \"kind\": \"List\",\n \"items\": [\n  {\n   \"kind\": \"Pod\",\n   \"metadata\": {\"name\": \"a\"},\n   \"spec\": {\n    \"containers\": [\n     {\"name\": \"x\", \"image\": \"y\"},\n     {\n      \"name\": \"z\",\n      \"securityContext\": {\"privileged\": true}\n     }\n    ]\n   }\n  }\n ]\n}\n";
        let text = Text::new(json);
        assert_eq!(
            text.locate(5, "spec.containers[1].securityContext.privileged"),
            Some(12)
        );
        assert_eq!(text.locate(5, "spec.containers[0].image"), Some(9));
        assert_eq!(text.locate(5, "spec.hostNetwork"), Some(7));
    }
}
