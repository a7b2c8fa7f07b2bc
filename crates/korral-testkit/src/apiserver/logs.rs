//! Container logs: a buffer per container that tests append to, served as
//! `pods/log` serves a kubelet's logs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::response::Response;
use serde_json::Value;
use tokio::sync::mpsc;

use super::error::ApiError;
use super::server::{Params, Shared, streaming_response};
use crate::synth::timestamp;

/// One line as a container wrote it.
#[derive(Debug, Clone)]
pub(crate) struct LogLine {
    secs: i64,
    nanos: u32,
    text: String,
}

impl LogLine {
    pub fn now(text: &str) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            secs: now.as_secs() as i64,
            nanos: now.subsec_nanos(),
            text: text.trim_end_matches('\n').to_owned(),
        }
    }

    /// The line as `pods/log` prints it, with `timestamps=true` an RFC 3339 time with
    /// nanoseconds first.
    fn render(&self, timestamps: bool) -> String {
        if timestamps {
            let base = timestamp(self.secs);
            let base = base.trim_end_matches('Z');
            format!("{base}.{:09}Z {}\n", self.nanos, self.text)
        } else {
            format!("{}\n", self.text)
        }
    }
}

/// `(namespace, pod, container)` to lines.
pub(crate) type Logs = HashMap<(String, String, String), Vec<LogLine>>;

#[derive(Debug)]
struct LogRequest {
    key: (String, String, String),
    tail: Option<usize>,
    since_secs: Option<i64>,
    timestamps: bool,
    follow: bool,
    limit_bytes: Option<usize>,
}

/// The container a log request names, checked against the pod as the real server does.
fn container(pod: &Value, name: &str, asked: Option<&str>) -> Result<String, ApiError> {
    let names = |field: &str| -> Vec<String> {
        pod.pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c.get("name").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let containers = names("containers");
    let init = names("initContainers");
    match asked {
        Some(c) if containers.iter().chain(&init).any(|n| n == c) => Ok(c.to_owned()),
        Some(c) => Err(ApiError::bad_request(format!(
            "container {c} is not valid for pod {name}"
        ))),
        None if containers.len() == 1 => Ok(containers[0].clone()),
        None => {
            let mut message = format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            );
            if !init.is_empty() {
                message.push_str(" or one of the init containers: [");
                message.push_str(&init.join(" "));
                message.push(']');
            }
            Err(ApiError::bad_request(message))
        }
    }
}

/// `GET /api/v1/namespaces/{ns}/pods/{name}/log`.
pub(crate) fn serve(
    shared: &Arc<Shared>,
    ns: &str,
    pod_name: &str,
    pod: &Value,
    params: &Params,
) -> Result<Response, ApiError> {
    let container = container(pod, pod_name, params.get("container"))?;
    let number = |key: &str| -> Result<Option<i64>, ApiError> {
        params
            .get(key)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| ApiError::bad_request(format!("invalid {key}: `{v}`")))
            })
            .transpose()
    };
    let request = LogRequest {
        key: (ns.to_owned(), pod_name.to_owned(), container),
        tail: number("tailLines")?.map(|n| n.max(0) as usize),
        since_secs: number("sinceSeconds")?,
        timestamps: params.flag("timestamps"),
        follow: params.flag("follow"),
        limit_bytes: number("limitBytes")?.map(|n| n.max(0) as usize),
    };
    let (backlog, seen) = {
        let logs = shared.logs();
        let lines = logs
            .get(&request.key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let cutoff = request.since_secs.map(|s| super::store::now_secs() - s);
        let selected: Vec<&LogLine> = lines
            .iter()
            .filter(|l| cutoff.is_none_or(|c| l.secs >= c))
            .collect();
        let start = request.tail.map_or(0, |t| selected.len().saturating_sub(t));
        let mut text = String::new();
        for line in &selected[start..] {
            text.push_str(&line.render(request.timestamps));
        }
        (text, lines.len())
    };
    let mut backlog = backlog;
    if let Some(limit) = request.limit_bytes
        && backlog.len() > limit
    {
        let mut cut = limit;
        while !backlog.is_char_boundary(cut) {
            cut -= 1;
        }
        backlog.truncate(cut);
    }
    if !request.follow {
        return Ok(Response::builder()
            .header("content-type", "text/plain")
            .body(Body::from(backlog))
            .expect("a valid response"));
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    let shared = Arc::clone(shared);
    tokio::spawn(follow(shared, request, backlog, seen, tx));
    Ok(streaming_response("text/plain", rx))
}

/// Streams the backlog, then every line appended, until the pod is gone, the client
/// leaves, or the test drops streams.
async fn follow(
    shared: Arc<Shared>,
    request: LogRequest,
    backlog: String,
    mut seen: usize,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let mut changed = shared.logs_changed.subscribe();
    let mut dropped = shared.dropped.subscribe();
    dropped.borrow_and_update();
    if !backlog.is_empty() && tx.send(Ok(Bytes::from(backlog))).await.is_err() {
        return;
    }
    loop {
        changed.borrow_and_update();
        let fresh: String = {
            let logs = shared.logs();
            let lines = logs
                .get(&request.key)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let text = lines
                .iter()
                .skip(seen)
                .map(|l| l.render(request.timestamps))
                .collect();
            seen = lines.len();
            text
        };
        if !fresh.is_empty() && tx.send(Ok(Bytes::from(fresh))).await.is_err() {
            return;
        }
        let pod_gone = {
            let store = shared.store();
            let pods = store.registry.by_plural("", "v1", "pods").cloned();
            pods.is_none_or(|t| store.get(&t, &request.key.0, &request.key.1).is_none())
        };
        if pod_gone {
            return;
        }
        tokio::select! {
            _ = changed.changed() => {}
            // The pod may be deleted without a log line: look again now and then.
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
            _ = dropped.changed() => {
                let _ = tx.send(Err(std::io::Error::other("stream dropped by the test"))).await;
                return;
            }
            () = tx.closed() => return,
        }
    }
}
