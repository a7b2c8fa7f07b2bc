use std::path::{Path, PathBuf};

use korral_cluster::generate::{self, Options, Plan, Tree};
use korral_cluster::spec::Cluster;

/// The three shapes of cluster.yaml `korral init` writes: the templates themselves
/// (`template`) and fixtures of the same shapes with stable names (`cluster`), which the
/// snapshots use.
pub const TEMPLATES: [&str; 3] = ["minimal_dev", "production_full", "airgapped_enterprise"];

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/generate/fixtures")
}

pub fn cluster(name: &str) -> Cluster {
    let path = fixtures().join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The cluster `korral init --template NAME` writes, validated as `korral generate` does.
pub fn template(name: &str) -> Cluster {
    let template = korral_cluster::template(name).unwrap();
    let loaded = korral_cluster::Loaded::parse(&format!("{name}.yaml"), template.text)
        .unwrap_or_else(|err| panic!("{name}: {err}"));
    let diagnostics = korral_cluster::validate(&loaded);
    assert!(
        !korral_cluster::has_errors(&diagnostics),
        "{name}: {diagnostics:#?}"
    );
    loaded.cluster
}

pub fn options() -> Options {
    Options {
        base_dir: PathBuf::from("/srv/cluster"),
    }
}

pub fn tree(cluster: &Cluster) -> Tree {
    generate::generate(cluster, &options()).unwrap()
}

/// Generates `cluster` into `out` as `korral generate` does.
pub fn write(cluster: &Cluster, out: &Path) {
    let plan = Plan::new(&tree(cluster), out).unwrap();
    plan.write(false).unwrap();
}
