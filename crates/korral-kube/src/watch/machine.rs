//! The watch's decisions, as a pure state machine: given what just happened (a list
//! page, an event, an error), what to emit, what to do next and how long to wait.
//! The driver in `watch.rs` does the I/O; everything that could miss or repeat a
//! change is decided here and tested without a server (as kube-rs's watcher is).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use korral_core::Object;

use super::WatchEvent;
use crate::error::{Action as RequestAction, Error, Target};

/// The first wait after a failure.
pub(crate) const BACKOFF_INITIAL: Duration = Duration::from_millis(100);
/// The longest wait: failures double the wait up to this.
pub(crate) const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Exponential backoff: 100 ms doubling to 30 s, back to 100 ms after a success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            next: BACKOFF_INITIAL,
        }
    }
}

impl Backoff {
    /// The wait after one more failure.
    pub(crate) fn fail(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(BACKOFF_MAX);
        wait
    }

    /// A success: the next failure waits the shortest time again.
    pub(crate) fn reset(&mut self) {
        self.next = BACKOFF_INITIAL;
    }
}

/// Where the watch stands.
#[derive(Debug)]
pub(crate) enum State {
    /// Listing, at first or after the server forgot our resourceVersion (410): the
    /// pages read so far.
    Listing {
        continue_token: Option<String>,
        items: Vec<Object>,
    },
    /// A resourceVersion is known; the next step opens a watch from it.
    Resuming { resource_version: String },
    /// A watch is open. `delivered` says whether it has delivered anything yet.
    Watching {
        resource_version: String,
        delivered: bool,
    },
    /// A permanent error was reported; the stream ends.
    Done,
}

/// What the driver should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Fetch a page of the list.
    ListPage { continue_token: Option<String> },
    /// Open a watch from this resourceVersion.
    OpenWatch { resource_version: String },
    /// Read the next event of the open watch.
    ReadEvent,
    /// End the stream.
    Stop,
}

/// How a failed request should be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// 410 Gone: the resourceVersion or continue token is too old; list again.
    Gone,
    /// Worth retrying after a wait: the connection, a 5xx, 429.
    Transient,
    /// Retrying will not help: 401, 403, 404, a bad request.
    Permanent,
}

impl FailureKind {
    /// Sorts an error.
    pub(crate) fn of(err: &Error) -> Self {
        match err {
            Error::Api { code: 410, .. } => Self::Gone,
            Error::Unreachable { .. }
            | Error::WatchInterrupted { .. }
            | Error::Response { .. }
            | Error::Api {
                code: 0 | 408 | 429 | 500..,
                ..
            } => Self::Transient,
            _ => Self::Permanent,
        }
    }
}

/// A watch event as the server sends it.
#[derive(Debug)]
pub(crate) enum RawEvent {
    Added(Object),
    Modified(Object),
    Deleted(Object),
    /// A bookmark: nothing changed up to this resourceVersion.
    Bookmark(String),
    /// An `ERROR` event, carrying a Status.
    Error {
        code: u16,
        reason: String,
        error: Error,
    },
}

/// What just happened.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A list page arrived.
    Page {
        items: Vec<Object>,
        resource_version: Option<String>,
        continue_token: Option<String>,
    },
    /// The watch request was accepted.
    Opened,
    /// The open watch delivered an event.
    Event(RawEvent),
    /// The server closed the watch (its timeout): resume.
    Ended,
    /// A request failed, or the connection broke.
    Failed(Error),
}

/// What to do about it.
#[derive(Debug, Default)]
pub(crate) struct Step {
    /// What the stream yields, if anything.
    pub(crate) emit: Option<Result<WatchEvent, Error>>,
    /// How long to wait before the next action.
    pub(crate) wait: Option<Duration>,
}

impl Step {
    fn event(event: WatchEvent) -> Self {
        Self {
            emit: Some(Ok(event)),
            wait: None,
        }
    }
}

/// The watch: its state, its backoff and what it knows of the objects.
#[derive(Debug)]
pub(crate) struct Machine {
    pub(crate) state: State,
    /// Who is watched what, for messages.
    target: Target,
    resource: String,
    backoff: Backoff,
    known: Known,
}

impl Machine {
    /// Starts from `resource_version` when given (no list: the consumer already has
    /// the objects), else with a list whose result is the first event, `Restarted`.
    pub(crate) fn new(target: Target, resource: String, resource_version: Option<String>) -> Self {
        let state = match resource_version.filter(|rv| !rv.is_empty()) {
            Some(resource_version) => State::Resuming { resource_version },
            None => State::Listing {
                continue_token: None,
                items: Vec::new(),
            },
        };
        Self {
            state,
            target,
            resource,
            backoff: Backoff::default(),
            known: Known::default(),
        }
    }

    /// The next thing to do.
    pub(crate) fn action(&self) -> Action {
        match &self.state {
            State::Listing { continue_token, .. } => Action::ListPage {
                continue_token: continue_token.clone(),
            },
            State::Resuming { resource_version } => Action::OpenWatch {
                resource_version: resource_version.clone(),
            },
            State::Watching { .. } => Action::ReadEvent,
            State::Done => Action::Stop,
        }
    }

    /// Takes in what happened; says what to emit and how long to wait.
    pub(crate) fn on(&mut self, outcome: Outcome) -> Step {
        let state = std::mem::replace(&mut self.state, State::Done);
        let (state, step) = self.transition(state, outcome);
        self.state = state;
        step
    }

    fn transition(&mut self, state: State, outcome: Outcome) -> (State, Step) {
        match (state, outcome) {
            (State::Done, _) => (State::Done, Step::default()),
            (state, Outcome::Failed(err)) => self.on_failure(state, err),
            (
                State::Listing { items, .. },
                Outcome::Page {
                    items: page,
                    resource_version,
                    continue_token,
                },
            ) => self.on_page(items, page, resource_version, continue_token),
            (State::Resuming { resource_version }, Outcome::Opened) => (
                State::Watching {
                    resource_version,
                    delivered: false,
                },
                Step::default(),
            ),
            (
                State::Watching {
                    resource_version, ..
                },
                Outcome::Event(event),
            ) => self.on_event(resource_version, event),
            (
                State::Watching {
                    resource_version,
                    delivered,
                },
                Outcome::Ended,
            ) => {
                // A watch that ends having delivered nothing waits before the next
                // one, so a server that closes at once is not hammered.
                let step = if delivered {
                    Step::default()
                } else {
                    self.wait()
                };
                (State::Resuming { resource_version }, step)
            }
            // Outcomes that do not fit the state (a driver bug): keep the state.
            (state, _) => (state, Step::default()),
        }
    }

    /// A failed request or a broken watch: 410 lists again from scratch (the
    /// resourceVersion or continue token is too old), a transient failure retries
    /// from the same place after a wait, anything else ends the stream.
    fn on_failure(&mut self, state: State, err: Error) -> (State, Step) {
        let place = match state {
            State::Watching {
                resource_version, ..
            } => State::Resuming { resource_version },
            other => other,
        };
        match FailureKind::of(&err) {
            FailureKind::Gone => (Self::relist(), self.wait()),
            FailureKind::Transient => (place, self.retry(err)),
            FailureKind::Permanent => (State::Done, Self::fail(err)),
        }
    }

    fn on_page(
        &mut self,
        mut items: Vec<Object>,
        page: Vec<Object>,
        resource_version: Option<String>,
        continue_token: Option<String>,
    ) -> (State, Step) {
        self.backoff.reset();
        items.extend(page);
        match (continue_token, resource_version) {
            (Some(token), _) => (
                State::Listing {
                    continue_token: Some(token),
                    items,
                },
                Step::default(),
            ),
            (None, Some(resource_version)) => {
                self.known.replace(&items);
                (
                    State::Resuming { resource_version },
                    Step::event(WatchEvent::Restarted(items)),
                )
            }
            // A list without a resourceVersion cannot be watched from.
            (None, None) => {
                let action = RequestAction {
                    verb: "list",
                    resource: &self.resource,
                    namespace: None,
                };
                let message = "the list has no `metadata.resourceVersion` to watch from";
                let err = self.target.response_error(&action, message.to_owned());
                (State::Done, Self::fail(err))
            }
        }
    }

    fn on_event(&mut self, resource_version: String, event: RawEvent) -> (State, Step) {
        let watching = |resource_version| State::Watching {
            resource_version,
            delivered: true,
        };
        let was_added = matches!(event, RawEvent::Added(_));
        let (object, deleted) = match event {
            RawEvent::Bookmark(rv) => {
                self.backoff.reset();
                let rv = if rv.is_empty() { resource_version } else { rv };
                return (watching(rv), Step::default());
            }
            RawEvent::Error {
                code,
                reason,
                error,
            } => {
                if code == 410 || reason == "Expired" || reason == "Gone" {
                    return (Self::relist(), self.wait());
                }
                return match FailureKind::of(&error) {
                    FailureKind::Permanent => (State::Done, Self::fail(error)),
                    _ => (State::Resuming { resource_version }, self.retry(error)),
                };
            }
            RawEvent::Added(o) | RawEvent::Modified(o) => (o, false),
            RawEvent::Deleted(o) => (o, true),
        };
        self.backoff.reset();
        let next_rv = object
            .metadata()
            .resource_version
            .clone()
            .filter(|rv| !rv.is_empty())
            .unwrap_or(resource_version);
        let fresh = if deleted {
            self.known.delete(&object)
        } else {
            self.known.update(&object)
        };
        let step = match (fresh, deleted, was_added) {
            (false, ..) => Step::default(),
            (true, true, _) => Step::event(WatchEvent::Deleted(object)),
            (true, false, true) => Step::event(WatchEvent::Added(object)),
            (true, false, false) => Step::event(WatchEvent::Modified(object)),
        };
        (watching(next_rv), step)
    }

    fn relist() -> State {
        State::Listing {
            continue_token: None,
            items: Vec::new(),
        }
    }

    fn wait(&mut self) -> Step {
        Step {
            emit: None,
            wait: Some(self.backoff.fail()),
        }
    }

    fn retry(&mut self, err: Error) -> Step {
        Step {
            emit: Some(Err(err)),
            wait: Some(self.backoff.fail()),
        }
    }

    fn fail(err: Error) -> Step {
        Step {
            emit: Some(Err(err)),
            wait: None,
        }
    }
}

/// How many deletions are remembered when the watch started without a list (and so
/// cannot tell a repeated deletion by the object's absence).
const TOMBSTONES: usize = 4096;

type Key = (Option<String>, String);

/// The resourceVersion of every object the consumer has been told about, so that
/// an event delivered twice (the same object at the same resourceVersion, as can
/// happen around a reconnect) is passed on once.
#[derive(Debug, Default)]
struct Known {
    versions: HashMap<Key, Option<String>>,
    /// Whether `versions` holds every object (after a list): a deletion of an object
    /// not in it is then a repeat.
    complete: bool,
    /// Without a list: the latest deletions, by key, oldest first.
    tombstones: HashMap<Key, Option<String>>,
    tombstone_order: VecDeque<Key>,
}

impl Known {
    fn key(object: &Object) -> Key {
        (
            object.namespace().map(str::to_owned),
            object.name().to_owned(),
        )
    }

    fn replace(&mut self, objects: &[Object]) {
        self.versions = objects
            .iter()
            .map(|o| (Self::key(o), o.metadata().resource_version.clone()))
            .collect();
        self.complete = true;
        self.tombstones.clear();
        self.tombstone_order.clear();
    }

    /// Records an added or modified object; false when it is a repeat.
    fn update(&mut self, object: &Object) -> bool {
        let rv = object.metadata().resource_version.clone();
        let key = Self::key(object);
        self.tombstones.remove(&key);
        let previous = self.versions.insert(key, rv.clone());
        !(rv.is_some() && previous == Some(rv))
    }

    /// Records a deletion; false when the object was already gone.
    fn delete(&mut self, object: &Object) -> bool {
        let key = Self::key(object);
        let was_known = self.versions.remove(&key).is_some();
        if self.complete {
            return was_known;
        }
        let rv = object.metadata().resource_version.clone();
        if !was_known && rv.is_some() && self.tombstones.get(&key) == Some(&rv) {
            return false;
        }
        if self.tombstones.insert(key.clone(), rv).is_none() {
            self.tombstone_order.push_back(key);
        }
        while self.tombstone_order.len() > TOMBSTONES {
            if let Some(old) = self.tombstone_order.pop_front() {
                self.tombstones.remove(&old);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests;
