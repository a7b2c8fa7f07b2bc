//! korral-cluster's integration tests, one test binary.
//!
//! `spec`: the cluster.yaml model.
//!
//! - `props`: property tests: node validation, `config set` then `get`, comments kept.
//! - `schema`: the JSON Schema accepts every template and refuses what the loader does.
//!
//! `generate`: `korral generate` and `korral provision` against the real Ansible tools.
//!
//! - `audit`: the generated manifests pass `korral audit` (no high or critical finding).
//! - `ansible`: for each template, `ansible-playbook --syntax-check`, `ansible-lint
//!   --offline` (production profile) and the prerequisites role in check mode on localhost.
//! - `injection`: values of cluster.yaml reach the real Ansible as data: none runs as a
//!   template, none adds a line to the systemd unit.
//! - `files`: snapshots of the generated files, the manifests read by korral-core's
//!   loader, dry-run and hand-edited files.
//! - `props`: property tests: inventory round trip, generate twice, adding a node.

// Test helpers build expected text with `+= &format!(…)` and name pairs alike (`want`/`went`).
#![allow(
    clippy::format_push_string,
    clippy::format_collect,
    clippy::similar_names
)]

mod generate {
    pub mod ansible;
    pub mod audit;
    pub mod files;
    pub mod injection;
    pub mod props;
    pub mod util;
}

mod spec {
    pub mod props;
    pub mod schema;
}
