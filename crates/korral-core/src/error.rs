use std::path::PathBuf;

/// Errors from reading Kubernetes objects.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read `{path}`: {source}; {}", read_hint(source))]
    Io {
        /// The path given or found while walking a folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A document is not valid YAML or JSON, or not a Kubernetes object.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        /// The file as the user named it (`<stdin>` for standard input).
        file: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A folder holds no `.yaml`, `.yml` or `.json` files.
    #[error("`{0}` holds no .yaml, .yml or .json files; point -f at manifests or a dump")]
    EmptyFolder(PathBuf),
    /// Every manifest under a folder matched an `--exclude` pattern.
    #[error("every file under `{0}` is excluded; loosen --exclude")]
    AllExcluded(PathBuf),
}

/// What to do when a file cannot be read: the fix depends on why.
pub fn read_hint(err: &std::io::Error) -> &'static str {
    match err.kind() {
        std::io::ErrorKind::InvalidData => {
            "it is not text: manifests are YAML or JSON in UTF-8 (a binary or another encoding cannot be read)"
        }
        _ => "check the path and its permissions",
    }
}

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
