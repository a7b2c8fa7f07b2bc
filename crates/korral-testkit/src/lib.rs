//! Test-only parts for korral: the Kubernetes API test server and the synthetic cluster
//! generator.
//!
//! - [`ApiServer`]: a Kubernetes API test server, a stand-in for a real API server in
//!   tests (none can be installed here). It serves discovery, list, watch, get, create,
//!   update, patch, delete and pod logs over HTTP on 127.0.0.1, seeded from any
//!   [`korral_core::ObjectSet`], and writes a kubeconfig for itself so that korral's
//!   real client code runs against it. [`Faults`] makes it fail on purpose.
//! - [`HostileServer`]: a raw TCP server that attacks its client on purpose (never
//!   answers, trickles, endless bodies and lists, terminal controls in messages).
//! - [`write_dump`] writes a realistic `kubectl get -A -o json` dump of a cluster of any
//!   size, deterministic for a given [`SynthOptions`], with every reference resolving
//!   (owners, nodes, ConfigMaps, Secrets, claims, ServiceAccounts, Services). It is what
//!   korral's tests and benchmarks read; the `korral-testkit generate` binary writes one
//!   to a file, and `korral-testkit serve` serves one (or any manifests).
//!
//! ```no_run
//! use korral_testkit::{SynthOptions, write_dump};
//!
//! let file = std::fs::File::create("/tmp/dump.json")?;
//! let summary = write_dump(&SynthOptions::new(10_000), file)?;
//! assert_eq!(summary.total, 10_000);
//! # Ok::<(), std::io::Error>(())
//! ```

mod apiserver;
mod hostile;
mod synth;

pub use apiserver::{ApiError, ApiServer, Controllers, Fault, FaultTarget, Faults, ServerOptions};
pub use hostile::{Answer, HOSTILE_TOKEN, HostileServer};
pub use synth::{SynthOptions, SynthSummary, write_dump};
