use std::path::PathBuf;

/// Everything that can go wrong with bundles and keys.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("`{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The keyring cannot be read: a signature cannot be judged without it.
    #[error(
        "cannot read the keyring at `{path}`: {source}; make it readable by you (`chmod -R u+rwX` on the keyring folder), or point --keyring or KORRAL_KEYRING at another keyring"
    )]
    Keyring {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not an archive korral reads.
    #[error(
        "`{0}` is not a bundle: expected tar.zst, tar.gz, zip or tar (the first bytes are none of these)"
    )]
    UnknownFormat(PathBuf),
    /// The archive is damaged: truncated, corrupt compression, a malformed entry.
    #[error("the archive is damaged: {0}")]
    Archive(String),
    /// Decompressing would exceed the size or ratio caps.
    #[error("{0}")]
    Limit(String),
    /// An entry would land outside the destination or is of a refused kind.
    #[error("unsafe entry `{path}`: {reason}")]
    Unsafe { path: String, reason: String },
    /// The manifest cannot be read.
    #[error("`korral-bundle.yaml` is invalid: {0}")]
    Manifest(String),
    /// Bad input to `create`: a path that cannot be bundled.
    #[error("{0}")]
    Input(String),
    /// A key operation failed: not found, ambiguous, wrong passphrase, bad key data.
    #[error("{0}")]
    Key(String),
    /// Verification failed before extraction.
    #[error("the bundle failed verification; nothing was extracted")]
    Verification(Box<crate::Report>),
}

/// The result of bundle and key operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn keyring(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Keyring {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
