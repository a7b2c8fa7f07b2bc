//! Attacks from the server side: a server that never answers or trickles, endless
//! bodies and lists, terminal controls in its messages. Each must end, with a message
//! naming the server and what went wrong. On the old code each test hung (a timeout
//! here turns that into a failure) or grew without bound.

use std::time::Duration;

use korral_kube::{Client, ClusterConfig, Error, KubeOptions, Limits, ListOptions, Resource};
use korral_testkit::{Answer, HostileServer};

use crate::util::PATIENCE;

/// A client of a hostile server, keeping to `limits`.
async fn client(server: &HostileServer, limits: Limits) -> (Client, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    server.write_kubeconfig(&path).unwrap();
    let config = ClusterConfig::load(KubeOptions {
        kubeconfig: Some(path),
        limits,
        ..KubeOptions::default()
    })
    .unwrap();
    (config.client().await.unwrap(), dir)
}

fn short(timeout: Duration) -> Limits {
    Limits::default().with_request_timeout(Some(timeout))
}

/// `work`, or a failure if it has not ended in [`PATIENCE`] (the old code's hang).
async fn ends<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, work)
        .await
        .expect("the request never ended")
}

/// Answers of at most 1 MiB.
fn small_answers() -> Limits {
    Limits {
        max_response_bytes: 1 << 20,
        ..Limits::default()
    }
}

fn pods() -> Resource {
    Resource::new("v1", "Pod", "pods", true)
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = HostileServer::start("/version", Answer::Silent).unwrap();
    let (client, _dir) = client(&server, short(Duration::from_millis(500))).await;
    let err = ends(client.server_version()).await.unwrap_err();
    assert!(matches!(err, Error::TimedOut { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot get `/version` (context `hostile`): `{}` did not answer within 500ms; check the cluster is up, or pass a longer --request-timeout (0 waits forever)",
            server.url()
        )
    );
}

#[tokio::test]
async fn a_server_that_trickles_times_out() {
    let server =
        HostileServer::start("/version", Answer::Trickle(Duration::from_millis(50))).unwrap();
    let (client, _dir) = client(&server, short(Duration::from_millis(800))).await;
    let err = ends(client.server_version()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("did not finish answering within 800ms"),
        "{err}"
    );
}

#[tokio::test]
async fn without_a_request_timeout_silence_still_ends() {
    let server = HostileServer::start("/version", Answer::Silent).unwrap();
    let limits = Limits {
        idle_timeout: Duration::from_millis(500),
        ..Limits::default().with_request_timeout(None)
    };
    let (client, _dir) = client(&server, limits).await;
    let err = ends(client.server_version()).await.unwrap_err();
    assert!(
        err.to_string().contains("did not answer within 500ms"),
        "{err}"
    );
}

#[tokio::test]
async fn an_endless_body_stops_at_the_size_limit() {
    let server = HostileServer::start("/api", Answer::Endless).unwrap();
    let (client, _dir) = client(&server, small_answers()).await;
    let err = ends(korral_kube::discover(&client)).await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("sent an answer (or a line of one) over 1 MiB, the most korral reads"),
        "{err}"
    );
}

#[tokio::test]
async fn a_watch_line_without_end_stops_at_the_size_limit() {
    use futures::StreamExt;
    let server = HostileServer::start("/api/v1/namespaces/x/pods?", Answer::Endless).unwrap();
    let (client, _dir) = client(&server, small_answers()).await;
    // Watching from a version skips the list: the watch request is the attacked one.
    let mut events = Box::pin(korral_kube::watch(
        &client,
        &pods(),
        Some("x"),
        Some("1".to_owned()),
    ));
    let err = ends(events.next()).await.unwrap().unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
}

#[tokio::test]
async fn a_list_that_repeats_its_continue_token_is_stopped() {
    let server = HostileServer::start("/api/v1/pods", Answer::RepeatedContinue).unwrap();
    let (client, _dir) = client(&server, Limits::default()).await;
    let (set, warnings) = ends(korral_kube::list_all(
        &client,
        &[pods()],
        &ListOptions::default(),
    ))
    .await
    .unwrap();
    assert!(set.is_empty());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("sent a `continue` token it had sent before (page 2): the list would never end; it is stopped; `pods` is left out"),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn a_list_that_never_ends_is_stopped_at_the_page_limit() {
    let server = HostileServer::start("/api/v1/pods", Answer::EndlessContinue).unwrap();
    let limits = Limits {
        max_list_pages: 20,
        ..Limits::default()
    };
    let (client, _dir) = client(&server, limits).await;
    let (_, warnings) = ends(korral_kube::list_all(
        &client,
        &[pods()],
        &ListOptions::default(),
    ))
    .await
    .unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("sent 20 pages and the list does not end; it is stopped")),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn terminal_controls_in_a_status_message_are_escaped() {
    let server = HostileServer::start(
        "/api",
        Answer::Status(500, "boom\u{1b}]0;owned\u{7}\u{1b}[2J\r\ngone".to_owned()),
    )
    .unwrap();
    let (client, _dir) = client(&server, Limits::default()).await;
    let err = ends(korral_kube::discover(&client)).await.unwrap_err();
    let text = err.to_string();
    assert!(
        !text.chars().any(korral_core::terminal::is_unsafe),
        "{text:?}"
    );
    assert!(
        text.ends_with(r"the server answered 500: boom\e]0;owned\u{7}\e[2J\r\ngone"),
        "{text}"
    );
}
