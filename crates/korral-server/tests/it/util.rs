use std::net::SocketAddr;
use std::path::PathBuf;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use korral_server::{AppState, Clusters, Options, router};
use tower::ServiceExt as _;

pub const TOKEN: &str = "test-token-0123456789abcdef";

/// The bundled example cluster.
pub fn shop_set() -> korral_core::ObjectSet {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    korral_core::Loader::new().path(path).load().unwrap()
}

/// The example cluster served read-only as `shop`, with `options`.
pub fn state_with(options: Options) -> AppState {
    AppState::new(Clusters::offline("shop", &shop_set()), TOKEN, options)
}

pub fn state() -> AppState {
    state_with(Options::default())
}

/// A request from `peer`, with the token when `token` is given.
pub fn request(method: &str, uri: &str, token: Option<&str>, body: Body) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let mut request = builder.body(body).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    request
}

/// Sends `request` to a router over `state`.
pub async fn send(state: &AppState, request: Request<Body>) -> Response<Body> {
    router(state.clone()).oneshot(request).await.unwrap()
}

/// GET `uri` with the token.
pub async fn get(state: &AppState, uri: &str) -> (u16, String) {
    let response = send(state, request("GET", uri, Some(TOKEN), Body::empty())).await;
    into_parts(response).await
}

pub async fn into_parts(response: Response<Body>) -> (u16, String) {
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts the error shape: `{"error": {"status", "code", "message"}}`.
pub fn assert_error(status: u16, body: &str, expected: u16, code: &str) {
    assert_eq!(status, expected, "{body}");
    let value = json(body);
    assert_eq!(value["error"]["status"], expected, "{body}");
    assert_eq!(value["error"]["code"], code, "{body}");
    assert!(
        value["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

/// `method uri` with an empty body (and the token when given): the status and the body.
pub async fn call(state: &AppState, method: &str, uri: &str, token: Option<&str>) -> (u16, String) {
    into_parts(send(state, request(method, uri, token, Body::empty())).await).await
}
