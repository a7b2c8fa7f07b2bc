//! What can stop the TUI. Everything else (an unreachable cluster, a refused write)
//! is shown on screen and retried or reported there.

/// Why the TUI could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The terminal refused raw mode, the alternate screen or a write.
    #[error(
        "cannot drive the terminal: {0}; run korral tui in an interactive terminal (not a pipe)"
    )]
    Terminal(#[source] std::io::Error),
    /// The async runtime did not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// A result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
