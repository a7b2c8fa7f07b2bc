//! `korral serve`: records the clusters it watches into the store, keeps their live
//! topology, and serves both over HTTP and WebSocket.
//!
//! - [`live::Clusters`]: the clusters served, each a [`live::ClusterView`] holding its
//!   current objects and graph (recorded live, or read-only from files).
//! - [`hub::Hub`]: where the recorder publishes every change for WebSocket clients.
//! - [`state::AppState`]: what every request handler shares.
//! - [`router`]: the HTTP API under `/api/v1` (one router per area, merged), behind
//!   the bearer token ([`auth`]), with its limits; [`openapi()`] describes it.
//! - [`web`]: the web UI's built files, embedded, served at `/`.
//! - [`serve()`]: listens (plain or TLS, [`tls`]) until Ctrl-C or SIGTERM.
//!
//! ```no_run
//! use korral_server::{AppState, Clusters, Options, router};
//!
//! # async fn run(set: korral_core::ObjectSet) {
//! let state = AppState::new(Clusters::offline("shop", &set), "a-long-random-token", Options::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, router(state)).await.unwrap();
//! # }
//! ```

pub mod api;
pub mod auth;
pub mod error;
pub mod hub;
pub mod live;
pub mod openapi;
pub mod recorder;
pub mod serve;
pub mod state;
pub mod tls;
pub mod web;
pub mod ws;

pub use api::router;
pub use auth::Auth;
pub use error::{ApiError, ErrorBody};
pub use live::{ClusterView, Clusters};
pub use openapi::openapi;
pub use serve::{Error, bind, serve, shutdown_signal};
pub use state::{AppState, Options};
