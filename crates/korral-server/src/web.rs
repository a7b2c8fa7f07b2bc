//! The web UI: the built bundle of `web/dist`, embedded in the binary at compile time (in
//! debug builds too, so tests serve what a release serves), answered at `/`.
//!
//! - `/assets/*`: the hashed files, cached for a year (`immutable`: a new build has new
//!   names), with an `ETag` from their SHA-256; a missing one is 404.
//! - Every other GET outside `/api`, `/healthz`, `/readyz` and `/metrics` answers
//!   `index.html` (the client's routes: `/map`, `/objects/…`, `/signin`, …), revalidated on
//!   each load (`no-cache`), unless it names another file of the bundle's top folder.
//! - HTML carries [`CONTENT_SECURITY_POLICY`]: scripts only from the server itself, no
//!   inline script, no eval, no framing.
//! - A path with `..`, an encoded dot, slash or backslash is 404: names are looked up in
//!   the embedded table, never on disk, and a client probing for more gets nothing.
//!
//! The assets hold no data, so they need no token; every `/api` call does.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The built web UI (`web/dist`, written by `npm run build` and committed).
#[derive(rust_embed::Embed)]
#[folder = "../../web/dist"]
struct Assets;

/// The Content-Security-Policy of every HTML answer. Styles allow `'unsafe-inline'`
/// because the code editor injects style elements; scripts do not.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
    worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// `Cache-Control` of the hashed assets.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Paths that belong to the server, never to the web UI: an unknown one is a JSON 404.
fn is_server_path(path: &str) -> bool {
    path == "/api"
        || path.starts_with("/api/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// A path that tries to leave its folder or hides its separators.
fn is_traversal(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("..")
        || lower.contains('\\')
        || ["%2e", "%2f", "%5c", "%00"]
            .iter()
            .any(|bad| lower.contains(bad))
        || lower.contains("//")
}

/// The router's fallback: the web UI for GET and HEAD outside the server's paths, a
/// JSON 404 for everything else.
pub async fn fallback(request: Request) -> Response {
    let path = request.uri().path();
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    if !readable || is_server_path(path) || is_traversal(path) {
        return not_found(path);
    }
    let name = path.trim_start_matches('/');
    if let Some(asset) = name.strip_prefix("assets/") {
        if asset.is_empty() {
            return not_found(path);
        }
        return match Assets::get(name) {
            Some(file) => file_answer(&request, name, file, IMMUTABLE),
            None => not_found(path),
        };
    }
    // Another file of the bundle's top folder (an icon, robots.txt); else the app.
    if !name.is_empty()
        && !name.contains('/')
        && name != "index.html"
        && let Some(file) = Assets::get(name)
    {
        return file_answer(&request, name, file, "no-cache");
    }
    match Assets::get("index.html") {
        Some(file) => file_answer(&request, "index.html", file, "no-cache"),
        None => not_found(path),
    }
}

fn not_found(path: &str) -> Response {
    ApiError::not_found(format!(
        "no route `{}`; the routes are listed in /api/v1/openapi.json",
        crate::api::shown(path)
    ))
    .into_response()
}

/// One embedded file, with its type, cache policy, validator and, for HTML, the
/// security headers.
fn file_answer(
    request: &Request,
    name: &str,
    file: rust_embed::EmbeddedFile,
    cache: &'static str,
) -> Response {
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    let kind = content_type(name);
    let mut response = if request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        // For HEAD too: hyper drops the body and keeps its length.
        Response::new(Body::from(file.data.into_owned()))
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if kind.starts_with("text/html") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The media type by file extension (the few a Vite build writes).
fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "wasm" => "application/wasm",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_hidden_separators_are_caught() {
        for bad in [
            "/assets/../../etc/passwd",
            "/assets/%2e%2e/%2e%2e/etc/passwd",
            "/assets/%2E%2E%2Fetc%2Fpasswd",
            "/assets/..%5c..%5cwindows",
            "/assets//etc/passwd",
            "/map/..",
            "/assets/a%00.js",
        ] {
            assert!(is_traversal(bad), "{bad}");
        }
        for good in [
            "/",
            "/map",
            "/objects/shop/Pod/api-0",
            "/assets/index-3f2a.js",
        ] {
            assert!(!is_traversal(good), "{good}");
        }
    }

    #[test]
    fn types_by_extension() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("assets/a.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("assets/a.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("x"), "application/octet-stream");
    }
}
