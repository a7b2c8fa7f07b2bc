//! Benchmarks of the topology pipeline at 1K, 10K and 100K objects, on synthetic
//! `kubectl get -A -o json` dumps from korral-testkit: load and parse, inference, and
//! JSON export, each on its own; and `serde_json::Value` parsing of the same text for
//! comparison. Run with `cargo bench -p korral-topology`.
//!
//! End-to-end time and peak memory of the binary are measured by
//! `scripts/bench-topology`, which runs separate processes.

use std::sync::OnceLock;

use divan::Bencher;
use korral_core::{Loader, ObjectSet};
use korral_testkit::{SynthOptions, write_dump};
use korral_topology::{Format, InferOptions, export, infer};

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

/// The dump of `objects` objects, generated once per size.
fn dump(objects: usize) -> &'static str {
    static DUMPS: OnceLock<[OnceLock<String>; 3]> = OnceLock::new();
    let dumps = DUMPS.get_or_init(Default::default);
    let slot = &dumps[SIZES.iter().position(|&s| s == objects).unwrap()];
    slot.get_or_init(|| {
        let mut text = Vec::new();
        write_dump(&SynthOptions::new(objects), &mut text).unwrap();
        String::from_utf8(text).unwrap()
    })
}

fn loaded(objects: usize) -> ObjectSet {
    Loader::load_str("dump.json", dump(objects)).unwrap()
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn parse_value_baseline(bencher: Bencher<'_, '_>, objects: usize) {
    let text = dump(objects);
    bencher.bench(|| serde_json::from_str::<serde_json::Value>(text).unwrap());
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn load(bencher: Bencher<'_, '_>, objects: usize) {
    let text = dump(objects);
    bencher.bench(|| Loader::load_str("dump.json", text).unwrap());
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn inference(bencher: Bencher<'_, '_>, objects: usize) {
    let set = loaded(objects);
    bencher.bench(|| infer(&set, InferOptions::default()));
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn export_json(bencher: Bencher<'_, '_>, objects: usize) {
    let graph = infer(&loaded(objects), InferOptions::default());
    bencher.bench(|| {
        let mut out = Vec::with_capacity(64 << 20);
        export(&graph, Format::Json, &mut out).unwrap();
        out
    });
}

#[divan::bench(args = [1_000, 10_000], sample_count = 3, sample_size = 1)]
fn export_svg(bencher: Bencher<'_, '_>, objects: usize) {
    let graph = infer(&loaded(objects), InferOptions::default());
    bencher.bench(|| {
        let mut out = Vec::new();
        export(&graph, Format::Svg, &mut out).unwrap();
        out
    });
}
