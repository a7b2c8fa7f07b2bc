//! Inference on the input that used to grow with the square of its size: N
//! NetworkPolicies that select every pod (an empty `podSelector`) and N pods in one
//! namespace. With selections of every pod kept as one fold each, time and memory grow
//! with N. Run with `cargo bench -p korral-topology --bench selectors`; the binary's
//! end-to-end time and peak memory come from `scripts/bench-selectors`.

use std::fmt::Write;

use divan::Bencher;
use korral_core::{Loader, ObjectSet};
use korral_topology::{InferOptions, infer};

fn main() {
    divan::main();
}

fn policies_and_pods(n: usize) -> ObjectSet {
    let mut text = String::with_capacity(n * 300);
    for i in 0..n {
        let _ = write!(
            text,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny-{i}, namespace: flat}}\nspec: {{podSelector: {{}}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: pod-{i}, namespace: flat, labels: {{app: a{i}}}}}\n"
        );
    }
    Loader::load_str("flat.yaml", &text).unwrap()
}

#[divan::bench(args = [1_000, 5_000, 20_000], sample_count = 3, sample_size = 1)]
fn every_pod_selected_by_every_policy(bencher: Bencher<'_, '_>, n: usize) {
    let set = policies_and_pods(n);
    bencher.bench(|| infer(&set, InferOptions::default()));
}
