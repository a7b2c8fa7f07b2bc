//! `GET …/namespaces/{namespace}/pods/{pod}/logs`: a container's log, streamed.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use korral_kube::LogOptions;
use serde::Deserialize;

use super::{cluster, shown};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The most lines `tailLines` may ask for: a log is read by a person or a script that
/// wants its end, not a way to copy a node's disk through the server.
pub const MAX_TAIL_LINES: i64 = 100_000;

/// Which lines.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogsQuery {
    /// The container; required when the pod has several.
    container: Option<String>,
    /// Keep the answer open and send lines as they are written.
    #[serde(default)]
    follow: bool,
    /// Only the last N lines (at most 100000; default 1000 when not following).
    tail_lines: Option<i64>,
    /// Prefix each line with its RFC 3339 time.
    #[serde(default)]
    timestamps: bool,
}

/// A container's log as text, one line at a time (chunked), as `kubectl logs` gives it;
/// with `follow=true` the answer stays open until the container stops or the client
/// goes away.
#[utoipa::path(get, path = "/api/v1/clusters/{cluster}/namespaces/{namespace}/pods/{pod}/logs", tag = "logs",
    params(("cluster" = String, Path, description = "a name from /api/v1/clusters"),
           ("namespace" = String, Path, description = "the pod's namespace"),
           ("pod" = String, Path, description = "the pod's name"),
           LogsQuery),
    responses((status = 200, description = "the log, streamed", content_type = "text/plain"),
              (status = 404, body = crate::error::ErrorBody),
              (status = 409, description = "a read-only source has no logs", body = crate::error::ErrorBody),
              (status = 502, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn logs(
    State(state): State<AppState>,
    Path((name, namespace, pod)): Path<(String, String, String)>,
    Query(query): Query<LogsQuery>,
) -> ApiResult<Response> {
    let view = cluster(&state, &name)?;
    let Some(client) = state.kube.get(&view.name) else {
        return Err(ApiError::read_only(format!(
            "cluster `{}` is served from files (korral serve -f): it has no logs; serve a live context to read them",
            shown(&name)
        )));
    };
    let tail = match query.tail_lines {
        Some(n) if !(0..=MAX_TAIL_LINES).contains(&n) => {
            return Err(ApiError::bad_request(format!(
                "tailLines must be between 0 and {MAX_TAIL_LINES}"
            )));
        }
        Some(n) => Some(n),
        None if query.follow => None,
        None => Some(1000),
    };
    let options = LogOptions {
        container: query.container,
        follow: query.follow,
        tail_lines: tail,
        since_seconds: None,
        timestamps: query.timestamps,
    };
    let lines = korral_kube::log_lines(client, &namespace, &pod, &options)
        .await
        .map_err(|err| match err.status_code() {
            Some(404) => ApiError::not_found(format!(
                "no pod `{}` in namespace `{}` (or no such container)",
                shown(&pod),
                shown(&namespace)
            )),
            Some(400) => ApiError::bad_request(
                "the cluster refused: a pod with several containers needs `container`, or the container has not started",
            ),
            _ => ApiError::upstream(err),
        })?;
    // Line by line: the server holds one line at a time (each at most 1 MiB, cut by
    // korral-kube), however long the log.
    let body = Body::from_stream(lines.map(|line| match line {
        Ok(mut line) => {
            line.push('\n');
            Ok(line)
        }
        Err(err) => {
            crate::error::log(&format!("log stream ended: {err}"));
            Err(std::io::Error::other("the log stream broke"))
        }
    }));
    Ok(([(CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response())
}
