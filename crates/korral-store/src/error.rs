//! The store's errors.

/// What can go wrong in the store. Messages never hold a connection string's password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database location is not one the store understands.
    #[error(
        "unsupported database `{url}`: {reason}; give a file path, `sqlite://PATH` or `postgres://USER@HOST/DB`"
    )]
    InvalidUrl {
        /// The location, its password hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The folder of a SQLite file could not be created.
    #[error(
        "cannot create the folder `{path}` for the database: {source}; check its permissions or give another `--database`"
    )]
    CreateDir {
        /// The folder.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error(
        "sqlite database `{path}`: {message}; check that it is a korral database you can write to, or give another `--database`"
    )]
    Sqlite {
        /// The database file.
        path: String,
        /// SQLite's message.
        message: String,
    },
    /// PostgreSQL failed (connecting or running a statement).
    #[error(
        "postgres database `{target}`: {message}; check that the server runs and that the URL's user, password and database are right"
    )]
    Postgres {
        /// `HOST:PORT/DB`, without user or password.
        target: String,
        /// The server's or the client's message, any password removed.
        message: String,
    },
    /// The database was written by a newer korral.
    #[error(
        "the database is at schema version {found} but this korral knows only up to {known}; upgrade korral or point `--database` elsewhere"
    )]
    NewerSchema {
        /// The version found.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// A stored value could not be read back.
    #[error(
        "stored data is damaged ({what}); the store may have been edited by hand, restore it from a backup"
    )]
    Corrupt {
        /// What could not be read.
        what: String,
    },
    /// The cluster id is not in the store.
    #[error("no recorded cluster with id `{0}`; list them with `korral history --clusters`")]
    UnknownCluster(i64),
    /// A snapshot of that name already exists.
    #[error("a snapshot named `{0}` already exists; choose another name or delete it first")]
    SnapshotExists(String),
    /// No snapshot of that name.
    #[error("no snapshot named `{0}`; list the snapshots to see their names")]
    SnapshotNotFound(String),
    /// A blocking database task stopped before finishing (it panicked or was cancelled).
    #[error("a database task stopped before finishing: {0}; this is a bug, please report it")]
    Task(String),
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            what: what.to_string(),
        }
    }
}
