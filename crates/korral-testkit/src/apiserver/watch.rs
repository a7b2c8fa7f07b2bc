//! Watches: newline-delimited JSON events over a chunked response, resumed from the
//! history, with bookmarks, timeouts and 410 Gone for a resourceVersion too old.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::response::Response;
use tokio::sync::mpsc;

use super::error::ApiError;
use super::filter::Filter;
use super::resources::{ResourceKey, ResourceType};
use super::server::{Params, Shape, Shared, render, streaming_response};
use super::store::{Entry, Event, EventType};

/// What one watch sends.
struct Watch {
    resource: ResourceKey,
    t: ResourceType,
    kind: String,
    api_version: String,
    namespace: Option<String>,
    filter: Filter,
    shape: Shape,
    bookmarks: bool,
}

impl Watch {
    fn line(&self, kind: &str, entry: &Entry) -> String {
        format!(
            "{{\"type\":\"{kind}\",\"object\":{}}}\n",
            render(entry, &self.t, &self.api_version, self.shape)
        )
    }

    fn bookmark(&self, rv: u64, initial_events_end: bool) -> String {
        let annotations = if initial_events_end {
            ",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}"
        } else {
            ""
        };
        format!(
            "{{\"type\":\"BOOKMARK\",\"object\":{{\"kind\":\"{}\",\"apiVersion\":\"{}\",\"metadata\":{{\"resourceVersion\":\"{rv}\"{annotations}}}}}}}\n",
            self.kind, self.api_version
        )
    }

    /// The line an event makes for this watch, if any: an object entering the
    /// selection is ADDED, one leaving it DELETED.
    fn event(&self, event: &Event) -> Option<String> {
        if event.resource != self.resource
            || self
                .namespace
                .as_deref()
                .is_some_and(|ns| ns != event.namespace)
        {
            return None;
        }
        let now = event.entry.matches(&self.filter);
        let before = event.prev.as_ref().is_some_and(|p| p.matches(&self.filter));
        let kind = match event.kind {
            EventType::Added if now => EventType::Added,
            EventType::Deleted if before || now => EventType::Deleted,
            EventType::Modified => match (before, now) {
                (true, true) => EventType::Modified,
                (false, true) => EventType::Added,
                (true, false) => EventType::Deleted,
                (false, false) => return None,
            },
            _ => return None,
        };
        Some(self.line(kind.as_str(), &event.entry))
    }
}

fn expired_line(rv: u64, oldest: u64) -> String {
    let status =
        ApiError::expired(format!("too old resource version: {rv} ({oldest})")).to_status();
    format!("{{\"type\":\"ERROR\",\"object\":{status}}}\n")
}

pub(crate) fn serve(
    shared: &Arc<Shared>,
    t: &ResourceType,
    api_version: String,
    namespace: Option<&str>,
    filter: Filter,
    params: &Params,
    shape: Shape,
) -> Result<Response, ApiError> {
    let watch = Watch {
        resource: t.key(),
        t: t.clone(),
        kind: t.kind.clone(),
        api_version,
        namespace: namespace.map(str::to_owned),
        filter,
        shape,
        bookmarks: params.flag("allowWatchBookmarks"),
    };
    let timeout = match params.get("timeoutSeconds") {
        Some(s) => Some(Duration::from_secs(s.parse().map_err(|_| {
            ApiError::bad_request(format!("invalid timeoutSeconds: `{s}`"))
        })?)),
        None => shared.options.watch_timeout,
    };
    let send_initial = params.flag("sendInitialEvents");
    let requested = match params.get("resourceVersion").filter(|rv| !rv.is_empty()) {
        Some(rv) => Some(
            rv.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion: `{rv}`")))?,
        ),
        None => None,
    };
    let mut first = String::new();
    let cursor = {
        let store = shared.store();
        let snapshot = requested.is_none_or(|rv| rv == 0) || send_initial;
        match requested {
            Some(rv) if rv != 0 && !send_initial && rv < store.compacted => {
                // The real server answers 200 and sends the error as an event.
                first.push_str(&expired_line(rv, store.compacted));
                None
            }
            _ => {
                if snapshot && let Some(table) = store.table(t) {
                    for ((ns, _), entry) in table {
                        if watch.namespace.as_deref().is_none_or(|want| want == ns)
                            && entry.matches(&watch.filter)
                        {
                            first.push_str(&watch.line("ADDED", entry));
                        }
                    }
                }
                let cursor = if snapshot {
                    store.rv
                } else {
                    requested.unwrap_or(store.rv)
                };
                if send_initial {
                    first.push_str(&watch.bookmark(cursor, true));
                }
                Some(cursor)
            }
        }
    };
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(256);
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        if !first.is_empty() && tx.send(Ok(Bytes::from(first))).await.is_err() {
            return;
        }
        if let Some(cursor) = cursor {
            stream(shared, watch, cursor, timeout, tx).await;
        }
    });
    Ok(streaming_response("application/json", rx))
}

async fn stream(
    shared: Arc<Shared>,
    watch: Watch,
    mut cursor: u64,
    timeout: Option<Duration>,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let mut changed = shared.changed.subscribe();
    let mut dropped = shared.dropped.subscribe();
    dropped.borrow_and_update();
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let interval = shared.options.bookmark_interval;
    let mut bookmark = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        changed.borrow_and_update();
        let lines = {
            let store = shared.store();
            cursor = store.carry_on(cursor);
            match store.events_after(cursor) {
                Some(events) => {
                    let text: String = events.filter_map(|e| watch.event(e)).collect();
                    cursor = store.rv;
                    Ok(text)
                }
                None => Err(expired_line(cursor, store.compacted)),
            }
        };
        match lines {
            Ok(text) if text.is_empty() => {}
            Ok(text) => {
                if tx.send(Ok(Bytes::from(text))).await.is_err() {
                    return;
                }
            }
            Err(error) => {
                let _ = tx.send(Ok(Bytes::from(error))).await;
                return;
            }
        }
        let until_deadline = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = changed.changed() => {}
            _ = bookmark.tick() => {
                if watch.bookmarks && tx.send(Ok(Bytes::from(watch.bookmark(cursor, false)))).await.is_err() {
                    return;
                }
            }
            () = until_deadline => return,
            _ = dropped.changed() => {
                let _ = tx.send(Err(std::io::Error::other("watch dropped by the test"))).await;
                return;
            }
            () = tx.closed() => return,
        }
    }
}
