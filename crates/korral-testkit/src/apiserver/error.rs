use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A request the test server refused, as a Kubernetes `Status` says it: the HTTP code,
/// the machine-readable reason (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`,
/// `Expired`, …) and the message the real API server would write.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} ({reason}, HTTP {code})")]
pub struct ApiError {
    /// The HTTP status code (404, 409, 410, 422, …).
    pub code: u16,
    /// `metav1.StatusReason`: `NotFound`, `AlreadyExists`, `Conflict`, …
    pub reason: String,
    /// The human-readable message.
    pub message: String,
    /// `details`: the object's name, kind (the resource's plural) and group, when known.
    pub details: Option<Value>,
}

impl ApiError {
    pub(crate) fn new(code: u16, reason: &str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.to_owned(),
            message: message.into(),
            details: None,
        }
    }

    pub(crate) fn with_details(mut self, group: &str, plural: &str, name: &str) -> Self {
        let mut details = serde_json::Map::new();
        if !name.is_empty() {
            details.insert("name".into(), name.into());
        }
        if !group.is_empty() {
            details.insert("group".into(), group.into());
        }
        details.insert("kind".into(), plural.into());
        self.details = Some(Value::Object(details));
        self
    }

    /// `pods "x" not found`.
    pub(crate) fn not_found(group: &str, plural: &str, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", qualified(group, plural)),
        )
        .with_details(group, plural, name)
    }

    pub(crate) fn already_exists(group: &str, plural: &str, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", qualified(group, plural)),
        )
        .with_details(group, plural, name)
    }

    pub(crate) fn conflict(group: &str, plural: &str, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; \
                 please apply your changes to the latest version and try again",
                qualified(group, plural)
            ),
        )
        .with_details(group, plural, name)
    }

    /// 403 for a create in a Namespace being deleted, as the `NamespaceLifecycle`
    /// admission plugin words it.
    pub(crate) fn terminating(group: &str, plural: &str, name: &str, ns: &str) -> Self {
        let message = format!(
            "unable to create new content in namespace {ns} because it is being terminated"
        );
        let mut err = Self::new(
            403,
            "Forbidden",
            format!(
                "{} \"{name}\" is forbidden: {message}",
                qualified(group, plural)
            ),
        )
        .with_details(group, plural, name);
        if let Some(details) = err.details.as_mut() {
            details["causes"] = json!([{"reason": "NamespaceTerminating", "message": message,
                "field": "metadata.namespace"}]);
        }
        err
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 422: `Pod "x" is invalid: …`.
    pub(crate) fn invalid(kind: &str, name: &str, message: &str) -> Self {
        let mut err = Self::new(
            422,
            "Invalid",
            format!("{kind} \"{name}\" is invalid: {message}"),
        );
        err.details = Some(json!({"name": name, "kind": kind}));
        err
    }

    /// 410 for a list continue token or a watch resourceVersion older than the history.
    pub(crate) fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub(crate) fn page_not_found() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_empty_details()
    }

    fn with_empty_details(mut self) -> Self {
        self.details = Some(json!({}));
        self
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
        .with_empty_details()
    }

    /// The `Status` object.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (code, self.to_status().to_string()).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// `deployments.apps`, or `pods` for the core group, as the server names resources in
/// messages.
pub(crate) fn qualified(group: &str, plural: &str) -> String {
    if group.is_empty() {
        plural.to_owned()
    } else {
        format!("{plural}.{group}")
    }
}
