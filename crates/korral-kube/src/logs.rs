//! Container logs (`pods/log`), as lines.

use futures::Stream;
use kube::api::LogParams;

use crate::body::LongLines;
use crate::client::Client;
use crate::error::{Action, Result};
use crate::limits::MAX_LOG_LINE_BYTES;

/// Which lines of a container's log to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// The container; required when the pod has several.
    pub container: Option<String>,
    /// Keep the stream open and yield lines as they are written.
    pub follow: bool,
    /// Only the last N lines.
    pub tail_lines: Option<i64>,
    /// Only lines newer than this many seconds.
    pub since_seconds: Option<i64>,
    /// Prefix each line with its RFC 3339 timestamp, as the kubelet records it.
    pub timestamps: bool,
}

/// The lines of one container's log. With `follow`, the stream stays open until the
/// container stops or the connection drops: a followed log may be silent for hours,
/// so only the start of the answer is timed (the request timeout). Without `follow`,
/// the server may be silent at most [`Limits::idle_timeout`](crate::Limits). A line
/// longer than 1 MiB is cut into 1 MiB lines.
pub async fn log_lines(
    client: &Client,
    namespace: &str,
    pod: &str,
    options: &LogOptions,
) -> Result<impl Stream<Item = Result<String>> + Send + 'static> {
    let params = LogParams {
        container: options.container.clone(),
        follow: options.follow,
        tail_lines: options.tail_lines,
        since_seconds: options.since_seconds,
        timestamps: options.timestamps,
        ..LogParams::default()
    };
    let action = Action {
        verb: "read the log of",
        resource: "pods/log",
        namespace: Some(namespace),
    };
    let request = kube::core::Request::new(format!("/api/v1/namespaces/{namespace}/pods"))
        .logs(pod, &params)
        .map_err(|e| client.target().response_error(&action, e.to_string()))?;
    let idle = (!options.follow).then_some(client.limits().idle_timeout);
    let lines = client
        .send_lines(request, &action, MAX_LOG_LINE_BYTES, LongLines::Split, idle)
        .await?;
    let client = client.clone();
    let namespace = namespace.to_owned();
    Ok(futures::stream::unfold(Some(lines), move |lines| {
        let client = client.clone();
        let namespace = namespace.clone();
        async move {
            let mut lines = lines?;
            let action = Action {
                verb: "read the log of",
                resource: "pods/log",
                namespace: Some(&namespace),
            };
            match lines.next_line().await? {
                Ok(mut line) => {
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    let text = String::from_utf8_lossy(&line).into_owned();
                    Some((Ok(text), Some(lines)))
                }
                // The error ends the stream.
                Err(err) => Some((Err(client.body_error(&action, err)), None)),
            }
        }
    }))
}
