use std::path::PathBuf;

/// Errors from configuring an audit.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A severity name korral does not know.
    #[error("unknown severity `{0}`; use one of: info, low, medium, high, critical")]
    UnknownSeverity(String),
    /// A standard name korral does not know.
    #[error(
        "unknown standard `{0}`; use one of: pss-baseline, pss-restricted, nsa, cis, best-practice, all"
    )]
    UnknownStandard(String),
    /// A rule code that is not in the registry.
    #[error("unknown rule `{0}`; `korral audit rules` lists them")]
    UnknownRule(String),
    /// A Kubernetes version that does not parse.
    #[error("`{0}` is not a Kubernetes version; write it like 1.29 or v1.29.3")]
    KubeVersion(String),
    /// A file could not be read.
    #[error("cannot read `{path}`: {source}; {}", korral_core::read_hint(source))]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The config file is not valid.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong and where.
        message: String,
    },
    /// The baseline file is not a `korral audit -o json` report.
    #[error(
        "{path}: not a baseline ({message}); write one with `korral audit … -o json --out {path}`"
    )]
    Baseline {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
