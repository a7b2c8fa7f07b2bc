//! korral-server's integration tests, one binary.
//!
//! - `api`: every endpoint through `router().oneshot(..)`, and each security property
//!   (token, tickets, limits, CORS, errors that hide internals, Secrets redacted).
//! - `history`: versions, changes, `topology?at=` and /metrics over a real SQLite store.
//! - `map`: the web UI's map (folding, expand, the topology's parameters, errors).
//! - `web`: the embedded web UI (client routes, headers, caching, traversal).
//! - `live`: logs, apply and a Secret's values with the opt-in, against the API test
//!   server.
//! - `recorder`: the recorder against the API test server (initial state, changes once,
//!   deletions, restarts from bookmarks, relists after 410 Gone).
//! - `ws`: the WebSocket watch through channels (URL and message subscriptions, seqs,
//!   slow clients resynced, resuming, heartbeats).
//! - `util`: a served example cluster and request helpers.

mod api;
mod history;
mod live;
mod map;
mod recorder;
mod util;
mod web;
mod ws;
