use std::time::Duration;

use futures::{AsyncBufReadExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;

use crate::util;

#[tokio::test]
async fn logs_with_container_tail_and_timestamps() {
    let (server, client) = util::start().await;
    for i in 1..=5 {
        server.append_log("shop", "web-1", "web", &format!("line {i}"));
    }
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let all = pods.logs("web-1", &LogParams::default()).await.unwrap();
    assert_eq!(all, "line 1\nline 2\nline 3\nline 4\nline 5\n");
    let tail = pods
        .logs(
            "web-1",
            &LogParams {
                tail_lines: Some(2),
                ..LogParams::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(tail, "line 4\nline 5\n");
    let stamped = pods
        .logs(
            "web-1",
            &LogParams {
                tail_lines: Some(1),
                timestamps: true,
                ..LogParams::default()
            },
        )
        .await
        .unwrap();
    let (time, text) = stamped.trim_end().split_once(' ').unwrap();
    assert_eq!(text, "line 5");
    assert!(
        time.ends_with('Z') && time.len() == "2026-01-01T00:00:00.000000000Z".len(),
        "{time}"
    );
    let recent = pods
        .logs(
            "web-1",
            &LogParams {
                since_seconds: Some(60),
                ..LogParams::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(recent.lines().count(), 5);
}

#[tokio::test]
async fn several_containers_need_a_name() {
    let (server, client) = util::start().await;
    server.append_log("shop", "db-0", "metrics", "scraped");
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let err = pods.logs("db-0", &LogParams::default()).await.unwrap_err();
    match err {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 400);
            assert_eq!(
                s.message,
                "a container name must be specified for pod db-0, choose one of: [db metrics]"
            );
        }
        other => panic!("{other:?}"),
    }
    let metrics = pods
        .logs(
            "db-0",
            &LogParams {
                container: Some("metrics".into()),
                ..LogParams::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(metrics, "scraped\n");
    let err = pods
        .logs(
            "db-0",
            &LogParams {
                container: Some("nope".into()),
                ..LogParams::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, kube::Error::Api(s) if s.code == 400));
    let err = pods.logs("ghost", &LogParams::default()).await.unwrap_err();
    assert!(matches!(err, kube::Error::Api(s) if s.code == 404));
}

#[tokio::test]
async fn follow_streams_appended_lines() {
    let (server, client) = util::start().await;
    server.append_log("shop", "web-2", "web", "old");
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let stream = pods
        .log_stream(
            "web-2",
            &LogParams {
                follow: true,
                ..LogParams::default()
            },
        )
        .await
        .unwrap();
    let mut lines = stream.lines();
    assert_eq!(lines.try_next().await.unwrap().unwrap(), "old");
    server.append_log("shop", "web-2", "web", "new 1");
    server.append_log("shop", "web-2", "web", "new 2");
    let next = tokio::time::timeout(Duration::from_secs(2), lines.try_next())
        .await
        .unwrap();
    assert_eq!(next.unwrap().unwrap(), "new 1");
    assert_eq!(lines.try_next().await.unwrap().unwrap(), "new 2");
    // Deleting the pod ends the stream.
    server.delete("v1", "Pod", Some("shop"), "web-2").unwrap();
    let end = tokio::time::timeout(Duration::from_secs(2), lines.try_next())
        .await
        .unwrap();
    assert!(end.unwrap().is_none());
}
