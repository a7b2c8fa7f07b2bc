//! Integration tests of korral-testkit, one binary. The API test server is exercised
//! through the real `kube` client, as korral itself uses it, and through raw HTTP where
//! the client hides the protocol.
//!
//! - `util`: the harness: a small seed cluster, a server and a client for it.
//! - `controllers`: the simulated controllers (rollouts, image tags, Jobs, cascading
//!   and namespace deletes), write validation and apply conflicts.
//! - `discovery`: `/version`, `/api`, `/apis`, resource lists, aggregated discovery.
//! - `fidelity`: what a real server does that clients depend on: typeless list items,
//!   Events behind two APIs, the objects every cluster has, defaulting, managedFields,
//!   Tables.
//! - `list`: pagination, continue tokens, label and field selectors.
//! - `watch`: event order, resume, bookmarks, 410 Gone, timeouts.
//! - `write`: create, update, patches, delete, status, CRDs, finalizers.
//! - `logs`: `pods/log` with container choice, tail and follow.
//! - `faults`: injected 401/403/500, dropped watches, unavailable groups, delays.
//! - `serve`: the `korral-testkit serve` command and the blocking `spawn`.

// Test helpers build expected text with `+= &format!(…)` and name pairs alike (`want`/`went`).
#![allow(
    clippy::format_push_string,
    clippy::format_collect,
    clippy::similar_names
)]

mod controllers;
mod discovery;
mod faults;
mod fidelity;
mod list;
mod logs;
mod serve;
mod util;
mod watch;
mod write;
