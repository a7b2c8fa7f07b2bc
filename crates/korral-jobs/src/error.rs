//! The crate's errors.

/// What can go wrong running jobs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request to the API server failed.
    #[error(
        "the API server refused `{what}`: {source}; check the controller's RBAC (`korral jobs install` grants it) and that the CRDs are installed (`korral jobs install --crds-only`)"
    )]
    Api {
        /// What was asked (`create Job ns/run-1`).
        what: String,
        /// The API server's answer.
        #[source]
        source: kube::Error,
    },
    /// A resource says something that cannot be done.
    #[error("{kind} `{namespace}/{name}`: {message}")]
    Invalid {
        /// Its kind.
        kind: &'static str,
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Another controller holds the leader Lease.
    #[error(
        "lost the leader lease `{0}` to another controller; this one stops so that only one acts"
    )]
    LostLease(String),
    /// A finalizer step failed.
    #[error("finalizing `{0}` failed: {1}")]
    Finalizer(String, String),
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps a kube error with what was asked.
    pub(crate) fn api(what: impl Into<String>) -> impl FnOnce(kube::Error) -> Self {
        let what = what.into();
        move |source| Self::Api { what, source }
    }
}
