//! `korral serve`: records the clusters it watches into the store, keeps their live
//! topology, and serves both over HTTP and WebSocket.
//!
//! - [`live::Clusters`]: the clusters served, each a [`live::ClusterView`] holding its
//!   current objects and graph (recorded live, or read-only from files).
//! - [`hub::Hub`]: where the recorder publishes every change for WebSocket clients.
//! - [`state::AppState`]: what every request handler shares.

pub mod hub;
pub mod live;
pub mod recorder;
pub mod state;
pub mod ws;
