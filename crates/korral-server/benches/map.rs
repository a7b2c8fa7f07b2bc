//! The web UI's map (`GET /api/v1/clusters/{cluster}/map`) of synthetic clusters: 3,000
//! objects (about 1,000 pods) and 60,000 objects (about 20,000 pods), read from the live
//! graph under its lock (graph, health and owners of every object), folded, laid out
//! and written as JSON — the server's whole work for one answer.
//!
//! Run with `cargo bench -p korral-server --bench map`.

use std::sync::{Arc, OnceLock};

use divan::Bencher;
use korral_core::Loader;
use korral_server::api::map::{FoldMode, MapOptions, build, from_live};
use korral_server::{ClusterView, Clusters};
use korral_testkit::{SynthOptions, write_dump};
use korral_topology::View;

fn main() {
    divan::main();
}

const SIZES: [usize; 2] = [3_000, 60_000];

/// The served cluster of `objects` synthetic objects, built once per size.
fn cluster(objects: usize) -> Arc<ClusterView> {
    static CLUSTERS: OnceLock<[OnceLock<Arc<ClusterView>>; 2]> = OnceLock::new();
    let clusters = CLUSTERS.get_or_init(Default::default);
    let slot = &clusters[SIZES.iter().position(|&s| s == objects).unwrap()];
    Arc::clone(slot.get_or_init(|| {
        let mut dump = Vec::new();
        let summary = write_dump(&SynthOptions::new(objects), &mut dump).unwrap();
        let set = Loader::load_str("dump.json", std::str::from_utf8(&dump).unwrap()).unwrap();
        eprintln!(
            "{objects} objects: {} pods",
            summary.kinds.get("Pod").copied().unwrap_or_default()
        );
        Clusters::offline("synth", &set).get("synth").unwrap()
    }))
}

fn answer(view: &ClusterView, fold: FoldMode) -> Vec<u8> {
    let (graph, facts) = from_live(view, &View::default()).unwrap();
    let options = MapOptions {
        fold,
        ..MapOptions::default()
    };
    let map = build(&graph, &facts, &options, 0).unwrap();
    serde_json::to_vec(&map).unwrap()
}

/// The default answer: folded above 2,000 nodes.
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn map_auto(bencher: Bencher<'_, '_>, objects: usize) {
    let view = cluster(objects);
    let bytes = answer(&view, FoldMode::Auto).len();
    eprintln!("{objects} objects, fold=auto: {bytes} bytes");
    bencher.bench(|| answer(&view, FoldMode::Auto));
}

/// Every object a node (what `expand` of everything costs).
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn map_unfolded(bencher: Bencher<'_, '_>, objects: usize) {
    let view = cluster(objects);
    let bytes = answer(&view, FoldMode::None).len();
    eprintln!("{objects} objects, fold=none: {bytes} bytes");
    bencher.bench(|| answer(&view, FoldMode::None));
}
