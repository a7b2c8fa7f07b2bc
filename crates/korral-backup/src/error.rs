//! What can go wrong while backing up or restoring.

use std::path::PathBuf;

/// The crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while backing up or restoring.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API server refused or could not be reached.
    #[error(transparent)]
    Kube(#[from] korral_kube::Error),

    /// Creating, reading or verifying the bundle failed, or a key could not be used.
    #[error(transparent)]
    Bundle(#[from] korral_bundle::Error),

    /// A file or folder could not be written or read.
    #[error(
        "cannot write or read `{path}`: {source}; check the path, its permissions and the free space"
    )]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },

    /// The options make no backup (an unknown kind in `--include-kinds`, nothing left
    /// to list), or a schedule's value is not what it claims to be (a cron schedule,
    /// a name, a size, an image).
    #[error("{0}")]
    Input(String),

    /// An object or the summary could not be turned into YAML.
    #[error("cannot write `{path}` as YAML: {message}")]
    Yaml {
        /// The file being written.
        path: PathBuf,
        /// What the serialiser said.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
