//! `korral generate` and `korral provision` against the real Ansible tools.
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
