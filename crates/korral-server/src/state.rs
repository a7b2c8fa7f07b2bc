//! What every request handler shares.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::api::metrics::Metrics;
use crate::api::rate::{RateLimit, RateLimiter};
use crate::auth::Auth;
use crate::hub::Hub;
use crate::live::Clusters;

/// The server's shared state. Cheap to clone (`Arc`s inside).
#[derive(Clone, Default)]
pub struct AppState {
    /// The clusters served.
    pub clusters: Clusters,
    /// Live updates for WebSocket clients.
    pub hub: Hub,
    /// The bearer token and WebSocket tickets.
    pub auth: Auth,
    /// Limits and switches `korral serve` was started with.
    pub options: Arc<Options>,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// Requests per client.
    pub limiter: RateLimiter,
    /// The history store (live contexts); none for a read-only `-f` source.
    pub store: Option<korral_store::Store>,
    /// A client per live cluster, by name, for what the cluster answers itself (logs)
    /// and for writes (apply). Read-only sources have none.
    pub kube: Arc<BTreeMap<String, korral_kube::Client>>,
}

impl AppState {
    /// State for `clusters`, accepting `token`, with `options`.
    pub fn new(clusters: Clusters, token: &str, options: Options) -> Self {
        Self {
            clusters,
            auth: Auth::new(token),
            limiter: RateLimiter::new(options.rate),
            options: Arc::new(options),
            ..Self::default()
        }
    }

    /// Whether `/readyz` says ready: every cluster served has been listed once (a
    /// read-only source from the start).
    pub fn is_ready(&self) -> bool {
        let clusters = self.clusters.all();
        !clusters.is_empty() && clusters.iter().all(|c| c.synced.load(Ordering::Acquire))
    }
}

/// Limits and switches of the server.
#[derive(Debug, Clone)]
pub struct Options {
    /// Show Secrets' values (`korral serve --show-secret-values`); redacted otherwise.
    pub show_secret_values: bool,
    /// The largest request body accepted (413 past it). Default 4 MiB: a large set of
    /// manifests to apply.
    pub body_limit: usize,
    /// How long a request may take to start its answer (503 past it). Default 30 s.
    pub request_timeout: Duration,
    /// Requests per client.
    pub rate: RateLimit,
    /// The one browser origin allowed to call the API (CORS); none by default.
    pub allow_origin: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            show_secret_values: false,
            body_limit: 4 << 20,
            request_timeout: Duration::from_secs(30),
            rate: RateLimit::default(),
            allow_origin: None,
        }
    }
}
