//! The WebSocket watch, driven through channels (its logic is generic over Sink and
//! Stream): subscribing by URL and by message, seqs, a slow client resynced while a
//! fast one keeps receiving, resuming from `since`, heartbeats and silent clients.

use std::convert::Infallible;
use std::time::Duration;

use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use korral_core::Loader;
use korral_server::hub::{ChangeType, Hub, HubOptions, ObjectChange, Update};
use korral_server::live::Clusters;
use korral_server::ws::{Frame, WatchParams, WsOptions, serve};
use serde_json::{Value, json};

const SEED: &str = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {colour: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
data: {password: aHVudGVyMg==}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other, namespace: elsewhere}
";

fn clusters() -> Clusters {
    Clusters::offline("shop", &Loader::load_str("seed.yaml", SEED).unwrap())
}

/// One client: what it sends and what it receives.
struct Client {
    to_server: mpsc::Sender<Result<Frame, Infallible>>,
    from_server: mpsc::Receiver<Frame>,
}

impl Client {
    /// Connects with `query` (`topics=objects&kind=ConfigMap`), the server reading
    /// into a queue of `queue` frames.
    fn connect(
        hub: &Hub,
        clusters: &Clusters,
        query: &str,
        queue: usize,
        options: WsOptions,
    ) -> Self {
        let params: WatchParams = serde_urlencoded(query);
        let (to_server, incoming) = mpsc::channel(16);
        let (outgoing, from_server) = mpsc::channel(queue);
        tokio::spawn(serve(
            outgoing,
            incoming,
            hub.clone(),
            clusters.clone(),
            params,
            options,
        ));
        Self {
            to_server,
            from_server,
        }
    }

    /// The next JSON message (pings and pongs skipped), or `None` once the server
    /// closed.
    async fn next(&mut self) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), self.from_server.next())
                .await
                .expect("a message within 30 s")?;
            if let Frame::Text(text) = frame {
                return Some(serde_json::from_str(&text).unwrap());
            }
        }
    }

    async fn send(&mut self, message: Value) {
        self.to_server
            .send(Ok(Frame::Text(message.to_string())))
            .await
            .unwrap();
    }
}

/// The query string as axum's `Query` reads it.
fn serde_urlencoded(query: &str) -> WatchParams {
    let uri: axum::http::Uri = format!("/api/v1/watch?{query}").parse().unwrap();
    axum::extract::Query::<WatchParams>::try_from_uri(&uri)
        .unwrap()
        .0
}

fn change(kind: &str, namespace: &str, name: &str, n: u32) -> Update {
    Update::Objects(ObjectChange {
        change: ChangeType::Modified,
        group: String::new(),
        kind: kind.to_owned(),
        namespace: Some(namespace.to_owned()),
        name: name.to_owned(),
        object: json!({"apiVersion": "v1", "kind": kind,
                       "metadata": {"name": name, "namespace": namespace}, "data": {"n": n.to_string()}}),
    })
}

fn names(objects: &Value) -> Vec<String> {
    objects
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_url_subscription_gets_its_state_then_only_its_diffs_in_seq_order() {
    let (hub, clusters) = (Hub::default(), clusters());
    let mut client = Client::connect(
        &hub,
        &clusters,
        "topics=objects&kind=configmap&namespace=shop",
        64,
        WsOptions::default(),
    );
    let state = client.next().await.unwrap();
    assert_eq!(state["type"], "state");
    assert_eq!(names(&state["objects"]), vec!["settings"]);
    assert!(state.get("topology").is_none() && state.get("events").is_none());

    hub.publish("shop", change("Secret", "shop", "db", 1));
    hub.publish("shop", change("ConfigMap", "elsewhere", "other", 2));
    hub.publish("shop", change("ConfigMap", "shop", "settings", 3));
    hub.publish(
        "another-cluster",
        change("ConfigMap", "shop", "settings", 4),
    );
    hub.publish("shop", change("ConfigMap", "shop", "settings", 5));
    let first = client.next().await.unwrap();
    let second = client.next().await.unwrap();
    assert_eq!(
        (&first["type"], &first["topic"]),
        (&json!("diff"), &json!("objects"))
    );
    assert_eq!(first["object"]["data"]["n"], "3");
    assert_eq!(second["object"]["data"]["n"], "5");
    let seqs = [
        state["seq"].as_u64().unwrap(),
        first["seq"].as_u64().unwrap(),
        second["seq"].as_u64().unwrap(),
    ];
    assert!(seqs[0] < seqs[1] && seqs[1] < seqs[2], "{seqs:?}");
}

#[tokio::test]
async fn a_subscribe_message_replaces_the_subscription_with_a_fresh_state() {
    let (hub, clusters) = (Hub::default(), clusters());
    let mut client = Client::connect(&hub, &clusters, "topics=events", 64, WsOptions::default());
    let state = client.next().await.unwrap();
    assert_eq!(state["events"], json!([]));
    client
        .send(json!({"type": "subscribe", "topics": ["topology", "objects"], "namespace": "shop"}))
        .await;
    let state = client.next().await.unwrap();
    assert_eq!(state["type"], "state");
    let mut objects = names(&state["objects"]);
    objects.sort();
    assert_eq!(objects, vec!["db", "settings"]);
    let nodes: Vec<&str> = state["topology"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert!(
        nodes.contains(&"ConfigMap/shop/settings") && !nodes.contains(&"ConfigMap/elsewhere/other"),
        "{nodes:?}"
    );
    // The Secret is served with its keys and without its value.
    assert!(!state.to_string().contains("aHVudGVyMg"));

    // A second subscribe at once is refused (each costs a fresh state).
    client
        .send(json!({"type": "subscribe", "topics": ["objects"]}))
        .await;
    let refused = client.next().await.unwrap();
    assert_eq!(refused["type"], "error");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("too many subscribe")
    );

    // Garbage is answered, not fatal.
    client.send(json!({"type": "dance"})).await;
    let error = client.next().await.unwrap();
    assert_eq!(error["type"], "error");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("unknown message type")
    );
    hub.publish("shop", change("ConfigMap", "shop", "settings", 1));
    assert_eq!(client.next().await.unwrap()["type"], "diff");
}

#[tokio::test]
async fn a_slow_client_is_resynced_while_a_fast_one_gets_every_diff() {
    let hub = Hub::new(HubOptions {
        client_queue: 8,
        replay: 8,
    });
    let clusters = clusters();
    let query = "topics=objects&kind=ConfigMap";
    let mut fast = Client::connect(&hub, &clusters, query, 1024, WsOptions::default());
    // The slow one's socket takes one frame and then blocks until it reads.
    let mut slow = Client::connect(&hub, &clusters, query, 1, WsOptions::default());
    assert_eq!(fast.next().await.unwrap()["type"], "state");
    let first = slow.next().await.unwrap();
    assert_eq!(first["type"], "state");

    // The fast one reads each diff as it comes; the slow one reads nothing.
    let total = 100;
    let mut last = 0;
    for n in 0..total {
        hub.publish("shop", change("ConfigMap", "shop", "settings", n));
        let diff = fast.next().await.unwrap();
        assert_eq!(diff["type"], "diff", "{diff}");
        assert_eq!(diff["object"]["data"]["n"], n.to_string());
        let seq = diff["seq"].as_u64().unwrap();
        assert!(seq > last);
        last = seq;
    }
    // The slow one: a few diffs at most, then a resync and a fresh state.
    let mut kinds = Vec::new();
    loop {
        let message = slow.next().await.unwrap();
        let kind = message["type"].as_str().unwrap().to_owned();
        kinds.push(kind.clone());
        if kind == "state" {
            break;
        }
    }
    assert!(kinds.contains(&"resync".to_owned()), "{kinds:?}");
    assert!(kinds.len() < 12, "held no more than its queue: {kinds:?}");
}

#[tokio::test]
async fn a_client_resumes_from_its_seq_or_is_resynced_when_the_ring_forgot() {
    let hub = Hub::new(HubOptions {
        client_queue: 64,
        replay: 4,
    });
    let clusters = clusters();
    let query = "topics=objects";
    let mut client = Client::connect(&hub, &clusters, query, 64, WsOptions::default());
    let state = client.next().await.unwrap();
    let seen = state["seq"].as_u64().unwrap();
    drop(client);

    hub.publish("shop", change("ConfigMap", "shop", "settings", 1));
    hub.publish("shop", change("ConfigMap", "shop", "settings", 2));
    let mut back = Client::connect(
        &hub,
        &clusters,
        &format!("{query}&since={seen}"),
        64,
        WsOptions::default(),
    );
    let one = back.next().await.unwrap();
    let two = back.next().await.unwrap();
    assert_eq!(
        (one["type"].as_str(), one["object"]["data"]["n"].as_str()),
        (Some("diff"), Some("1"))
    );
    assert_eq!(two["object"]["data"]["n"], "2");
    hub.publish("shop", change("ConfigMap", "shop", "settings", 3));
    assert_eq!(back.next().await.unwrap()["object"]["data"]["n"], "3");

    for n in 4..20 {
        hub.publish("shop", change("ConfigMap", "shop", "settings", n));
    }
    let mut late = Client::connect(
        &hub,
        &clusters,
        &format!("{query}&since={seen}"),
        64,
        WsOptions::default(),
    );
    assert_eq!(late.next().await.unwrap()["type"], "resync");
    assert_eq!(late.next().await.unwrap()["type"], "state");
}

#[tokio::test]
async fn heartbeats_go_out_and_a_silent_client_is_dropped() {
    let (hub, clusters) = (Hub::default(), clusters());
    let options = WsOptions {
        heartbeat: Duration::from_millis(20),
        timeout: Duration::from_millis(200),
        ..WsOptions::default()
    };
    let mut client = Client::connect(&hub, &clusters, "topics=events", 64, options);
    assert_eq!(client.next().await.unwrap()["type"], "state");
    assert_eq!(client.next().await.unwrap()["type"], "heartbeat");
    // Saying nothing: the server closes.
    while client.next().await.is_some() {}

    // A client that answers keeps its connection past the timeout.
    let mut alive = Client::connect(&hub, &clusters, "topics=events", 64, options);
    let until = tokio::time::Instant::now() + Duration::from_millis(600);
    while tokio::time::Instant::now() < until {
        let message = alive.next().await.expect("still connected");
        if message["type"] == "heartbeat" {
            alive.send(json!({"type": "heartbeat"})).await;
        }
    }
}
