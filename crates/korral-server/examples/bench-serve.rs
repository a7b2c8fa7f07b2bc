//! Load test of `korral serve`'s live side (run by `scripts/bench-serve`).
//!
//! 1. WebSocket fan-out: CLIENTS WebSocket clients over loopback TCP, subscribed to
//!    ConfigMap changes, while RATE changes a second are published straight into the
//!    hub (what the recorder does after each write) for SECONDS. Reports the latency
//!    from publish to a client reading the message (p50, p99, max), messages received,
//!    resyncs, and the process's resident memory (server and clients share the process).
//! 2. Recording: a synthetic cluster of N objects (korral-testkit's generator) served by
//!    the API test server and recorded into a fresh SQLite file: time until the
//!    initial state is written, the database's size, then `topology --at` (the objects
//!    at a time, read back from the store, and their graph), and CHANGES edits through
//!    the API server with the time from each write to the hub's update.
//!
//! Environment: CLIENTS (1000), RATE (1000), SECONDS (10), N (100000), CHANGES (200).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use korral_server::hub::{ChangeType, Hub, HubOptions, ObjectChange, Update};
use korral_server::live::Clusters;
use korral_server::ws::{WatchParams, WsOptions, serve_socket};
use serde_json::json;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    #[allow(clippy::cast_precision_loss)]
    let ms = sorted[at] as f64 / 1e6;
    ms
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    fan_out().await?;
    record().await
}

#[allow(clippy::too_many_lines)] // One scenario, read top to bottom.
async fn fan_out() -> anyhow::Result<()> {
    let clients = env("CLIENTS", 1000);
    let rate = env("RATE", 1000);
    let seconds = env("SECONDS", 10);
    let hub = Hub::new(HubOptions::default());
    let seed = korral_core::Loader::load_str(
        "seed.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: bench}\n",
    )?;
    let clusters = Clusters::offline("bench", &seed);
    let app = {
        let (hub, clusters) = (hub.clone(), clusters.clone());
        axum::Router::new().route(
            "/watch",
            axum::routing::get(
                move |upgrade: axum::extract::ws::WebSocketUpgrade,
                      axum::extract::Query(params): axum::extract::Query<WatchParams>| {
                    let (hub, clusters) = (hub.clone(), clusters.clone());
                    async move {
                        upgrade.on_upgrade(move |socket| {
                            serve_socket(socket, params, hub, clusters, WsOptions::default())
                        })
                    }
                },
            ),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!(
        "== WebSocket fan-out: {clients} clients, {rate} changes/s for {seconds} s, published into the hub"
    );
    println!("before clients: {}", rss());

    let start = Instant::now();
    let received = Arc::new(AtomicU64::new(0));
    let resyncs = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(clients as usize);
    // Clients still behind when the drain time is up stop where they are.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    for _ in 0..clients {
        let url = format!("ws://{addr}/watch?topics=objects&kind=ConfigMap");
        let (received, resyncs, ready) = (received.clone(), resyncs.clone(), ready_tx.clone());
        let mut stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            let (mut socket, _) = tokio_tungstenite::connect_async(url)
                .await
                .expect("connect");
            let mut latencies = Vec::new();
            let mut first = true;
            loop {
                let message = tokio::select! {
                    message = socket.next() => match message {
                        Some(Ok(message)) => message,
                        _ => break,
                    },
                    _ = stop.changed() => break,
                };
                let tokio_tungstenite::tungstenite::Message::Text(text) = message else {
                    continue;
                };
                let now = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
                if first {
                    first = false;
                    let _ = ready.send(()).await;
                    continue;
                }
                if text.contains(r#""type":"resync""#) {
                    resyncs.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                if text.contains(r#""done":"yes""#) {
                    break;
                }
                if let Some(at) = text.find(r#""sent":""#) {
                    let digits: String = text[at + 8..]
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect();
                    if let Ok(sent) = digits.parse::<u64>() {
                        latencies.push(now.saturating_sub(sent));
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    for _ in 0..clients {
        ready_rx.recv().await;
    }
    println!("{clients} clients subscribed: {}", rss());

    let total = rate * seconds;
    let interval = Duration::from_nanos(1_000_000_000 / rate.max(1));
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let publish = |n: u64, done: bool| {
        let sent = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        hub.publish(
            "bench",
            Update::Objects(ObjectChange {
                change: ChangeType::Modified,
                group: String::new(),
                kind: "ConfigMap".to_owned(),
                namespace: Some("bench".to_owned()),
                name: "settings".to_owned(),
                object: json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "settings", "namespace": "bench"},
                    "data": {"n": n.to_string(), "sent": sent.to_string(), "done": if done { "yes" } else { "no" }}}),
            }),
        );
    };
    let began = Instant::now();
    let mut peak = String::new();
    for n in 0..total {
        tick.tick().await;
        publish(n, false);
        if n % rate == rate / 2 {
            peak = rss();
        }
    }
    let took = began.elapsed();
    // Two seconds to drain, then every client stops.
    tokio::time::sleep(Duration::from_secs(2)).await;
    publish(total, true);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = stop_tx.send(true);
    let mut latencies = Vec::new();
    for task in tasks {
        if let Ok(mut l) = task.await {
            latencies.append(&mut l);
        }
    }
    latencies.sort_unstable();
    println!(
        "published {total} in {:.2} s; during: {peak}",
        took.as_secs_f64()
    );
    println!(
        "received within 2 s of the last: {} of {} messages, {} resyncs; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        received.load(Ordering::Relaxed),
        total * clients,
        resyncs.load(Ordering::Relaxed),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );
    Ok(())
}

#[allow(clippy::too_many_lines)] // One scenario, read top to bottom.
async fn record() -> anyhow::Result<()> {
    let n = env("N", 100_000);
    let changes = env("CHANGES", 200);
    let dir = tempfile::tempdir()?;
    let dump = dir.path().join("dump.json");
    let n_objects = usize::try_from(n)?;
    korral_testkit::write_dump(
        &korral_testkit::SynthOptions::new(n_objects),
        std::fs::File::create(&dump)?,
    )?;
    let set = korral_core::Loader::new().path(&dump).load()?;
    println!(
        "\n== Recording a synthetic cluster of {} objects (API test server, SQLite)",
        set.len()
    );
    let server =
        korral_testkit::ApiServer::start(&set, korral_testkit::ServerOptions::default()).await?;
    drop(set);
    server.write_kubeconfig(dir.path().join("config"))?;
    let db = dir.path().join("korral.db");
    let store = korral_store::Store::open(&format!("sqlite:{}", db.display())).await?;
    let config = korral_kube::ClusterConfig::load(korral_kube::KubeOptions {
        kubeconfig: Some(dir.path().join("config")),
        ..korral_kube::KubeOptions::default()
    })?;
    let hub = Hub::default();
    let clusters = Clusters::default();
    let began = Instant::now();
    let _recorder = korral_server::recorder::Recorder::start(
        store.clone(),
        vec![config],
        hub.clone(),
        clusters.clone(),
    );
    let view = clusters.get("korral-test").expect("the recorded cluster");
    while !view.synced.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if let Some(err) = view.error() {
            anyhow::bail!("recording failed: {err}");
        }
    }
    println!(
        "initial list + write: {:.2} s; {}",
        began.elapsed().as_secs_f64(),
        rss()
    );
    let size: u64 = ["korral.db", "korral.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
        .map(|m| m.len())
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let mib = size as f64 / 1_048_576.0;
    println!("database: {mib:.1} MiB (file + WAL)");

    let id = store.cluster("korral-test").await?;
    let began = Instant::now();
    let objects = store
        .objects_at_set(
            id,
            jiff::Timestamp::now(),
            &korral_store::ChangeFilter::default(),
        )
        .await?;
    let read = began.elapsed();
    let count = objects.len();
    let set = korral_core::ObjectSet::from_objects(objects, vec!["store".to_owned()], Vec::new());
    let graph = korral_topology::infer(&set, korral_topology::InferOptions::default());
    let json = serde_json::to_string(&graph)?;
    println!(
        "topology --at now: {count} objects read in {:.2} s, graph of {} nodes as {} KiB JSON in {:.2} s total",
        read.as_secs_f64(),
        graph.nodes().len(),
        json.len() / 1024,
        began.elapsed().as_secs_f64()
    );

    // Changes through the API server, each timed to the hub's update.
    let mut updates = hub.subscribe(None).receiver;
    let mut latencies = Vec::new();
    for n in 0..changes {
        let name = format!("bench-{n}");
        let written = Instant::now();
        server
            .create(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "default"}, "data": {"n": "1"}}))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        loop {
            let published = tokio::time::timeout(Duration::from_secs(30), updates.recv()).await??;
            if matches!(&published.update, Update::Objects(c) if c.name == name) {
                latencies.push(u64::try_from(written.elapsed().as_nanos()).unwrap_or(u64::MAX));
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    latencies.sort_unstable();
    println!(
        "{changes} ConfigMaps created through the API server, write to hub (watch, batch, store, graph): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
    Ok(())
}
