use crate::api::Applied;
use crate::manifest::ObjectId;

/// What the engine reports while it works, for a face (CLI, server, TUI) to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Something the user should know (`revision 3 was interrupted; taking over`).
    Note(String),
    /// A wave starts (only reported when there are several).
    Wave(i64),
    /// An object was applied (or would be, in a dry run).
    Applied {
        /// The object.
        id: ObjectId,
        /// What the apply did.
        applied: Applied,
    },
    /// An object is not ready yet; sent when its message changes.
    Waiting {
        /// The object.
        id: ObjectId,
        /// Why (`1 of 3 updated replicas are available`).
        message: String,
    },
    /// An object is failing; it fails the deploy if it still is after the grace period.
    Failing {
        /// The object.
        id: ObjectId,
        /// Why (`pod shop/web-5d9c-x2x4q: ImagePullBackOff: …`).
        message: String,
    },
    /// An object is ready.
    Ready {
        /// The object.
        id: ObjectId,
    },
    /// An object was deleted: pruned, undeployed, or rolled back away.
    Deleted {
        /// The object.
        id: ObjectId,
    },
    /// An object was kept that a prune would delete (a CustomResourceDefinition).
    Kept {
        /// The object.
        id: ObjectId,
        /// Why, and how to delete it.
        reason: String,
    },
}

/// Receives [`Event`]s.
pub trait Progress: Send {
    /// One event.
    fn event(&mut self, event: Event);
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Progress for Quiet {
    fn event(&mut self, _: Event) {}
}

impl Progress for Vec<Event> {
    fn event(&mut self, event: Event) {
        self.push(event);
    }
}
