//! Cluster access with kubectl's conventions.
//!
//! - [`ClusterConfig`]: the kubeconfig and context, found as kubectl finds them
//!   (`--kubeconfig`, else `KUBECONFIG`'s files merged, else `~/.kube/config`, else the
//!   in-cluster service account), with `--context` and `-n` applied. It names the
//!   context, the server and the default namespace, and connects a [`Client`].
//! - [`discover`]: every listable resource the server serves, CRDs included; a group
//!   version that cannot be read (an aggregated API that is down) is a warning.
//! - [`list_all`]: paged lists of many resources at once, read into a korral
//!   [`ObjectSet`](korral_core::ObjectSet) straight from the JSON text; [`list`] also
//!   gives each resource's resourceVersion, for watches to start from; [`Pager`]
//!   reads one resource a page at a time, for readers that must not hold it all.
//! - [`watch()`]: one resource's changes as a stream of [`WatchEvent`]s that resumes,
//!   relists on 410 Gone and backs off by itself.
//! - [`log_lines`]: a container's log as a stream of lines, following if asked.
//! - [`Client::server_version`]: `GET /version`.
//!
//! Every [`Error`] names the context and server and says what to do. Every request
//! keeps to [`Limits`]: connect, request and idle timeouts, and a cap on the size of
//! answers and lists, so that a broken or hostile server ends with a message rather
//! than a hang or a process that grows until it dies. The kubeconfig user's exec
//! credential plugin is run by korral, with a time limit, and its output, arguments and
//! environment never appear in a message. The environment variables read are in
//! [`mod@env`].
//!
//! ```no_run
//! use korral_kube::{ClusterConfig, KubeOptions, ListOptions, discover, list_all};
//!
//! # async fn run() -> korral_kube::Result<()> {
//! let config = ClusterConfig::load(KubeOptions::default())?;
//! let client = config.client().await?;
//! println!("{} at {}: {}", config.context(), config.server(), client.server_version().await?);
//! let discovery = discover(&client).await?;
//! let (set, warnings) = list_all(&client, &discovery.resources, &ListOptions::default()).await?;
//! for warning in discovery.warnings.iter().chain(&warnings) {
//!     eprintln!("warning: {warning}");
//! }
//! println!("{} objects", set.len());
//! # Ok(())
//! # }
//! ```

mod body;
mod client;
mod config;
mod discovery;
pub mod env;
mod error;
mod exec;
mod limits;
mod list;
mod logs;
mod watch;

pub use client::{Client, ServerVersion};
pub use config::{ClusterConfig, IN_CLUSTER_CONTEXT, KubeOptions};
pub use discovery::{Discovery, Resource, discover};
pub use error::{Error, Result};
pub use limits::{DEFAULT_REQUEST_TIMEOUT, Limits};
pub use list::{ListOptions, ListPage, Listing, Pager, list, list_all};
pub use logs::{LogOptions, log_lines};
pub use watch::{WatchEvent, watch};
