use axum::body::Body;
use korral_server::Options;
use korral_server::api::rate::RateLimit;

use crate::util::{
    TOKEN, assert_error, call, get, into_parts, json, request, send, shop_set, state, state_with,
};

#[tokio::test]
async fn clusters_lists_the_served_cluster() {
    let (status, body) = get(&state(), "/api/v1/clusters").await;
    assert_eq!(status, 200, "{body}");
    let value = json(&body);
    assert_eq!(value[0]["name"], "shop");
    assert_eq!(value[0]["readOnly"], true);
    assert_eq!(value[0]["objects"], shop_set().len());
}

#[tokio::test]
async fn topology_is_the_cli_contract_and_narrows() {
    let state = state();
    let (status, body) = get(&state, "/api/v1/clusters/shop/topology").await;
    assert_eq!(status, 200, "{body}");
    let all = json(&body);
    // The same document `korral topology -f examples/shop -o json` writes.
    let set = shop_set();
    let graph = korral_topology::infer(&set, korral_topology::InferOptions::default());
    let mut cli = Vec::new();
    korral_topology::export(&graph, korral_topology::Format::Json, &mut cli).unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&cli).unwrap();
    assert_eq!(all["nodes"], cli["nodes"]);
    assert_eq!(
        all["edges"].as_array().unwrap().len(),
        cli["edges"].as_array().unwrap().len()
    );

    let (status, body) = get(&state, "/api/v1/clusters/shop/topology?namespace=payments").await;
    assert_eq!(status, 200, "{body}");
    let nodes = json(&body)["nodes"].as_array().unwrap().clone();
    assert!(nodes.len() < all["nodes"].as_array().unwrap().len());
    assert!(
        nodes
            .iter()
            .all(|n| n["namespace"] == "payments" || n["namespace"].is_null()),
        "{nodes:?}"
    );

    let (status, body) = get(
        &state,
        "/api/v1/clusters/shop/topology?focus=deploy/shop/api&relation=owns",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Deployment.apps/shop/api"), "{body}");

    let (status, body) = get(&state, "/api/v1/clusters/shop/topology?relation=befriends").await;
    assert_error(status, &body, 400, "bad_request");
}

#[tokio::test]
async fn objects_list_by_kind_and_namespace_and_page() {
    let state = state();
    let (status, body) = get(
        &state,
        "/api/v1/clusters/shop/objects?kind=deploy&namespace=shop",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let items = json(&body)["items"].as_array().unwrap().clone();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|i| i["kind"] == "Deployment" && i["metadata"]["namespace"] == "shop")
    );

    let (_, body) = get(&state, "/api/v1/clusters/shop/objects?limit=2").await;
    let page = json(&body);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = page["metadata"]["continue"].as_str().unwrap().to_owned();
    let (_, body) = get(
        &state,
        &format!("/api/v1/clusters/shop/objects?limit=2&continue={next}"),
    )
    .await;
    let second = json(&body);
    assert_ne!(
        second["items"][0], page["items"][0],
        "the next page goes on"
    );
}

#[tokio::test]
async fn one_object_as_json_or_yaml() {
    let state = state();
    let (status, body) = get(
        &state,
        "/api/v1/clusters/shop/objects/deployment/api?namespace=shop",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["metadata"]["name"], "api");

    let (status, body) = get(
        &state,
        "/api/v1/clusters/shop/objects/deploy/api?namespace=shop&format=yaml",
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("kind: Deployment"), "{body}");

    let mut by_accept = request(
        "GET",
        "/api/v1/clusters/shop/objects/deploy/api?namespace=shop",
        Some(TOKEN),
        Body::empty(),
    );
    by_accept
        .headers_mut()
        .insert("accept", "application/yaml".parse().unwrap());
    let response = send(&state, by_accept).await;
    assert_eq!(response.headers()["content-type"], "application/yaml");

    let (status, body) = get(
        &state,
        "/api/v1/clusters/shop/objects/deploy/nothing?namespace=shop",
    )
    .await;
    assert_error(status, &body, 404, "not_found");
}

#[tokio::test]
async fn secret_values_are_absent_unless_the_server_shows_them() {
    let value = "ZXhhbXBsZS1ub3QtYS1zZWNyZXQ=";
    let state = state();
    let (status, body) = get(
        &state,
        "/api/v1/clusters/shop/objects/secret/api-secrets?namespace=shop",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains(value), "{body}");
    assert!(
        json(&body)["data"].get("JWT_SIGNING_KEY").is_some(),
        "the keys stay"
    );
    let (_, list) = get(&state, "/api/v1/clusters/shop/objects?kind=secret").await;
    assert!(!list.contains(value));
    let (_, yaml) = get(
        &state,
        "/api/v1/clusters/shop/objects?kind=secret&format=yaml",
    )
    .await;
    assert!(!yaml.contains(value));

    let shown = state_with(Options {
        show_secret_values: true,
        ..Options::default()
    });
    let (_, body) = get(
        &shown,
        "/api/v1/clusters/shop/objects/secret/api-secrets?namespace=shop",
    )
    .await;
    // The graph keeps digests, not values: a -f source has none to show even with the
    // opt-in (which reads a live cluster's Secret from the cluster).
    assert!(!body.contains(value), "{body}");
}

#[tokio::test]
async fn status_events_and_audit_are_the_cli_reports() {
    let state = state();
    let (status, body) = get(&state, "/api/v1/clusters/shop/status").await;
    assert_eq!(status, 200, "{body}");
    let report = json(&body);
    assert!(
        report.get("healthy").is_some() && report.get("nodes").is_some(),
        "{body}"
    );

    let (status, body) = get(&state, "/api/v1/clusters/shop/events?type=Warning").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        json(&body)
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"] == "Warning")
    );
    let (status, body) = get(&state, "/api/v1/clusters/shop/events?type=Loud").await;
    assert_error(status, &body, 400, "bad_request");

    let (status, body) = get(&state, "/api/v1/clusters/shop/audit?minSeverity=high").await;
    assert_eq!(status, 200, "{body}");
    let report = json(&body);
    assert!(
        !report["findings"].as_array().unwrap().is_empty(),
        "the example has findings"
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| matches!(f["severity"].as_str(), Some("high" | "critical"))),
        "{body}"
    );
    let (status, body) = get(&state, "/api/v1/clusters/shop/audit?standard=made-up").await;
    assert_error(status, &body, 400, "bad_request");
}

#[tokio::test]
async fn a_read_only_source_refuses_apply_logs_and_history() {
    let state = state();
    let response = send(
        &state,
        request(
            "POST",
            "/api/v1/clusters/shop/apply?name=web&dryRun=true",
            Some(TOKEN),
            Body::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"),
        ),
    )
    .await;
    let (status, body) = into_parts(response).await;
    assert_error(status, &body, 409, "read_only");
    assert!(body.contains("read-only"), "{body}");

    let (status, body) = get(
        &state,
        "/api/v1/clusters/shop/namespaces/shop/pods/api-0/logs?tailLines=10",
    )
    .await;
    assert_error(status, &body, 409, "read_only");
    let (status, body) = get(&state, "/api/v1/clusters/shop/changes").await;
    assert_error(status, &body, 409, "read_only");
}

#[tokio::test]
async fn health_ready_and_metrics_need_no_token() {
    let state = state();
    for path in ["/healthz", "/readyz"] {
        let (status, _) = call(&state, "GET", path, None).await;
        assert_eq!(status, 200, "{path}");
    }
    // A live cluster whose first lists are not in yet.
    let clusters = korral_server::Clusters::default();
    clusters.insert(std::sync::Arc::new(korral_server::ClusterView::new(
        "prod", None, false,
    )));
    let starting = korral_server::AppState::new(clusters, TOKEN, Options::default());
    let (status, _) = call(&starting, "GET", "/readyz", None).await;
    assert_eq!(status, 503, "not ready before the first lists");

    get(&state, "/api/v1/clusters").await;
    get(&state, "/api/v1/clusters/nope/topology").await;
    let (status, text) = call(&state, "GET", "/metrics", None).await;
    assert_eq!(status, 200);
    assert!(
        text.contains(
            "korral_http_requests_total{route=\"/api/v1/clusters\",method=\"GET\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "route=\"/api/v1/clusters/{cluster}/topology\",method=\"GET\",status=\"404\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("korral_websocket_clients 0"), "{text}");
}

#[tokio::test]
async fn no_token_or_a_wrong_one_is_401_in_json_and_never_echoed() {
    let state = state();
    let (status, body) = call(&state, "GET", "/api/v1/clusters", None).await;
    assert_error(status, &body, 401, "unauthorized");
    let wrong = "wrong-token-that-must-not-be-echoed";
    let response = send(
        &state,
        request("GET", "/api/v1/clusters", Some(wrong), Body::empty()),
    )
    .await;
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"korral\""
    );
    let (status, body) = into_parts(response).await;
    assert_error(status, &body, 401, "unauthorized");
    assert!(!body.contains(wrong) && !body.contains(TOKEN), "{body}");
    // Unknown paths under /api are hidden behind the token too.
    let (status, body) = call(&state, "GET", "/api/v1/nothing", None).await;
    assert_error(status, &body, 401, "unauthorized");
    // The token in a URL is not accepted.
    let (status, _) = call(
        &state,
        "GET",
        &format!("/api/v1/clusters?token={TOKEN}"),
        None,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_ws_ticket_works_once_and_only_for_the_watch() {
    let state = state();
    let (status, body) = call(&state, "POST", "/api/v1/ws-ticket", Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    let value = json(&body);
    assert_eq!(value["expiresIn"], 30);
    let ticket = value["ticket"].as_str().unwrap().to_owned();
    // Not a way into the rest of the API.
    let (status, _) = call(
        &state,
        "GET",
        &format!("/api/v1/clusters?ticket={ticket}"),
        None,
    )
    .await;
    assert_eq!(status, 401);
    // Past the token check (the request is not a WebSocket upgrade, so the handler refuses it).
    let (status, _) = call(
        &state,
        "GET",
        &format!("/api/v1/watch?ticket={ticket}"),
        None,
    )
    .await;
    assert_ne!(status, 401);
    let (status, body) = call(
        &state,
        "GET",
        &format!("/api/v1/watch?ticket={ticket}"),
        None,
    )
    .await;
    assert_error(status, &body, 401, "unauthorized");
    // Without the token, no ticket.
    let (status, _) = call(&state, "POST", "/api/v1/ws-ticket", None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_body_too_large_is_413() {
    let state = state_with(Options {
        body_limit: 1024,
        ..Options::default()
    });
    let body = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata: {{k: \"{}\"}}\n",
        "x".repeat(4096)
    );
    let request = request(
        "POST",
        "/api/v1/clusters/shop/apply?name=web",
        Some(TOKEN),
        Body::from(body),
    );
    let (status, text) = into_parts(send(&state, request).await).await;
    assert_error(status, &text, 413, "body_too_large");
}

#[tokio::test]
async fn a_client_asking_too_often_gets_429_with_retry_after() {
    let state = state_with(Options {
        rate: RateLimit {
            per_second: 0.5,
            burst: 3.0,
        },
        ..Options::default()
    });
    for _ in 0..3 {
        assert_eq!(get(&state, "/api/v1/clusters").await.0, 200);
    }
    let response = send(
        &state,
        request("GET", "/api/v1/clusters", Some(TOKEN), Body::empty()),
    )
    .await;
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    let (status, body) = into_parts(response).await;
    assert_error(status, &body, 429, "rate_limited");
    // Another client is not slowed.
    let mut other = request("GET", "/api/v1/clusters", Some(TOKEN), Body::empty());
    other
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [10, 1, 2, 3],
            5000,
        ))));
    assert_eq!(send(&state, other).await.status(), 200);
}

#[tokio::test]
async fn cors_preflight_is_refused_unless_one_origin_is_allowed() {
    let preflight = || {
        let mut r = request("OPTIONS", "/api/v1/clusters", None, Body::empty());
        r.headers_mut()
            .insert("origin", "https://evil.example".parse().unwrap());
        r.headers_mut()
            .insert("access-control-request-method", "GET".parse().unwrap());
        r.headers_mut().insert(
            "access-control-request-headers",
            "authorization".parse().unwrap(),
        );
        r
    };
    let response = send(&state(), preflight()).await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert!(!response.status().is_success());

    let open = state_with(Options {
        allow_origin: Some("https://ui.example".to_owned()),
        ..Options::default()
    });
    let response = send(&open, preflight()).await;
    assert_ne!(
        response.headers()["access-control-allow-origin"],
        "https://evil.example",
        "another origin stays out (the browser compares it with the one allowed)"
    );
    let mut good = preflight();
    good.headers_mut()
        .insert("origin", "https://ui.example".parse().unwrap());
    let response = send(&open, good).await;
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://ui.example"
    );
}

#[tokio::test]
async fn hostile_names_and_targets_get_clean_errors() {
    let state = state();
    // Path traversal in names: a name, never a path.
    for uri in [
        "/api/v1/clusters/..%2F..%2Fetc%2Fpasswd/topology",
        "/api/v1/clusters/shop/objects/secret/..%2F..%2Fapi-secrets?namespace=shop",
        "/api/v1/clusters/shop/objects/deploy/api?namespace=..%2Fshop",
    ] {
        let (status, body) = get(&state, uri).await;
        assert_error(status, &body, 404, "not_found");
    }
    // Control characters: escaped in the JSON answer, never raw.
    let (status, body) = get(&state, "/api/v1/clusters/%1B%5B31mred%07/status").await;
    assert_error(status, &body, 404, "not_found");
    assert!(
        !body.contains('\u{1b}') && !body.contains('\u{7}'),
        "{body:?}"
    );
    // A huge query string.
    let (status, body) = get(
        &state,
        &format!("/api/v1/clusters?x={}", "a".repeat(20_000)),
    )
    .await;
    assert_error(status, &body, 414, "uri_too_long");
    // A name of 100 KB is cut in the message.
    let long = "n".repeat(6000);
    let (status, body) = get(&state, &format!("/api/v1/clusters/{long}/status")).await;
    assert_error(status, &body, 404, "not_found");
    assert!(body.len() < 1000, "{}", body.len());
    // A query that does not parse: JSON, 400.
    let (status, body) = get(&state, "/api/v1/clusters/shop/objects?limit=many").await;
    assert_error(status, &body, 400, "bad_request");
    // A wrong method: JSON, 405.
    let (status, body) = call(&state, "DELETE", "/api/v1/clusters", Some(TOKEN)).await;
    assert_error(status, &body, 405, "method_not_allowed");
}

#[tokio::test]
async fn every_route_is_in_the_openapi_document_and_answers() {
    let state = state();
    let (status, body) = get(&state, "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let spec = json(&body);
    let paths = spec["paths"].as_object().unwrap();
    for expected in [
        "/api/v1/clusters",
        "/api/v1/clusters/{cluster}/topology",
        "/api/v1/clusters/{cluster}/objects",
        "/api/v1/clusters/{cluster}/objects/{kind}/{name}",
        "/api/v1/clusters/{cluster}/history",
        "/api/v1/clusters/{cluster}/changes",
        "/api/v1/clusters/{cluster}/status",
        "/api/v1/clusters/{cluster}/events",
        "/api/v1/clusters/{cluster}/audit",
        "/api/v1/clusters/{cluster}/namespaces/{namespace}/pods/{pod}/logs",
        "/api/v1/clusters/{cluster}/apply",
        "/api/v1/ws-ticket",
        "/api/v1/watch",
        "/api/v1/openapi.json",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(
            paths.contains_key(expected),
            "{expected} is not in the document"
        );
    }
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // And every documented route is served (the router and the document are one list).
    for (path, item) in paths {
        let uri = path
            .replace("{cluster}", "shop")
            .replace("{kind}", "deploy")
            .replace("{name}", "api")
            .replace("{namespace}", "shop")
            .replace("{pod}", "api-0");
        for method in ["get", "post"] {
            if item.get(method).is_none() {
                continue;
            }
            let response = send(
                &state,
                request(&method.to_uppercase(), &uri, Some(TOKEN), Body::empty()),
            )
            .await;
            let status = response.status().as_u16();
            let (_, body) = into_parts(response).await;
            assert!(
                !(status == 404 && body.contains("no route")) && status != 405,
                "{method} {uri}: {status} {body}"
            );
        }
    }
}
