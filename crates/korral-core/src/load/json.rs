//! JSON documents: one object, several objects in a stream, a list, or an array.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::{Head, Sink, describe_json_error};
use crate::error::Result;
use crate::object::RawJson;

pub(super) fn read(buf: &Arc<String>, sink: &mut Sink<'_>) -> Result<()> {
    let text: &str = buf;
    let mut lines = LineCounter::new(text);
    let syntax = |sink: &Sink<'_>, err: &serde_json::Error| {
        sink.parse_error(err.line(), err.column(), describe_json_error(err))
    };

    if text.trim_start().starts_with('[') {
        let Items::Array(items) = serde_json::from_str(text).map_err(|err| syntax(sink, &err))?
        else {
            return Err(sink.parse_error(1, 1, "expected an array of Kubernetes objects"));
        };
        for item in items {
            let start = offset_in(text, item.get());
            let raw = RawJson::new(Arc::clone(buf), start, start + item.get().len());
            sink.object(&raw, lines.line_at(start), None)?;
        }
        return Ok(());
    }

    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Head<'_>>();
    loop {
        let before = stream.byte_offset();
        let head = match stream.next() {
            None => return Ok(()),
            Some(Ok(head)) => head,
            Some(Err(err)) => return Err(syntax(sink, &err)),
        };
        let end = stream.byte_offset();
        let start = end - text[before..end].trim_start().len();
        let line = lines.line_at(start);

        if let Some(items) = head.list_items() {
            // A typed list (`PodList`) leaves apiVersion and kind out of its items.
            let item_kind = head.kind.as_deref().and_then(|k| k.strip_suffix("List"));
            let list_type = head.api_version.as_deref().zip(item_kind);
            for &item in items {
                let start = offset_in(text, item.get());
                let raw = RawJson::new(Arc::clone(buf), start, start + item.get().len());
                sink.object(&raw, lines.line_at(start), list_type)?;
            }
        } else {
            let raw = RawJson::new(Arc::clone(buf), start, end);
            let source = crate::Source {
                file: sink.file,
                line: u32::try_from(line).unwrap_or(u32::MAX),
            };
            match head.into_object(raw, source, None) {
                Ok(object) => sink.objects.push(object),
                Err(reason) => sink.not_an_object(line, reason)?,
            }
        }
    }
}

/// Byte offset of `part` inside `whole`; `part` must be a slice of `whole`.
fn offset_in(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// Turns byte offsets into 1-based line numbers, for offsets that only grow.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, offset: usize) -> usize {
        if offset >= self.pos {
            self.line += memchr::memchr_iter(b'\n', &self.bytes[self.pos..offset]).count();
        } else {
            self.line -= memchr::memchr_iter(b'\n', &self.bytes[offset..self.pos]).count();
        }
        self.pos = offset;
        self.line
    }
}

/// A field that holds a list's items: the raw texts of a JSON array's elements, found
/// in the same pass that checks their syntax; anything else is `Other` (a custom
/// resource may well have a field named `items`).
pub(crate) enum Items<'a> {
    Array(Vec<&'a RawValue>),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Items<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ItemsVisitor(PhantomData))
    }
}

struct ItemsVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ItemsVisitor<'a> {
    type Value = Items<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of Kubernetes objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<&'a RawValue>()? {
            items.push(item);
        }
        Ok(Items::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Items::Other)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Items::Other)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Items::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Items::Other)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Items::Other)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Items::Other)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Items::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_counter_moves_both_ways() {
        let text = "a\nb\nc\nd";
        let mut lines = LineCounter::new(text);
        assert_eq!(lines.line_at(0), 1);
        assert_eq!(lines.line_at(4), 3);
        assert_eq!(lines.line_at(2), 2);
        assert_eq!(lines.line_at(6), 4);
    }
}
