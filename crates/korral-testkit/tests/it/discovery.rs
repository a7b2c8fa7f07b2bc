use kube::api::ListParams;
use kube::discovery::{Discovery, Scope, verbs};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util;

#[tokio::test]
async fn version_is_a_1_33_server() {
    let (_server, client) = util::start().await;
    let info = client.apiserver_version().await.unwrap();
    assert_eq!((info.major.as_str(), info.minor.as_str()), ("1", "33"));
    assert!(info.git_version.starts_with("v1.33."));
}

#[tokio::test]
async fn discovery_finds_builtins_crds_and_unknown_kinds() {
    let (_server, client) = util::start().await;
    for discovery in [
        Discovery::new(client.clone()).run().await.unwrap(),
        Discovery::new(client.clone())
            .run_aggregated()
            .await
            .unwrap(),
    ] {
        let (pods, caps) = discovery
            .groups()
            .find(|g| g.name().is_empty())
            .unwrap()
            .recommended_kind("Pod")
            .unwrap();
        assert_eq!(pods.plural, "pods");
        assert_eq!(caps.scope, Scope::Namespaced);
        assert!(caps.supports_operation(verbs::WATCH));
        assert!(caps.subresources.iter().any(|(sub, _)| sub.plural == "log"));

        let (nodes, caps) = discovery
            .resolve_gvk(&kube::api::GroupVersionKind::gvk("", "v1", "Node"))
            .unwrap();
        assert_eq!(nodes.plural, "nodes");
        assert_eq!(caps.scope, Scope::Cluster);

        let (deploys, _) = discovery
            .resolve_gvk(&kube::api::GroupVersionKind::gvk(
                "apps",
                "v1",
                "Deployment",
            ))
            .unwrap();
        assert_eq!(deploys.plural, "deployments");

        // The seeded CRD makes its resource served.
        let (widgets, caps) = discovery
            .resolve_gvk(&kube::api::GroupVersionKind::gvk(
                "example.com",
                "v1",
                "Widget",
            ))
            .unwrap();
        assert_eq!(widgets.plural, "widgets");
        assert_eq!(caps.scope, Scope::Namespaced);

        // A kind without a CRD is served under lowercase(kind) + "s".
        let (gadgets, _) = discovery
            .resolve_gvk(&kube::api::GroupVersionKind::gvk(
                "toys.example.org",
                "v1alpha1",
                "Gadget",
            ))
            .unwrap();
        assert_eq!(gadgets.plural, "gadgets");
    }
}

#[tokio::test]
async fn resource_lists_name_subresources_and_short_names() {
    let (server, _client) = util::start().await;
    let (code, body) = util::http(&server, "GET", "/api/v1", None, "").await;
    assert_eq!(code, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["kind"], "APIResourceList");
    assert_eq!(doc["groupVersion"], "v1");
    let resources = doc["resources"].as_array().unwrap();
    let find = |name: &str| {
        resources
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(find("pods")["shortNames"], serde_json::json!(["po"]));
    assert_eq!(find("pods")["singularName"], "pod");
    assert_eq!(find("pods/log")["verbs"], serde_json::json!(["get"]));
    assert_eq!(find("pods/status")["kind"], "Pod");
    assert_eq!(find("nodes")["namespaced"], false);

    let (_, body) = util::http(&server, "GET", "/apis", None, "").await;
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["kind"], "APIGroupList");
    let apps = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "apps")
        .unwrap();
    assert_eq!(apps["preferredVersion"]["groupVersion"], "apps/v1");

    let (code, body) = util::http(&server, "GET", "/apis/apps/v1", None, "").await;
    assert_eq!(code, 200);
    assert!(body.contains("\"deployments/status\""));
    assert!(body.contains("\"deployments/scale\""));

    let (code, body) = util::http(&server, "GET", "/apis/nothing.example.com/v1", None, "").await;
    assert_eq!(code, 404);
    assert!(body.contains("\"reason\":\"NotFound\""));
}

#[tokio::test]
async fn requests_without_the_token_are_unauthorized() {
    let (server, _client) = util::start().await;
    let url = format!("{}/api/v1/pods", server.url());
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(format!("GET {url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(response.contains("\"reason\":\"Unauthorized\""));
}

#[tokio::test]
async fn the_bundled_example_cluster_is_served() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/shop");
    let seed = korral_core::Loader::new().path(dir).load().unwrap();
    let (_server, client) = util::start_with(&seed, util::options()).await;
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::all(client.clone());
    let listed = pods.list(&ListParams::default()).await.unwrap();
    let seeded = seed.objects().iter().filter(|o| o.kind() == "Pod").count();
    assert_eq!(listed.items.len(), seeded);
    let discovery = Discovery::new(client).run().await.unwrap();
    assert!(discovery.groups().count() > 5);
}
