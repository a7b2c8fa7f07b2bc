//! Container logs (`pods/log`), as lines.

use futures::{AsyncBufReadExt, Stream, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use crate::client::Client;
use crate::error::{Action, Error, Result};

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
/// container stops or the connection drops.
pub async fn log_lines(
    client: &Client,
    namespace: &str,
    pod: &str,
    options: &LogOptions,
) -> Result<impl Stream<Item = Result<String>> + Send + 'static> {
    let api: Api<Pod> = Api::namespaced(client.kube().clone(), namespace);
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
    let target = client.target().clone();
    let reader = api
        .log_stream(pod, &params)
        .await
        .map_err(|err| target.error(&action, err))?;
    let action = action.to_string();
    Ok(reader.lines().map(move |line| {
        line.map_err(|err| Error::Response {
            action: action.clone(),
            context: target.context.clone(),
            server: target.server.clone(),
            message: err.to_string(),
        })
    }))
}
