//! The environment variables korral-kube reads, in one place.
//!
//! They are read once, into an [`Env`], so that the rules that use them are plain
//! functions of their values (and tests need not change the process's environment).

use std::ffi::OsString;
use std::path::PathBuf;

/// Kubeconfig files to read when `--kubeconfig` is not given, separated like `PATH`
/// (`:` on Unix); merged with the first file's values winning, as kubectl does. Files
/// that do not exist are skipped.
pub const KUBECONFIG: &str = "KUBECONFIG";

/// Set by Kubernetes in every pod: the API server's address. Its presence (with no
/// kubeconfig found) selects the in-cluster service account configuration.
pub const KUBERNETES_SERVICE_HOST: &str = "KUBERNETES_SERVICE_HOST";

/// Set by Kubernetes in every pod: the API server's port. Read (with the host) by
/// kube's in-cluster configuration, not by korral itself.
pub const KUBERNETES_SERVICE_PORT: &str = "KUBERNETES_SERVICE_PORT";

/// The user's home folder; `~/.kube/config` is the kubeconfig when nothing else is set.
pub const HOME: &str = "HOME";

/// A snapshot of the variables that decide which configuration is used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    /// [`KUBECONFIG`].
    pub kubeconfig: Option<OsString>,
    /// The home folder ([`HOME`], or the platform's notion of it).
    pub home: Option<PathBuf>,
    /// Whether [`KUBERNETES_SERVICE_HOST`] is set (korral runs inside a pod).
    pub in_cluster: bool,
}

impl Env {
    /// The current process's environment.
    pub fn from_process() -> Self {
        Self {
            kubeconfig: std::env::var_os(KUBECONFIG),
            home: std::env::var_os(HOME)
                .filter(|h| !h.is_empty())
                .map(PathBuf::from)
                .or_else(std::env::home_dir),
            in_cluster: std::env::var_os(KUBERNETES_SERVICE_HOST).is_some_and(|h| !h.is_empty()),
        }
    }
}
