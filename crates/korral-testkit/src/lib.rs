//! Test-only parts for korral: the synthetic cluster generator, and later the Kubernetes
//! API test server.
//!
//! [`write_dump`] writes a realistic `kubectl get -A -o json` dump of a cluster of any
//! size, deterministic for a given [`SynthOptions`], with every reference resolving
//! (owners, nodes, ConfigMaps, Secrets, claims, ServiceAccounts, Services). It is what
//! korral's tests and benchmarks read; the `korral-testkit generate` binary writes one to
//! a file.
//!
//! ```no_run
//! use korral_testkit::{SynthOptions, write_dump};
//!
//! let file = std::fs::File::create("/tmp/dump.json")?;
//! let summary = write_dump(&SynthOptions::new(10_000), file)?;
//! assert_eq!(summary.total, 10_000);
//! # Ok::<(), std::io::Error>(())
//! ```

mod synth;

pub use synth::{SynthOptions, SynthSummary, write_dump};
