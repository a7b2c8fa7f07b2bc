//! korral-cluster's integration tests, one test binary.
//!
//! `spec`: the cluster.yaml model.
//!
//! - `props`: property tests: node validation, `config set` then `get`, comments kept.
//! - `schema`: the JSON Schema accepts every template and refuses what the loader does.
//!
//! `generate`: `korral generate` and `korral provision` against the real Ansible tools.
//!
//! - `ansible`: for each template, `ansible-playbook --syntax-check`, `ansible-lint
//!   --offline` (production profile) and the prerequisites role in check mode on localhost.
//! - `files`: snapshots of the generated files, the manifests read by korral-core's
//!   loader, dry-run and hand-edited files.
//! - `props`: property tests: inventory round trip, generate twice, adding a node.

mod generate {
    pub mod ansible;
    pub mod files;
    pub mod props;
    pub mod util;
}

mod spec {
    pub mod props;
    pub mod schema;
}
