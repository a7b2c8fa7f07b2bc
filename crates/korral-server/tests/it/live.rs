//! The endpoints that ask the cluster itself (logs, apply, a Secret's values with the
//! opt-in), against the Kubernetes API test server.

use axum::body::Body;
use korral_kube::{ClusterConfig, KubeOptions};
use korral_server::live::{ClusterView, redact};
use korral_server::{AppState, Clusters, Options};
use korral_testkit::{ApiServer, ServerOptions};

use crate::util::{TOKEN, assert_error, get, into_parts, json, request, send, shop_set};

const POD: &str = "frontend-6crnsrns6f-cvfnj";

/// The example cluster on the API test server (its own runtime: started outside the
/// test's), and a folder with a kubeconfig for it.
fn server() -> (ApiServer, tempfile::TempDir) {
    let server = ApiServer::spawn(&shop_set(), ServerOptions::default()).unwrap();
    server.append_log("shop", POD, "frontend", "GET / 200");
    server.append_log("shop", POD, "frontend", "GET /cart 500 error");
    let dir = tempfile::tempdir().unwrap();
    server.write_kubeconfig(dir.path().join("config")).unwrap();
    (server, dir)
}

/// Runs `test` on a runtime of its own, with the API test server served live as `test`.
fn with_live<F: Future<Output = ()>>(
    options: Options,
    test: impl FnOnce(AppState, std::sync::Arc<ApiServer>) -> F,
) {
    let (server, dir) = server();
    // The last owner is this function: the test server stops outside the runtime.
    let server = std::sync::Arc::new(server);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = ClusterConfig::load(KubeOptions {
            kubeconfig: Some(dir.path().join("config")),
            ..KubeOptions::default()
        })
        .unwrap();
        let client = config.client().await.unwrap();
        // As the recorder keeps it: Secrets as digests.
        let view = ClusterView::new("test", Some(server.url()), false);
        view.write(|graph| {
            for object in shop_set().objects() {
                graph.upsert(redact(object));
            }
        });
        view.synced
            .store(true, std::sync::atomic::Ordering::Release);
        let clusters = Clusters::default();
        clusters.insert(std::sync::Arc::new(view));
        let mut state = AppState::new(clusters, TOKEN, options);
        state.kube = std::sync::Arc::new([("test".to_owned(), client)].into_iter().collect());
        test(state, std::sync::Arc::clone(&server)).await;
    });
}

#[test]
fn logs_stream_a_containers_lines() {
    with_live(Options::default(), |state, _| async move {
        let (status, body) = get(
        &state,
        &format!(
            "/api/v1/clusters/test/namespaces/shop/pods/{POD}/logs?container=frontend&tailLines=1"
        ),
    )
    .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, "GET /cart 500 error\n");
        let (status, body) = get(
            &state,
            &format!("/api/v1/clusters/test/namespaces/shop/pods/{POD}/logs?container=frontend"),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body.lines().count(), 2, "{body}");

        let (status, body) = get(
            &state,
            "/api/v1/clusters/test/namespaces/shop/pods/nothing/logs",
        )
        .await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = get(
            &state,
            &format!("/api/v1/clusters/test/namespaces/shop/pods/{POD}/logs?tailLines=100000000"),
        )
        .await;
        assert_error(status, &body, 400, "bad_request");
    });
}

#[test]
fn apply_dry_run_gives_a_diff_and_changes_nothing_then_applies() {
    with_live(Options::default(), |state, server| async move {
        let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n";
        let apply = |dry: bool| {
            request(
                "POST",
                &format!("/api/v1/clusters/test/apply?name=web&namespace=shop&dryRun={dry}"),
                Some(TOKEN),
                Body::from(manifest),
            )
        };
        let (status, body) = into_parts(send(&state, apply(true)).await).await;
        assert_eq!(status, 200, "{body}");
        let answer = json(&body);
        assert_eq!(answer["dryRun"], true);
        assert!(
            answer["changes"][0]["diff"]
                .as_str()
                .unwrap()
                .contains("+  mode: fast"),
            "{body}"
        );
        assert!(
            server
                .get("v1", "ConfigMap", Some("shop"), "settings")
                .is_none(),
            "a dry run writes nothing"
        );

        let (status, body) = into_parts(send(&state, apply(false)).await).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(json(&body)["outcome"]["result"], "deployed", "{body}");
        let stored = server
            .get("v1", "ConfigMap", Some("shop"), "settings")
            .unwrap();
        assert_eq!(stored["data"]["mode"], "fast");

        // Manifests the server refuses: 422 with its words; nothing applied.
        let bad = request(
            "POST",
            "/api/v1/clusters/test/apply?name=web&namespace=shop",
            Some(TOKEN),
            Body::from("apiVersion: v1\nkind: Nonsense\nmetadata: {name: x}\n"),
        );
        let (status, body) = into_parts(send(&state, bad).await).await;
        assert_error(status, &body, 422, "invalid_manifests");
    });
}

#[test]
fn a_secrets_values_come_only_with_the_opt_in_from_the_cluster() {
    const VALUE: &str = "ZXhhbXBsZS1ub3QtYS1zZWNyZXQ=";
    const URI: &str = "/api/v1/clusters/test/objects/secret/api-secrets?namespace=shop";
    with_live(Options::default(), |state, _| async move {
        let (status, body) = get(&state, URI).await;
        assert_eq!(status, 200, "{body}");
        assert!(!body.contains(VALUE), "{body}");
    });
    let opt_in = Options {
        show_secret_values: true,
        ..Options::default()
    };
    with_live(opt_in, |state, _| async move {
        let (status, body) = get(&state, URI).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(VALUE), "{body}");
        let (_, list) = get(&state, "/api/v1/clusters/test/objects?kind=secret").await;
        assert!(!list.contains(VALUE), "lists stay redacted");
    });
}

#[test]
fn a_request_that_takes_too_long_is_cut_with_503() {
    let options = Options {
        request_timeout: std::time::Duration::from_millis(500),
        ..Options::default()
    };
    with_live(options, |state, server| async move {
        // The cluster answers late: the server does not wait past its own limit.
        server.faults().set_delay(std::time::Duration::from_secs(3));
        let (status, body) = get(
            &state,
            &format!("/api/v1/clusters/test/namespaces/shop/pods/{POD}/logs?container=frontend"),
        )
        .await;
        assert_error(status, &body, 503, "timeout");
        server.faults().clear();
    });
}
