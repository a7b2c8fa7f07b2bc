//! `/metrics`: Prometheus text.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// A series of `korral_http_requests_total`: route pattern, method, status.
type RequestKey = (String, String, u16);

/// Counters. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// Requests by (route pattern, method, status). Route patterns, not paths: the
    /// number of series is bounded by the routes, whatever clients ask.
    requests: Arc<Mutex<BTreeMap<RequestKey, u64>>>,
}

impl Metrics {
    fn count(&self, route: String, method: String, status: u16) {
        let mut requests = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *requests.entry((route, method, status)).or_default() += 1;
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self, ws_clients: usize, store: Option<&StoreFigures>) -> String {
        let mut out = String::new();
        out.push_str("# HELP korral_http_requests_total HTTP requests answered, by route pattern, method and status.\n");
        out.push_str("# TYPE korral_http_requests_total counter\n");
        let requests = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for ((route, method, status), count) in requests.iter() {
            let _ = writeln!(
                out,
                "korral_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {count}",
                label(route),
                label(method)
            );
        }
        drop(requests);
        out.push_str("# HELP korral_websocket_clients WebSocket clients connected.\n");
        out.push_str("# TYPE korral_websocket_clients gauge\n");
        let _ = writeln!(out, "korral_websocket_clients {ws_clients}");
        if let Some(store) = store {
            out.push_str(
                "# HELP korral_recorded_versions Object versions held in the store, by cluster.\n",
            );
            out.push_str("# TYPE korral_recorded_versions gauge\n");
            for (cluster, versions) in &store.versions {
                let _ = writeln!(
                    out,
                    "korral_recorded_versions{{cluster=\"{}\"}} {versions}",
                    label(cluster)
                );
            }
            out.push_str("# HELP korral_store_size_bytes The store's size on disk.\n");
            out.push_str("# TYPE korral_store_size_bytes gauge\n");
            let _ = writeln!(out, "korral_store_size_bytes {}", store.bytes);
        }
        out
    }
}

/// What `/metrics` says of the store.
#[derive(Debug, Default)]
pub struct StoreFigures {
    /// Versions recorded, by cluster.
    pub versions: Vec<(String, u64)>,
    /// Its size on disk.
    pub bytes: u64,
}

/// A label value escaped as the exposition format wants.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: counts each answer by its route pattern (`unmatched` for no route).
pub async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    state
        .metrics
        .count(route, method, response.status().as_u16());
    response
}

/// Prometheus text: requests by route and status, WebSocket clients, versions recorded
/// by cluster, the store's size.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let store = crate::api::history::store_figures(&state).await;
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state
            .metrics
            .render(state.hub.subscribers(), store.as_ref()),
    )
}
