//! The changes gathered for one transaction.

use std::collections::HashMap;

use jiff::Timestamp;
use korral_core::Object;
use korral_store::{Change, ChangeKind};

/// Changes and events to write together, and the bookmark each resource reaches.
#[derive(Default)]
pub(super) struct Batch {
    pub changes: Vec<Change>,
    /// Events (kept out of object history), with their change.
    pub events: Vec<(ChangeKind, Object)>,
    marks: HashMap<String, String>,
}

impl Batch {
    /// Adds one watch event of the resource whose bookmark key is `key`.
    pub fn push(&mut self, key: &str, kind: ChangeKind, object: Object) {
        if let Some(rv) = object.metadata().resource_version.as_deref() {
            self.marks.insert(key.to_owned(), rv.to_owned());
        }
        if object.group().is_empty() && object.kind() == "Event" {
            self.events.push((kind, object));
        } else {
            self.changes.push(Change {
                kind,
                object,
                at: Timestamp::now(),
            });
        }
    }

    pub fn len(&self) -> usize {
        self.changes.len() + self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0 && self.marks.is_empty()
    }

    /// The bookmarks, as the store takes them.
    pub fn marks(&self) -> Vec<(String, String)> {
        self.marks
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub fn clear(&mut self) {
        self.changes.clear();
        self.events.clear();
        self.marks.clear();
    }
}
