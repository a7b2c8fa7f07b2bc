//! Watching one resource for changes, without missing or repeating any.

mod machine;

use std::borrow::Cow;
use std::time::Duration;

use futures::Stream;
use korral_core::{FileId, Object, Source};
use kube::api::WatchParams;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::body::{BodyError, Lines, LongLines};
use crate::client::{Body, Client, shorten};
use crate::discovery::Resource;
use crate::error::{Action as RequestAction, Error, Result};
use crate::list::fetch_page;
use machine::{Action, Machine, Outcome, RawEvent};

/// How long the server keeps one watch open before korral reconnects (from the last
/// resourceVersion seen, so nothing is lost). kube's default, under the API server's
/// own limit.
const WATCH_TIMEOUT_SECS: u32 = 290;

/// How long past [`WATCH_TIMEOUT_SECS`] a watch may stay open before korral closes it
/// and resumes: a server that never closes (or trickles a byte at a time) is not
/// listened to forever.
const WATCH_GRACE: Duration = Duration::from_secs(30);

/// Objects per page when the watch lists.
const WATCH_PAGE_SIZE: u32 = 500;

/// A change to the watched resource.
#[derive(Debug, Clone)]
pub enum WatchEvent {
    /// An object was created (or is new to this watch).
    Added(Object),
    /// An object changed.
    Modified(Object),
    /// An object was deleted; this is its last state.
    Deleted(Object),
    /// The full current set of objects, from a list: at the start when no
    /// resourceVersion was given, and whenever the server no longer has the history
    /// to resume from (410 Gone). The consumer replaces what it held with it (diffing
    /// if it wants the changes).
    Restarted(Vec<Object>),
}

/// Watches `resource` (in `namespace`, or everywhere) and yields its changes.
///
/// Starts from `from_resource_version` when given (for a consumer that just listed),
/// else lists first and yields [`WatchEvent::Restarted`]. When the connection drops
/// it resumes from the last resourceVersion seen (bookmarks advance it too); when the
/// server answers 410 Gone it lists again and yields `Restarted`. Failures are
/// retried after a wait that doubles from 100 ms to 30 s (reset by any success), and
/// each failure is also yielded as an `Err` so the consumer can say it is
/// reconnecting. Errors retrying cannot fix (401, 403, 404) are yielded and end the
/// stream.
///
/// Objects' sources point at file 0: build sets with
/// `vec![client.source_name()]` as the file list.
pub fn watch(
    client: &Client,
    resource: &Resource,
    namespace: Option<&str>,
    from_resource_version: Option<String>,
) -> impl Stream<Item = Result<WatchEvent>> + Send + 'static {
    let driver = Driver {
        machine: Machine::new(
            client.target().clone(),
            resource.plural.clone(),
            from_resource_version,
        ),
        client: client.clone(),
        resource: resource.clone(),
        namespace: namespace.filter(|_| resource.namespaced).map(str::to_owned),
        file_name: client.source_name(),
        lines: None,
        wait: None,
    };
    futures::stream::unfold(driver, |mut driver| async move {
        let item = driver.next().await?;
        Some((item, driver))
    })
}

/// Does what the machine decides.
struct Driver {
    machine: Machine,
    client: Client,
    resource: Resource,
    namespace: Option<String>,
    file_name: String,
    /// The open watch's lines, and when korral closes it if the server does not.
    lines: Option<(Lines<Body>, tokio::time::Instant)>,
    wait: Option<Duration>,
}

impl Driver {
    async fn next(&mut self) -> Option<Result<WatchEvent>> {
        loop {
            if let Some(wait) = self.wait.take() {
                tokio::time::sleep(wait).await;
            }
            let outcome = match self.machine.action() {
                Action::Stop => return None,
                Action::ListPage { continue_token } => self.list_page(continue_token).await,
                Action::OpenWatch { resource_version } => self.open(&resource_version).await,
                Action::ReadEvent => self.read().await,
            };
            let step = self.machine.on(outcome);
            if !matches!(self.machine.action(), Action::ReadEvent) {
                self.lines = None;
            }
            self.wait = step.wait;
            if let Some(item) = step.emit {
                return Some(item);
            }
        }
    }

    fn action(&self, verb: &'static str) -> RequestAction<'_> {
        RequestAction {
            verb,
            resource: &self.resource.plural,
            namespace: self.namespace.as_deref(),
        }
    }

    async fn list_page(&mut self, continue_token: Option<String>) -> Outcome {
        match fetch_page(
            &self.client,
            &self.resource,
            self.namespace.as_deref(),
            None,
            WATCH_PAGE_SIZE,
            continue_token,
            &self.file_name,
        )
        .await
        {
            Ok(page) => Outcome::Page {
                items: page.objects,
                resource_version: page.resource_version,
                continue_token: page.continue_token,
            },
            Err(err) => Outcome::Failed(err),
        }
    }

    async fn open(&mut self, resource_version: &str) -> Outcome {
        let params = WatchParams::default().timeout(WATCH_TIMEOUT_SECS);
        let request = kube::core::Request::new(self.resource.path(self.namespace.as_deref()))
            .watch(&params, resource_version);
        let mut request = match request {
            Ok(request) => request,
            Err(e) => {
                return Outcome::Failed(
                    self.client
                        .target()
                        .response_error(&self.action("watch"), e.to_string()),
                );
            }
        };
        // One JSON event per line; compression would only delay them.
        request.headers_mut().insert(
            http::header::ACCEPT_ENCODING,
            http::HeaderValue::from_static("identity"),
        );
        let limits = self.client.limits();
        let opened = self
            .client
            .send_lines(
                request,
                &self.action("watch"),
                limits.max_response_bytes,
                LongLines::Fail,
                Some(limits.idle_timeout),
            )
            .await;
        match opened {
            Ok(lines) => {
                let close_at = tokio::time::Instant::now()
                    + Duration::from_secs(WATCH_TIMEOUT_SECS.into())
                    + WATCH_GRACE;
                self.lines = Some((lines, close_at));
                Outcome::Opened
            }
            Err(err) => Outcome::Failed(err),
        }
    }

    async fn read(&mut self) -> Outcome {
        let Some((lines, close_at)) = self.lines.as_mut() else {
            return Outcome::Ended;
        };
        loop {
            let Ok(next) = tokio::time::timeout_at(*close_at, lines.next_line()).await else {
                // Past the time the server should have closed it: resume.
                return Outcome::Ended;
            };
            match next {
                None => return Outcome::Ended,
                // A connection cut mid-stream: said, then resumed.
                Some(Err(BodyError::Transport(e))) => {
                    return Outcome::Failed(self.interrupted(&innermost(&*e)));
                }
                Some(Err(BodyError::Idle(idle))) => {
                    return Outcome::Failed(self.interrupted(&format!(
                        "the server sent nothing for {}",
                        crate::limits::seconds(idle)
                    )));
                }
                Some(Err(err)) => {
                    return Outcome::Failed(self.client.body_error(&self.action("watch"), err));
                }
                Some(Ok(line)) if line.trim_ascii().is_empty() => {}
                Some(Ok(line)) => {
                    let parsed = std::str::from_utf8(&line)
                        .map_err(|_| "a watch event is not UTF-8".to_owned())
                        .and_then(parse_event);
                    return match parsed {
                        Ok(event) => Outcome::Event(self.event(event)),
                        Err(message) => Outcome::Failed(
                            self.client
                                .target()
                                .response_error(&self.action("watch"), message),
                        ),
                    };
                }
            }
        }
    }

    fn interrupted(&self, reason: &str) -> Error {
        Error::WatchInterrupted {
            resource: self.resource.plural.clone(),
            context: self.client.context().to_owned(),
            reason: korral_core::terminal::escape(reason).into_owned(),
        }
    }

    fn event(&self, event: ParsedEvent) -> RawEvent {
        match event {
            ParsedEvent::Added(o) => RawEvent::Added(o),
            ParsedEvent::Modified(o) => RawEvent::Modified(o),
            ParsedEvent::Deleted(o) => RawEvent::Deleted(o),
            ParsedEvent::Bookmark(rv) => RawEvent::Bookmark(rv),
            ParsedEvent::Error {
                code,
                reason,
                message,
            } => RawEvent::Error {
                error: self
                    .client
                    .target()
                    .status_error(&self.action("watch"), code, &message),
                code,
                reason,
            },
        }
    }
}

/// A watch line, read.
#[derive(Debug)]
enum ParsedEvent {
    Added(Object),
    Modified(Object),
    Deleted(Object),
    Bookmark(String),
    Error {
        code: u16,
        reason: String,
        message: String,
    },
}

/// Reads one line of a watch (`{"type":"ADDED","object":{…}}`) without building a
/// JSON tree: the object stays raw text until korral-core reads its metadata.
fn parse_event(line: &str) -> Result<ParsedEvent, String> {
    #[derive(Deserialize)]
    struct Line<'a> {
        #[serde(rename = "type", borrow)]
        kind: Cow<'a, str>,
        #[serde(borrow)]
        object: &'a RawValue,
    }
    let source = Source {
        file: FileId(0),
        line: 0,
    };
    let Ok(parsed) = serde_json::from_str::<Line<'_>>(line) else {
        // A bare Status instead of an event: the server refused mid-stream.
        return match serde_json::from_str::<StatusIn>(line) {
            Ok(status) if status.kind == "Status" => Ok(status.into_event()),
            _ => Err(format!("cannot read watch event `{}`", shorten(line, 120))),
        };
    };
    let object = |raw: &RawValue| {
        Object::from_json(raw.get(), source).map_err(|e| format!("watch event object: {e}"))
    };
    match parsed.kind.as_ref() {
        "ADDED" => Ok(ParsedEvent::Added(object(parsed.object)?)),
        "MODIFIED" => Ok(ParsedEvent::Modified(object(parsed.object)?)),
        "DELETED" => Ok(ParsedEvent::Deleted(object(parsed.object)?)),
        "BOOKMARK" => {
            #[derive(Deserialize)]
            struct Bookmark {
                metadata: BookmarkMeta,
            }
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct BookmarkMeta {
                #[serde(default)]
                resource_version: String,
            }
            let bookmark: Bookmark = serde_json::from_str(parsed.object.get())
                .map_err(|e| format!("watch bookmark: {e}"))?;
            Ok(ParsedEvent::Bookmark(bookmark.metadata.resource_version))
        }
        "ERROR" => serde_json::from_str::<StatusIn>(parsed.object.get())
            .map(StatusIn::into_event)
            .map_err(|e| format!("watch error event: {e}")),
        other => Err(format!("unknown watch event type `{other}`")),
    }
}

/// The fields of a Status korral reads.
#[derive(Deserialize)]
struct StatusIn {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    code: u16,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
}

impl StatusIn {
    fn into_event(self) -> ParsedEvent {
        ParsedEvent::Error {
            code: self.code,
            reason: self.reason,
            message: self.message,
        }
    }
}

/// The message of the deepest cause of an error.
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_without_a_tree() {
        let added = parse_event(
            r#"{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"x","resourceVersion":"5"}}}"#,
        )
        .unwrap();
        let ParsedEvent::Added(pod) = added else {
            panic!("{added:?}")
        };
        assert_eq!(
            (pod.kind(), pod.name(), pod.namespace()),
            ("Pod", "a", Some("x"))
        );
        assert_eq!(pod.metadata().resource_version.as_deref(), Some("5"));
    }

    #[test]
    fn bookmarks_carry_only_a_resource_version() {
        let event = parse_event(
            r#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"77","annotations":{"k8s.io/initial-events-end":"true"}}}}"#,
        )
        .unwrap();
        assert!(matches!(event, ParsedEvent::Bookmark(rv) if rv == "77"));
    }

    #[test]
    fn error_events_and_bare_statuses_are_errors() {
        let event = parse_event(
            r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#,
        )
        .unwrap();
        assert!(
            matches!(event, ParsedEvent::Error { code: 410, ref reason, .. } if reason == "Expired")
        );
        let bare = parse_event(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"nope","reason":"Forbidden","code":403}"#,
        )
        .unwrap();
        assert!(matches!(bare, ParsedEvent::Error { code: 403, .. }));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse_event("{not json").is_err());
        assert!(parse_event(r#"{"type":"WHAT","object":{}}"#).is_err());
        assert!(parse_event(r#"{"type":"ADDED","object":{"kind":"Pod"}}"#).is_err());
    }
}
