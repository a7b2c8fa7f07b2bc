use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use korral_testkit::Fault;
use kube::Api;
use kube::api::{ListParams, WatchEvent, WatchParams};
use kube::discovery::Discovery;

use crate::util;

fn code(err: &kube::Error) -> u16 {
    match err {
        kube::Error::Api(s) => s.code,
        other => panic!("not an API error: {other:?}"),
    }
}

#[tokio::test]
async fn injected_statuses_for_n_requests_or_until_cleared() {
    let (server, client) = util::start().await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");

    server
        .faults()
        .inject(Fault::resource("", "pods").status(403).times(2));
    for _ in 0..2 {
        let err = pods.list(&ListParams::default()).await.unwrap_err();
        assert_eq!(code(&err), 403);
        if let kube::Error::Api(s) = err {
            assert_eq!(s.reason, "Forbidden");
            assert!(
                s.message.contains("cannot list resource \"pods\""),
                "{}",
                s.message
            );
        }
    }
    assert!(pods.list(&ListParams::default()).await.is_ok());
    assert!(
        maps.list(&ListParams::default()).await.is_ok(),
        "other resources are untouched"
    );

    server
        .faults()
        .inject(Fault::path_prefix("/api/v1/namespaces/shop/configmaps").status(500));
    for _ in 0..3 {
        assert_eq!(code(&maps.get("settings").await.unwrap_err()), 500);
    }
    server.faults().clear();
    assert!(maps.get("settings").await.is_ok());

    server
        .faults()
        .inject(Fault::path_prefix("/").status(401).times(1));
    let err = maps.get("settings").await.unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 401 && s.reason == "Unauthorized"),
        "{err:?}"
    );
}

#[tokio::test]
async fn dropped_watches_end_mid_stream() {
    let (server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let stream = maps
        .watch(
            &WatchParams::default().disable_bookmarks().timeout(30),
            &server.resource_version().to_string(),
        )
        .await
        .unwrap();
    futures::pin_mut!(stream);
    let started = Instant::now();
    let faults = server.faults();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        faults.drop_watches();
    });
    // The stream ends (or errors) long before its 30 s timeout.
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .unwrap()
        {
            None | Some(Err(_)) => break,
            Some(Ok(WatchEvent::Bookmark(_))) => {}
            Some(Ok(other)) => panic!("unexpected {other:?}"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    // New watches work again.
    let again = maps
        .watch(&WatchParams::default().timeout(1), "0")
        .await
        .unwrap();
    let events: Vec<WatchEvent<ConfigMap>> = again.try_collect().await.unwrap();
    let added = events
        .iter()
        .filter(|e| matches!(e, WatchEvent::Added(_)))
        .count();
    assert_eq!(added, 1);
}

#[tokio::test]
async fn an_unavailable_aggregated_api_fails_its_discovery() {
    let (server, _) = util::start().await;
    let client = util::client_without_retries(&server).await;
    assert!(Discovery::new(client.clone()).run().await.is_ok());
    server
        .faults()
        .set_unavailable("metrics.k8s.io", "v1beta1", true);
    let (code, body) = util::http(&server, "GET", "/apis/metrics.k8s.io/v1beta1", None, "").await;
    assert_eq!(code, 503);
    assert!(body.contains("ServiceUnavailable"));
    // The group is still listed, so full discovery fails as it does against a real
    // cluster whose metrics-server is down; aggregated discovery leaves it out.
    assert!(Discovery::new(client.clone()).run().await.is_err());
    let aggregated = Discovery::new(client.clone())
        .run_aggregated()
        .await
        .unwrap();
    assert!(!aggregated.has_group("metrics.k8s.io"));
    assert!(aggregated.has_group("apps"));
    server
        .faults()
        .set_unavailable("metrics.k8s.io", "v1beta1", false);
    assert!(Discovery::new(client).run().await.is_ok());
}

#[tokio::test]
async fn delays_slow_every_response() {
    let (server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    server.faults().set_delay(Duration::from_millis(300));
    let started = Instant::now();
    maps.get("settings").await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    server.faults().set_delay(Duration::ZERO);
}
