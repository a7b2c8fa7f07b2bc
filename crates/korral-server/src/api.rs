//! The HTTP API: [`router`] merges one router per area under `/api/v1`, behind the
//! token check, with the limits every request keeps to.

pub(crate) mod apply;
pub(crate) mod clusters;
pub(crate) mod health;
pub(crate) mod history;
pub(crate) mod logs;
pub mod map;
pub mod metrics;
pub(crate) mod objects;
pub mod rate;
pub(crate) mod reports;
pub(crate) mod topology;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use korral_core::ObjectSet;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth;
use crate::error::{ApiError, ApiResult, json_errors};
use crate::live::ClusterView;
use crate::state::AppState;

/// The longest request target accepted (path and query): 8 KiB, what common proxies
/// allow. Past it, 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Every route, each with its OpenAPI description: the API's one list. The routes outside
/// `/api` (health, metrics) are here too, so the OpenAPI file lists them.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .routes(routes!(clusters::list))
        .routes(routes!(topology::topology))
        .routes(routes!(map::map))
        .routes(routes!(objects::list))
        .routes(routes!(objects::get_one))
        .routes(routes!(history::history))
        .routes(routes!(history::changes))
        .routes(routes!(reports::status))
        .routes(routes!(reports::events))
        .routes(routes!(reports::audit))
        .routes(routes!(logs::logs))
        .routes(routes!(apply::apply))
        .routes(routes!(ws_ticket))
        .routes(routes!(watch))
        .routes(routes!(crate::openapi::openapi_json));
    let open = OpenApiRouter::new()
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(metrics::metrics));
    api.merge(open)
}

/// The whole server: the API under `/api/v1` behind the bearer token, `/healthz`,
/// `/readyz` and `/metrics` open, and for every request: a rate limit per client, a
/// body size limit, a limit on the request target, a timeout, closed CORS (unless one
/// origin was allowed), and errors in one JSON shape.
pub fn router(state: AppState) -> Router {
    let (app, _) = routes().split_for_parts();
    let options = Arc::clone(&state.options);
    let mut app = app
        .fallback(crate::web::fallback)
        // Innermost first: the token check sees only requests that passed the limits.
        .layer(from_fn_with_state(state.clone(), require_token_on_api))
        .layer(DefaultBodyLimit::max(options.body_limit))
        .layer(from_fn_with_state(state.clone(), timeout))
        .layer(from_fn_with_state(state.clone(), rate::limit))
        .layer(from_fn(limit_uri))
        .layer(from_fn(json_errors))
        .layer(from_fn(no_store));
    if let Some(origin) = &options.allow_origin
        && let Ok(origin) = HeaderValue::from_str(origin)
    {
        app = app.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(origin)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
                .max_age(Duration::from_secs(600)),
        );
    }
    app.layer(from_fn_with_state(state.clone(), metrics::count))
        .with_state(state)
}

/// The token check, for paths under `/api/` only.
async fn require_token_on_api(state: State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/api/") || request.uri().path() == "/api" {
        auth::require_token(state, request, next).await
    } else {
        next.run(request).await
    }
}

/// Answers carry data from the cluster: no cache keeps them. The web UI's files say
/// their own policy (hashed assets are cached for good).
async fn no_store(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn limit_uri(request: Request, next: Next) -> Response {
    let len = request.uri().path().len() + request.uri().query().map_or(0, str::len);
    if len > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request target is {len} bytes; at most {MAX_URI_BYTES} are accepted"),
        )
        .into_response();
    }
    next.run(request).await
}

async fn timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.options.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "the answer took longer than {} s; narrow the request (a namespace, a kind) or try again",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

/// A value from a client, cut short for a message.
pub(crate) fn shown(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// A label selector from a query (`selector=app=web,tier!=db`), or 400.
pub(crate) fn selector(text: Option<&str>) -> ApiResult<Option<korral_core::LabelSelector>> {
    text.map(korral_core::LabelSelector::parse)
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("selector: {e}")))
}

/// The cluster called `name`, or 404.
pub(crate) fn cluster(state: &AppState, name: &str) -> ApiResult<Arc<ClusterView>> {
    state.clusters.get(name).ok_or_else(|| {
        ApiError::not_found(format!(
            "no cluster `{}` is served; GET /api/v1/clusters lists them",
            shown(name)
        ))
    })
}

/// The cluster's current objects, as a set the libraries read.
pub(crate) fn current_objects(view: &ClusterView) -> ObjectSet {
    view.read(|graph| {
        let mut objects: Vec<_> = graph.objects().cloned().collect();
        // The graph keeps no order; the libraries' outputs are deterministic for a
        // deterministic input.
        objects.sort_by_cached_key(korral_core::Object::key);
        ObjectSet::from_objects(objects, Vec::new(), Vec::new())
    })
}

/// A one-use ticket for a browser's WebSocket.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ticket {
    /// Pass as `/api/v1/watch?ticket=…`; good once.
    ticket: String,
    /// Seconds it stays good.
    expires_in: u64,
}

/// A short-lived, single-use ticket for opening the WebSocket from a browser (which
/// cannot send the Authorization header on a WebSocket).
#[utoipa::path(post, path = "/api/v1/ws-ticket", tag = "watch",
    responses((status = 200, body = Ticket), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn ws_ticket(State(state): State<AppState>) -> axum::Json<Ticket> {
    axum::Json(Ticket {
        ticket: state.auth.issue_ticket(),
        expires_in: auth::TICKET_TTL.as_secs(),
    })
}

/// Live updates over a WebSocket: topics, an initial state, then diffs (see
/// docs/server.md). Authenticated by the bearer header or `?ticket=`.
#[utoipa::path(get, path = "/api/v1/watch", tag = "watch",
    params(("ticket" = Option<String>, Query, description = "a ticket from POST /api/v1/ws-ticket, for browsers"),
           ("topics" = Option<String>, Query, description = "objects,topology,events"),
           ("namespace" = Option<String>, Query, description = "only this namespace"),
           ("kind" = Option<String>, Query, description = "only this kind")),
    responses((status = 101, description = "switching to the WebSocket protocol"),
              (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn watch(
    upgrade: axum::extract::ws::WebSocketUpgrade,
    query: axum::extract::Query<crate::ws::WatchParams>,
    state: State<AppState>,
) -> Response {
    crate::ws::handler(upgrade, query, state).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_for_messages() {
        assert_eq!(shown("abc"), "abc");
        assert_eq!(shown(&"x".repeat(500)).chars().count(), 121);
    }
}
