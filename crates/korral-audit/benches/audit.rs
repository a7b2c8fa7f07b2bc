//! Load and audit a synthetic cluster dump (`korral-testkit`'s generator): what
//! `korral audit -f dump.json` costs, without process start-up.
//!
//! Run with `cargo bench -p korral-audit --bench audit`.

use korral_audit::{Options, audit};
use korral_core::Loader;
use korral_testkit::{SynthOptions, write_dump};

fn main() {
    divan::main();
}

fn dump(objects: usize) -> String {
    let mut out = Vec::new();
    write_dump(&SynthOptions::new(objects), &mut out).expect("the generator writes to memory");
    String::from_utf8(out).expect("the generator writes UTF-8")
}

#[divan::bench(args = [1_000, 10_000], sample_count = 10)]
fn load_and_audit(bencher: divan::Bencher, objects: usize) {
    let text = dump(objects);
    bencher.bench(|| {
        let set = Loader::load_str("dump.json", &text).expect("the dump loads");
        audit(&set, &Options::default()).findings.len()
    });
}

#[divan::bench(args = [10_000], sample_count = 10)]
fn audit_only(bencher: divan::Bencher, objects: usize) {
    let text = dump(objects);
    let set = Loader::load_str("dump.json", &text).expect("the dump loads");
    bencher.bench(|| audit(&set, &Options::default()).findings.len());
}
