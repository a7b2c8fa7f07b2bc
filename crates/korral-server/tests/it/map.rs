//! `GET /api/v1/clusters/{cluster}/map` through the router, on the example cluster.

use crate::util::{assert_error, call, get, json, state};

fn ids(map: &serde_json::Value) -> Vec<String> {
    map["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_example_cluster_maps_unfolded_by_default_and_folded_on_request() {
    let state = state();
    let (status, body) = get(&state, "/api/v1/clusters/shop/map").await;
    assert_eq!(status, 200, "{body}");
    let plain = json(&body);
    assert_eq!(
        plain["fold"], "none",
        "a small cluster is not folded by auto"
    );
    let nodes = plain["nodes"].as_array().unwrap();
    assert_eq!(plain["totals"]["nodes"], nodes.len());
    assert_eq!(plain["totals"]["objects"], nodes.len());
    assert_eq!(
        plain["totals"]["edges"],
        plain["edges"].as_array().unwrap().len()
    );
    assert!(ids(&plain).contains(&"Deployment.apps/shop/api".to_owned()));
    assert!(plain["seq"].is_u64());
    // Every node is placed, in a namespace box.
    for node in nodes {
        assert!(node["x"].is_f64() && node["y"].is_f64(), "{node}");
        let ns = node["namespace"].as_str().unwrap_or_default();
        assert!(
            plain["namespaces"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b["name"] == ns),
            "{ns}"
        );
    }

    let (status, body) = get(&state, "/api/v1/clusters/shop/map?fold=owners").await;
    assert_eq!(status, 200, "{body}");
    let folded = json(&body);
    assert_eq!(folded["fold"], "owners");
    let folded_ids = ids(&folded);
    assert!(
        folded_ids.len() < ids(&plain).len(),
        "the example's pods and ReplicaSets fold away"
    );
    assert_eq!(
        folded["totals"]["folded"].as_u64().unwrap() + folded_ids.len() as u64,
        plain["totals"]["nodes"].as_u64().unwrap(),
        "every object is drawn or folded into a drawn node"
    );
    let api = folded["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "Deployment.apps/shop/api")
        .unwrap();
    assert!(api["folded"].as_u64().unwrap() >= 2, "{api}");
    assert!(api["foldedKinds"]["Pod"].as_u64().unwrap() >= 1, "{api}");

    // Unfolding it brings its pods back.
    let (_, body) = get(
        &state,
        "/api/v1/clusters/shop/map?fold=owners&expand=Deployment.apps/shop/api",
    )
    .await;
    let expanded = json(&body);
    assert!(ids(&expanded).len() > folded_ids.len());
    assert!(
        ids(&expanded)
            .iter()
            .any(|id| id.starts_with("Pod/shop/api-"))
    );
}

#[tokio::test]
async fn the_topology_parameters_narrow_the_map() {
    let state = state();
    let (status, body) = get(&state, "/api/v1/clusters/shop/map?namespace=shop").await;
    assert_eq!(status, 200, "{body}");
    let map = json(&body);
    for node in map["nodes"].as_array().unwrap() {
        assert!(
            node["namespace"].is_null() || node["namespace"] == "shop",
            "{node}"
        );
    }
    let (status, body) = get(
        &state,
        "/api/v1/clusters/shop/map?focus=deploy/shop/api&relation=owns",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let map = json(&body);
    assert!(
        map["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["relation"] == "owns")
    );
    let (status, body) = get(&state, "/api/v1/clusters/shop/map?selector=app%3Dapi").await;
    assert_eq!(status, 200, "{body}");
    assert!(ids(&json(&body)).contains(&"Deployment.apps/shop/api".to_owned()));
}

#[tokio::test]
async fn bad_map_requests_say_what_to_do() {
    let state = state();
    let (status, body) = get(&state, "/api/v1/clusters/shop/map?fold=sideways").await;
    assert_error(status, &body, 400, "bad_request");
    assert!(body.contains("auto, owners or none"), "{body}");
    let (status, body) = get(&state, "/api/v1/clusters/nope/map").await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = call(&state, "GET", "/api/v1/clusters/shop/map", None).await;
    assert_error(status, &body, 401, "unauthorized");
    let (status, body) = get(&state, "/api/v1/clusters/shop/map?focus=deploy/shop/ghost").await;
    assert_error(status, &body, 400, "bad_request");
}

#[tokio::test]
async fn the_openapi_document_lists_the_map() {
    let (status, body) = get(&state(), "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let doc = json(&body);
    let map = &doc["paths"]["/api/v1/clusters/{cluster}/map"]["get"];
    let params: Vec<&str> = map["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["cluster", "namespace", "fold", "expand", "at"] {
        assert!(params.contains(&name), "{params:?}");
    }
}
