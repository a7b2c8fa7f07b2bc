//! One WebSocket connection: subscribe, state, diffs, resyncs and heartbeats.

use std::sync::Arc;

use futures::{Sink, SinkExt, Stream, StreamExt};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::{Instant, timeout};

use super::filter::{Subscribe, Topic, WatchParams};
use super::{Frame, WsOptions};
use crate::hub::{Hub, Published};
use crate::live::{ClusterView, Clusters};

/// The least time between two subscribe messages a client sends.
const SUBSCRIBE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Why a connection ends (for the log; the client sees the socket close).
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// The client closed or its stream ended.
    Closed,
    /// Nothing heard for [`WsOptions::timeout`].
    Silent,
    /// The socket did not take a message within [`WsOptions::send_timeout`], or failed.
    Stuck,
}

/// Serves one connection until the client leaves, goes silent or stops reading.
pub async fn serve<S, R, E>(
    sink: S,
    stream: R,
    hub: Hub,
    clusters: Clusters,
    params: WatchParams,
    options: WsOptions,
) where
    S: Sink<Frame> + Unpin,
    R: Stream<Item = Result<Frame, E>> + Unpin,
{
    let mut connection = Connection {
        sink,
        hub,
        clusters,
        options,
        subscribe: None,
        view: None,
        last_seq: 0,
        next_subscribe: Instant::now(),
    };
    let _ = connection.run(stream, params).await;
}

struct Connection<S> {
    sink: S,
    hub: Hub,
    clusters: Clusters,
    options: WsOptions,
    subscribe: Option<Subscribe>,
    view: Option<Arc<ClusterView>>,
    /// The last seq sent: heartbeats carry it.
    last_seq: u64,
    /// When the next subscribe message is taken: each one costs a fresh state (at
    /// 100,000 objects, megabytes), so a client gets one a second.
    next_subscribe: Instant,
}

impl<S: Sink<Frame> + Unpin> Connection<S> {
    async fn run<R, E>(&mut self, mut stream: R, params: WatchParams) -> Result<(), End>
    where
        R: Stream<Item = Result<Frame, E>> + Unpin,
    {
        let mut receiver = match Subscribe::from_params(&params) {
            Ok(subscribe) => self.start(subscribe, params.since).await?,
            Err(message) => {
                self.error(&message).await?;
                None
            }
        };
        let mut heard = Instant::now();
        let mut ticks = tokio::time::interval_at(
            Instant::now() + self.options.heartbeat,
            self.options.heartbeat,
        );
        loop {
            tokio::select! {
                frame = stream.next() => {
                    heard = Instant::now();
                    match frame {
                        None | Some(Err(_) | Ok(Frame::Close)) => return Err(End::Closed),
                        Some(Ok(Frame::Ping(data))) => self.send(Frame::Pong(data)).await?,
                        Some(Ok(Frame::Pong(_))) => {}
                        Some(Ok(Frame::Text(text))) => {
                            if let Some(new) = self.on_message(&text).await? {
                                receiver = Some(new);
                            }
                        }
                    }
                }
                update = recv(receiver.as_mut()) => match update {
                    Ok(published) => {
                        // Everything already queued goes out in one write.
                        self.diff(&published).await?;
                        let mut lagged = None;
                        if let Some(receiver) = receiver.as_mut() {
                            loop {
                                match receiver.try_recv() {
                                    Ok(published) => self.diff(&published).await?,
                                    Err(TryRecvError::Lagged(missed)) => {
                                        lagged = Some(missed);
                                        break;
                                    }
                                    Err(_) => break,
                                }
                            }
                        }
                        self.flush().await?;
                        if let Some(missed) = lagged {
                            receiver = self.resync(&format!(
                                "this client fell {missed} updates behind; here is a fresh state"
                            )).await?;
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        receiver = self.resync(&format!(
                            "this client fell {missed} updates behind; here is a fresh state"
                        )).await?;
                    }
                    Err(RecvError::Closed) => return Err(End::Closed),
                },
                _ = ticks.tick() => {
                    if heard.elapsed() >= self.options.timeout {
                        return Err(End::Silent);
                    }
                    self.send(Frame::Ping(b"korral".to_vec())).await?;
                    let heartbeat = json!({"type": "heartbeat", "seq": self.last_seq});
                    self.send_json(&heartbeat).await?;
                }
            }
        }
    }

    /// A client's message: a subscribe (answered with a fresh state), a heartbeat, or
    /// something it is told it got wrong.
    async fn on_message(
        &mut self,
        text: &str,
    ) -> Result<Option<tokio::sync::broadcast::Receiver<Arc<Published>>>, End> {
        #[derive(serde::Deserialize)]
        struct Incoming {
            #[serde(rename = "type")]
            kind: String,
        }
        let kind = serde_json::from_str::<Incoming>(text).map(|i| i.kind);
        match kind.as_deref() {
            Ok("heartbeat") => Ok(None),
            Ok("subscribe") => match serde_json::from_str::<Subscribe>(text)
                .map_err(|e| format!("cannot read the subscribe message: {e}"))
                .and_then(Subscribe::checked)
            {
                Ok(_) if Instant::now() < self.next_subscribe => self
                    .error("too many subscribe messages: one a second at most; send it again")
                    .await
                    .map(|()| None),
                Ok(subscribe) => {
                    self.next_subscribe = Instant::now() + SUBSCRIBE_EVERY;
                    self.start(subscribe, None).await
                }
                Err(message) => self.error(&message).await.map(|()| None),
            },
            Ok(other) => {
                let message = format!(
                    "unknown message type `{}`; send subscribe or heartbeat",
                    korral_core::terminal::escape(&other.chars().take(64).collect::<String>())
                );
                self.error(&message).await.map(|()| None)
            }
            Err(_) => self
                .error("a message must be a JSON object with a `type`")
                .await
                .map(|()| None),
        }
    }

    /// Takes a new subscription: the missed diffs when resuming from `since` is
    /// possible, else a state.
    async fn start(
        &mut self,
        subscribe: Subscribe,
        since: Option<u64>,
    ) -> Result<Option<tokio::sync::broadcast::Receiver<Arc<Published>>>, End> {
        let Some(view) = self.pick(subscribe.cluster.as_deref()) else {
            let message = match &subscribe.cluster {
                Some(name) => format!(
                    "no cluster `{}` is served; GET /api/v1/clusters lists them",
                    korral_core::terminal::escape(name)
                ),
                None => "no cluster is served yet; try again in a moment".to_owned(),
            };
            self.error(&message).await?;
            return Ok(None);
        };
        self.view = Some(view);
        self.subscribe = Some(subscribe);
        if let Some(since) = since {
            let subscription = self.hub.subscribe(Some(since));
            if let Some(missed) = subscription.missed {
                for published in &missed {
                    self.diff(published).await?;
                }
                self.flush().await?;
                self.last_seq = self.last_seq.max(subscription.seq);
                return Ok(Some(subscription.receiver));
            }
            return self
                .resync(&format!(
                    "seq {since} is too old to resume from; here is a fresh state"
                ))
                .await;
        }
        self.state().await.map(Some)
    }

    fn pick(&self, name: Option<&str>) -> Option<Arc<ClusterView>> {
        match name {
            Some(name) => self.clusters.get(name),
            None => self.clusters.all().into_iter().next(),
        }
    }

    async fn resync(
        &mut self,
        reason: &str,
    ) -> Result<Option<tokio::sync::broadcast::Receiver<Arc<Published>>>, End> {
        let message = json!({"type": "resync", "seq": self.hub.seq(), "reason": reason});
        self.send_json(&message).await?;
        self.state().await.map(Some)
    }

    /// Sends the state of what the client subscribed to, subscribing at the same
    /// moment so that no update falls between the state and the first diff.
    async fn state(&mut self) -> Result<tokio::sync::broadcast::Receiver<Arc<Published>>, End> {
        let (Some(view), Some(subscribe)) = (self.view.clone(), self.subscribe.clone()) else {
            return Err(End::Closed);
        };
        let max = self.options.max_state_objects;
        let (subscription, text) = view.read(|graph| {
            let subscription = self.hub.subscribe(None);
            let text = state_message(&view.name, graph, &subscribe, subscription.seq, max);
            (subscription, text)
        });
        self.last_seq = subscription.seq;
        self.send(Frame::Text(text)).await?;
        Ok(subscription.receiver)
    }

    async fn diff(&mut self, published: &Published) -> Result<(), End> {
        let (Some(view), Some(subscribe)) = (&self.view, &self.subscribe) else {
            return Ok(());
        };
        if published.seq <= self.last_seq {
            return Ok(());
        }
        let Some(message) = subscribe.diff_message(&view.name, published) else {
            return Ok(());
        };
        self.last_seq = published.seq;
        self.feed(Frame::Text(message)).await
    }

    async fn error(&mut self, message: &str) -> Result<(), End> {
        let message = json!({"type": "error", "seq": self.last_seq, "message": message});
        self.send_json(&message).await
    }

    async fn send_json(&mut self, value: &Value) -> Result<(), End> {
        self.send(Frame::Text(value.to_string())).await
    }

    async fn send(&mut self, frame: Frame) -> Result<(), End> {
        match timeout(self.options.send_timeout, self.sink.send(frame)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(End::Stuck),
        }
    }

    /// Queues a frame without writing it out ([`Connection::flush`] does).
    async fn feed(&mut self, frame: Frame) -> Result<(), End> {
        match timeout(self.options.send_timeout, self.sink.feed(frame)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(End::Stuck),
        }
    }

    async fn flush(&mut self) -> Result<(), End> {
        match timeout(self.options.send_timeout, self.sink.flush()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(End::Stuck),
        }
    }
}

/// The next update, or never when there is no subscription.
async fn recv(
    receiver: Option<&mut tokio::sync::broadcast::Receiver<Arc<Published>>>,
) -> Result<Arc<Published>, RecvError> {
    match receiver {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

/// The `state` message: the topics the client asked for, in its scope. Objects and
/// events are at most `max` each (`truncated` says when more were left out). Built as
/// text: the objects are JSON text already.
fn state_message(
    cluster: &str,
    graph: &korral_topology::LiveGraph,
    subscribe: &Subscribe,
    seq: u64,
    max: usize,
) -> String {
    use std::fmt::Write;
    let mut out = format!(
        r#"{{"type":"state","seq":{seq},"cluster":{}"#,
        Value::from(cluster)
    );
    let mut truncated = false;
    let mut list = |out: &mut String, field: &str, take: &dyn Fn(&korral_core::Object) -> bool| {
        let mut objects: Vec<&korral_core::Object> = graph.objects().filter(|o| take(o)).collect();
        objects.sort_by_key(|o| o.key());
        if objects.len() > max {
            truncated = true;
            objects.truncate(max);
        }
        let _ = write!(out, r#","{field}":["#);
        for (n, object) in objects.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str(object.raw().as_str());
        }
        out.push(']');
    };
    if subscribe.wants(Topic::Objects) {
        list(&mut out, "objects", &|o| {
            subscribe.takes_object(o.kind(), o.namespace())
        });
    }
    if subscribe.wants(Topic::Events) {
        list(&mut out, "events", &|o| {
            o.kind() == "Event"
                && o.group().is_empty()
                && subscribe
                    .namespace
                    .as_deref()
                    .is_none_or(|ns| o.namespace() == Some(ns))
        });
    }
    if subscribe.wants(Topic::Topology) {
        let whole = graph.graph();
        let view = korral_topology::View {
            namespace: subscribe.namespace.clone(),
            ..korral_topology::View::default()
        };
        let empty = korral_core::ObjectSet::from_objects(Vec::new(), Vec::new(), Vec::new());
        let narrowed = view.apply(&whole, &empty).unwrap_or(whole);
        let topology = serde_json::to_string(&narrowed).unwrap_or_else(|_| "null".to_owned());
        let _ = write!(out, r#","topology":{topology}"#);
    }
    let _ = write!(out, r#","truncated":{truncated}}}"#);
    out
}
