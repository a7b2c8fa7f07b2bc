//! The embedded web UI through the router: the app on client routes with its security
//! headers, hashed assets cached for good, JSON 404s for the API, traversal refused.

use axum::body::Body;
use korral_server::web::{CONTENT_SECURITY_POLICY, IMMUTABLE};

use crate::util::{TOKEN, assert_error, call, into_parts, request, send, state};

/// The index, as served at `/`: status, headers and body.
async fn page(path: &str) -> (u16, axum::http::HeaderMap, String) {
    let response = send(&state(), request("GET", path, None, Body::empty())).await;
    let headers = response.headers().clone();
    let (status, body) = into_parts(response).await;
    (status, headers, body)
}

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn the_app_answers_every_client_route_without_a_token_with_its_headers() {
    let (status, headers, index) = page("/").await;
    assert_eq!(status, 200);
    assert!(
        index.to_ascii_lowercase().starts_with("<!doctype html>"),
        "{index}"
    );
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    assert_eq!(
        header(&headers, "content-security-policy"),
        CONTENT_SECURITY_POLICY
    );
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-eval"));
    assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(&headers, "x-frame-options"), "DENY");
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    for route in [
        "/map?namespace=shop",
        "/objects/shop/Pod/api-0",
        "/objects/_/Node/node-1",
        "/kinds/ConfigMap?namespace=shop",
        "/status",
        "/audit",
        "/events",
        "/signin",
        "/index.html",
    ] {
        let (status, headers, body) = page(route).await;
        assert_eq!(status, 200, "{route}");
        assert_eq!(body, index, "{route}");
        assert_eq!(
            header(&headers, "content-security-policy"),
            CONTENT_SECURITY_POLICY
        );
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_for_good_and_revalidate_by_etag() {
    let (_, _, index) = page("/").await;
    // Every asset the index names is served (the bundle as built; none in a placeholder).
    let assets: Vec<&str> = index
        .split('"')
        .filter(|part| part.starts_with("/assets/"))
        .collect();
    for asset in &assets {
        let (status, headers, body) = page(asset).await;
        assert_eq!(status, 200, "{asset}");
        assert!(!body.is_empty());
        assert_eq!(header(&headers, "cache-control"), IMMUTABLE, "{asset}");
        let kind = header(&headers, "content-type");
        match asset.rsplit_once('.').map(|(_, e)| e) {
            Some("js") => assert_eq!(kind, "text/javascript; charset=utf-8"),
            Some("css") => assert_eq!(kind, "text/css; charset=utf-8"),
            _ => {}
        }
        let etag = header(&headers, "etag").to_owned();
        let mut again = request("GET", asset, None, Body::empty());
        again
            .headers_mut()
            .insert("if-none-match", etag.parse().unwrap());
        let response = send(&state(), again).await;
        assert_eq!(response.status(), 304, "{asset}");
    }
    // A missing one is a 404, never the app, and never cached.
    let (status, headers, body) = page("/assets/nope-123.js").await;
    assert_error(status, &body, 404, "not_found");
    assert_eq!(header(&headers, "cache-control"), "no-store");
    // The index revalidates too.
    let (_, headers, _) = page("/").await;
    let mut again = request("GET", "/", None, Body::empty());
    again
        .headers_mut()
        .insert("if-none-match", header(&headers, "etag").parse().unwrap());
    assert_eq!(send(&state(), again).await.status(), 304);
}

#[tokio::test]
async fn traversal_attempts_find_nothing() {
    for path in [
        "/assets/../../etc/passwd",
        "/assets/..%2f..%2fetc%2fpasswd",
        "/assets/%2e%2e/%2e%2e/etc/passwd",
        "/assets/%2E%2E/Cargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/../../etc/passwd",
        "/assets/..%5c..%5cCargo.toml",
        "/assets//etc/passwd",
        "/assets/",
    ] {
        let (status, headers, body) = page(path).await;
        assert_error(status, &body, 404, "not_found");
        assert!(!body.contains("root:"), "{path}: {body}");
        assert_eq!(
            header(&headers, "content-type"),
            "application/json",
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_api_keeps_its_json_answers() {
    let state = state();
    let (status, body) = call(&state, "GET", "/api/v1/nope", Some(TOKEN)).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = call(&state, "GET", "/api/v1/nope", None).await;
    assert_error(status, &body, 401, "unauthorized");
    let (status, body) = call(&state, "GET", "/api", Some(TOKEN)).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = call(&state, "POST", "/map", None).await;
    assert_error(status, &body, 404, "not_found");
    let (status, _) = call(&state, "GET", "/healthz", None).await;
    assert_eq!(status, 200);
    // API answers are still never cached.
    let response = send(
        &state,
        request("GET", "/api/v1/clusters", Some(TOKEN), Body::empty()),
    )
    .await;
    assert_eq!(response.headers()["cache-control"], "no-store");
}
