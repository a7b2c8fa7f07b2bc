//! One error type for every answer that is not a success, in one JSON shape.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The body of every error answer: `{"error": {"status": 404, "code": "not_found",
/// "message": "…"}}`. A client can rely on it for every status from 400 up, rejections
/// of the framework included (bad query, body too large, unknown route).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status, again.
    pub status: u16,
    /// A stable, machine-readable code (`unauthorized`, `not_found`, `bad_request`, …).
    pub code: String,
    /// What went wrong and what to do, for a human.
    pub message: String,
}

/// An error answer. A 5xx never says what broke inside: [`ApiError::internal`] logs the
/// cause with a number and answers with that number only.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

/// Numbers internal errors, so a user can quote the one in the log.
static INCIDENT: AtomicU64 = AtomicU64::new(1);

impl ApiError {
    /// An error with this status, code and message (the message is shown to the client:
    /// say what to do, never a secret).
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// The source cannot do this (a read-only `-f` source asked to write, or for logs).
    pub fn read_only(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "read_only", message)
    }

    /// Too many requests from one client; it may try again after `seconds`.
    pub fn too_many_requests(seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests from this client; try again in {seconds} s"),
            )
        }
    }

    /// Something broke inside: the cause goes to the server's log (stderr) with a
    /// number; the client gets the number only.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let incident = INCIDENT.fetch_add(1, Ordering::Relaxed);
        log(&format!("internal error #{incident}: {cause}"));
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("internal error #{incident}; the server's log says more"),
        )
    }

    /// The Kubernetes API server failed us: 502, the cause in the log only (it may name
    /// hosts and paths of the cluster).
    pub fn upstream(cause: impl std::fmt::Display) -> Self {
        let incident = INCIDENT.fetch_add(1, Ordering::Relaxed);
        log(&format!("cluster error #{incident}: {cause}"));
        Self::new(
            StatusCode::BAD_GATEWAY,
            "cluster_unavailable",
            format!(
                "the cluster did not answer as expected (#{incident}); the server's log says more"
            ),
        )
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
}

/// One line on the server's log (stderr), escaped: causes quote names from clients and
/// clusters, which must not drive the terminal.
pub fn log(line: &str) {
    eprintln!("korral serve: {}", korral_core::terminal::escape(line));
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                status: self.status.as_u16(),
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// The code for a status the framework answered by itself.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        _ if status.is_server_error() => "internal",
        _ => "error",
    }
}

/// Middleware: an error answer that is not ours already (the framework's rejections:
/// 405, 413, a query that does not parse) becomes the JSON shape, its text kept for a
/// 4xx (it says what was wrong with the request) and dropped for a 5xx.
pub async fn json_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let retry_after = response
        .headers()
        .get(axum::http::header::RETRY_AFTER)
        .cloned();
    let message = if status.is_server_error() {
        ApiError::internal(format!("{status} answered without a body of ours")).message
    } else {
        // The framework's rejection texts are short; cap them anyway.
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).trim().to_owned();
        if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("error")
                .to_ascii_lowercase()
        } else {
            text
        }
    };
    let mut response = ApiError::new(status, code_of(status), message).into_response();
    if let Some(value) = retry_after {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, value);
    }
    response
}

/// The server's `Result`.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt as _;

    use super::*;

    async fn body_of(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_5xx_hides_its_cause() {
        let response =
            ApiError::internal("database password=hunter2 at /var/lib/x").into_response();
        assert_eq!(response.status(), 500);
        let body = body_of(response).await;
        assert!(
            !body.contains("hunter2") && !body.contains("/var/lib"),
            "{body}"
        );
        assert!(body.contains("\"code\":\"internal\""), "{body}");
        let body =
            body_of(ApiError::upstream("https://10.0.0.1:6443 refused").into_response()).await;
        assert!(!body.contains("10.0.0.1"), "{body}");
    }

    #[tokio::test]
    async fn a_bare_5xx_of_the_framework_is_reshaped_without_its_text() {
        let app = Router::new()
            .route(
                "/boom",
                get(|| async {
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "stack trace: secret internals",
                    )
                }),
            )
            .layer(axum::middleware::from_fn(json_errors));
        let response = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), 500);
        let body = body_of(response).await;
        assert!(!body.contains("secret internals"), "{body}");
        assert!(body.starts_with("{\"error\":"), "{body}");
    }
}
