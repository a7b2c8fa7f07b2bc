//! The OpenAPI description, generated from the handlers' own annotations (the routes
//! and their documentation are one list: [`crate::api`]'s `routes`).

use std::sync::OnceLock;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi};

/// The OpenAPI document of the whole server.
pub fn openapi() -> OpenApi {
    let (_, mut spec) = crate::api::routes().split_for_parts();
    spec.info = InfoBuilder::new()
        .title("korral")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "The API of `korral serve`: clusters, topology, objects, history, status, events, audit, logs and apply. Every /api request needs `Authorization: Bearer TOKEN`. See docs/server.md.",
        ))
        .build();
    spec.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    spec
}

/// The document as JSON text, made once.
fn text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| openapi().to_pretty_json().unwrap_or_default())
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "the OpenAPI 3.1 document", body = serde_json::Value)),
    security(("bearer" = [])))]
pub(crate) async fn openapi_json() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], text())
}
