//! `GET /api/v1/watch`: live updates over a WebSocket.
//!
//! A client names what it wants in the URL
//! (`?topics=objects,topology,events&namespace=NS&kind=ConfigMap&cluster=C`) or, after
//! connecting, in a message `{"type":"subscribe","topics":["objects"],"kind":"ConfigMap"}`.
//! It is sent a `state` (the current topology, objects and events it asked for), then a
//! `diff` per update. Every message is one JSON object with a `type` (`state`, `diff`,
//! `resync`, `heartbeat`, `error`) and a `seq`: a diff's seq is the hub's (increasing);
//! a state, resync or heartbeat carries the seq it is current to. A client that
//! reconnects with `?since=SEQ` is sent the diffs it missed, if the hub's replay ring
//! still holds them, else a `resync` and a fresh state. A client that falls more than
//! the hub's queue behind is sent a `resync` and a fresh state, while the others keep
//! receiving. The server pings and sends a `heartbeat` every
//! [`WsOptions::heartbeat`]; a client it hears nothing from (no pong, no message) for
//! [`WsOptions::timeout`] is dropped.
//!
//! The logic ([`serve`]) is generic over a [`Sink`] and a [`Stream`] of [`Frame`]s, so
//! tests drive it with channels; [`handler`] adapts axum's WebSocket to it.

mod connection;
mod filter;

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use futures::{SinkExt, StreamExt};

pub use connection::serve;
pub use filter::{Subscribe, Topic, WatchParams};

use crate::hub::Hub;
use crate::live::Clusters;
use crate::state::AppState;

/// The largest message a client may send (a subscribe message is a few hundred bytes).
pub const MAX_CLIENT_MESSAGE: usize = 16 * 1024;

/// Timings of one connection.
#[derive(Debug, Clone, Copy)]
pub struct WsOptions {
    /// How often the server pings and sends a JSON heartbeat (default 15 s).
    pub heartbeat: Duration,
    /// How long the server waits to hear from a client before dropping it (default 45 s).
    pub timeout: Duration,
    /// How long one message may take to be accepted by the socket before the client is
    /// dropped as gone (default 10 s).
    pub send_timeout: Duration,
    /// At most this many objects (and as many events) in one `state`; more is
    /// marked `truncated` (default 20,000: narrow by kind or namespace for more).
    pub max_state_objects: usize,
}

impl Default for WsOptions {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(15),
            timeout: Duration::from_secs(45),
            send_timeout: Duration::from_secs(10),
            max_state_objects: 20_000,
        }
    }
}

/// One WebSocket frame, as [`serve`] sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A JSON message.
    Text(String),
    /// A ping (to be answered with a pong).
    Ping(Vec<u8>),
    /// A pong.
    Pong(Vec<u8>),
    /// The other side closes.
    Close,
}

/// The axum handler for `GET /api/v1/watch` (mount it behind the auth check).
#[allow(clippy::unused_async)] // axum takes async fns as handlers.
pub async fn handler(
    upgrade: WebSocketUpgrade,
    Query(params): Query<WatchParams>,
    State(state): State<AppState>,
) -> Response {
    upgrade
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| run(socket, params, state))
}

async fn run(socket: WebSocket, params: WatchParams, state: AppState) {
    serve_socket(
        socket,
        params,
        state.hub.clone(),
        state.clusters.clone(),
        WsOptions::default(),
    )
    .await;
}

/// Serves one upgraded axum WebSocket (what [`handler`] does after the upgrade; for
/// routers that keep another state).
pub async fn serve_socket(
    socket: WebSocket,
    params: WatchParams,
    hub: Hub,
    clusters: Clusters,
    options: WsOptions,
) {
    let (sink, stream) = socket.split();
    let sink = sink.with(|frame: Frame| async move { Ok::<_, axum::Error>(to_message(frame)) });
    let stream = stream.map(|message| message.map(from_message));
    serve(
        Box::pin(sink),
        Box::pin(stream),
        hub,
        clusters,
        params,
        options,
    )
    .await;
}

fn to_message(frame: Frame) -> Message {
    match frame {
        Frame::Text(text) => Message::Text(text.into()),
        Frame::Ping(data) => Message::Ping(data.into()),
        Frame::Pong(data) => Message::Pong(data.into()),
        Frame::Close => Message::Close(None),
    }
}

fn from_message(message: Message) -> Frame {
    match message {
        Message::Text(text) => Frame::Text(text.as_str().to_owned()),
        // Binary frames mean nothing here; they count as hearing from the client.
        Message::Binary(_) => Frame::Pong(Vec::new()),
        Message::Ping(data) => Frame::Ping(data.to_vec()),
        Message::Pong(data) => Frame::Pong(data.to_vec()),
        Message::Close(_) => Frame::Close,
    }
}
