use std::fmt;
use std::path::PathBuf;

/// Errors from reaching a cluster: finding and reading its kubeconfig, connecting,
/// being let in, and reading what it answers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No kubeconfig was found and korral does not run inside a pod.
    #[error(
        "no kubeconfig found (looked at {}) and not running inside a cluster; pass --kubeconfig, set `KUBECONFIG`, or create `~/.kube/config`",
        paths(searched)
    )]
    NoKubeconfig {
        /// The paths looked at, in order.
        searched: Vec<PathBuf>,
    },

    /// A kubeconfig file could not be read (missing, unreadable).
    #[error("cannot read kubeconfig `{}`: {source}; check the path and its permissions", path.display())]
    ReadKubeconfig {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// A kubeconfig file could not be parsed, or several could not be merged.
    #[error(
        "kubeconfig {} is invalid: {message}; fix the file or point --kubeconfig elsewhere",
        paths(files)
    )]
    Kubeconfig {
        /// The file or files involved.
        files: Vec<PathBuf>,
        /// What is wrong.
        message: String,
    },

    /// Neither `--context` nor the kubeconfig's `current-context` names a context.
    #[error(
        "no context selected: kubeconfig {} has no `current-context`; pass --context with one of its contexts: {}",
        paths(files),
        names(available)
    )]
    NoContext {
        /// The kubeconfig files read.
        files: Vec<PathBuf>,
        /// The contexts they define.
        available: Vec<String>,
    },

    /// The selected context is not in the kubeconfig.
    #[error(
        "context `{context}` is not in kubeconfig {}; pass --context with one of its contexts: {}",
        paths(files),
        names(available)
    )]
    ContextNotFound {
        /// The context asked for.
        context: String,
        /// The kubeconfig files read.
        files: Vec<PathBuf>,
        /// The contexts they define.
        available: Vec<String>,
    },

    /// The context points at a cluster entry that is missing or has no server address.
    #[error(
        "context `{context}` uses cluster `{cluster}`, which kubeconfig {} does not define with a `server` address; add it or pick another context",
        paths(files)
    )]
    ClusterNotFound {
        /// The context selected.
        context: String,
        /// The cluster it names.
        cluster: String,
        /// The kubeconfig files read.
        files: Vec<PathBuf>,
    },

    /// The in-cluster configuration (service account) could not be loaded.
    #[error(
        "cannot use the in-cluster service account: {message}; check the pod mounts its service account token, or pass --kubeconfig"
    )]
    InCluster {
        /// What failed.
        message: String,
    },

    /// A client could not be built from the configuration (certificates, keys, auth).
    #[error(
        "cannot set up a client for context `{context}`: {message}; check the certificates and credentials in the kubeconfig"
    )]
    Client {
        /// The context.
        context: String,
        /// What failed.
        message: String,
    },

    /// The server could not be reached: connection refused, name not resolved, timeout,
    /// TLS failure.
    #[error(
        "cannot reach `{server}` (context `{context}`): {reason}; check the cluster is up and the kubeconfig's server address"
    )]
    Unreachable {
        /// The server URL.
        server: String,
        /// The context.
        context: String,
        /// What went wrong, in a few words.
        reason: String,
    },

    /// The server refused the credentials (401).
    #[error(
        "the credentials of context `{context}` were refused (401 Unauthorized): they may have expired; log in again or refresh the kubeconfig"
    )]
    Unauthorized {
        /// The context.
        context: String,
    },

    /// The user may not do this (403).
    #[error("forbidden: user may not {verb} `{resource}` {} (context `{context}`)", scope(namespace.as_deref()))]
    Forbidden {
        /// The verb (`list`, `watch`, `get`).
        verb: String,
        /// The resource's plural name (`secrets`).
        resource: String,
        /// The namespace; `None` for all namespaces or cluster scope.
        namespace: Option<String>,
        /// The context.
        context: String,
    },

    /// The server answered with another error status.
    #[error("cannot {action} (context `{context}`): the server answered {code}: {message}")]
    Api {
        /// What was being done (`list \`pods\` in namespace \`x\``).
        action: String,
        /// The context.
        context: String,
        /// The HTTP status code.
        code: u16,
        /// The server's message.
        message: String,
    },

    /// An open watch was cut mid-stream. The watch resumes by itself; this says why
    /// events paused.
    #[error(
        "the watch of `{resource}` (context `{context}`) was cut: {reason}; resuming from the last change seen"
    )]
    WatchInterrupted {
        /// The resource's plural name.
        resource: String,
        /// The context.
        context: String,
        /// What broke.
        reason: String,
    },

    /// The server's answer could not be understood.
    #[error("cannot {action} (context `{context}`): unexpected answer from `{server}`: {message}")]
    Response {
        /// What was being done.
        action: String,
        /// The context.
        context: String,
        /// The server URL.
        server: String,
        /// What is wrong with the answer.
        message: String,
    },
}

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status code the server answered with, when it did.
    pub fn status_code(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// Who is being talked to, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) context: String,
    pub(crate) server: String,
}

/// What a request was doing, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Action<'a> {
    pub(crate) verb: &'a str,
    /// A resource's plural name, or what else was asked for (`/version`).
    pub(crate) resource: &'a str,
    pub(crate) namespace: Option<&'a str>,
}

impl fmt::Display for Action<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.verb, self.resource)?;
        if let Some(ns) = self.namespace {
            write!(f, " in namespace `{ns}`")?;
        }
        Ok(())
    }
}

impl Target {
    /// Turns a kube error into korral's, naming the context, server and action.
    pub(crate) fn error(&self, action: &Action<'_>, err: kube::Error) -> Error {
        match err {
            kube::Error::Api(status) => self.status_error(action, status.code, &status.message),
            kube::Error::SerdeError(e) => self.response_error(action, e.to_string()),
            kube::Error::FromUtf8(e) => self.response_error(action, e.to_string()),
            kube::Error::Auth(e) => Error::Client {
                context: self.context.clone(),
                message: e.to_string(),
            },
            other => match transport_reason(&other) {
                Some(reason) => Error::Unreachable {
                    server: self.server.clone(),
                    context: self.context.clone(),
                    reason,
                },
                None => Error::Response {
                    action: action.to_string(),
                    context: self.context.clone(),
                    server: self.server.clone(),
                    message: innermost(&other),
                },
            },
        }
    }

    /// The error for an HTTP error status.
    pub(crate) fn status_error(&self, action: &Action<'_>, code: u16, message: &str) -> Error {
        match code {
            401 => Error::Unauthorized {
                context: self.context.clone(),
            },
            403 => Error::Forbidden {
                verb: action.verb.to_owned(),
                resource: action.resource.to_owned(),
                namespace: action.namespace.map(str::to_owned),
                context: self.context.clone(),
            },
            _ => Error::Api {
                action: action.to_string(),
                context: self.context.clone(),
                code,
                message: if message.is_empty() {
                    "no message".to_owned()
                } else {
                    message.to_owned()
                },
            },
        }
    }

    pub(crate) fn response_error(&self, action: &Action<'_>, message: String) -> Error {
        Error::Response {
            action: action.to_string(),
            context: self.context.clone(),
            server: self.server.clone(),
            message,
        }
    }
}

/// Why a request never got an answer, when that is what happened: the few words
/// users know (connection refused, name not resolved, timed out), else the innermost
/// cause. `None` when the error is not about the connection.
fn transport_reason(err: &kube::Error) -> Option<String> {
    if !matches!(
        err,
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::ReadEvents(_)
    ) && !matches!(err, kube::Error::RustlsTls(_))
    {
        return None;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind;
            let known = match io.kind() {
                ErrorKind::ConnectionRefused => Some("connection refused"),
                ErrorKind::TimedOut => Some("timed out"),
                ErrorKind::ConnectionReset => Some("connection reset"),
                ErrorKind::ConnectionAborted => Some("connection aborted"),
                ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => {
                    Some("no route to host")
                }
                _ => None,
            };
            if let Some(known) = known {
                return Some(known.to_owned());
            }
        }
        let text = e.to_string();
        if text.contains("lookup address") || text.contains("dns error") {
            return Some(format!("the server's name does not resolve ({text})"));
        }
        if text.contains("deadline has elapsed") || text.contains("timed out") {
            return Some("timed out".to_owned());
        }
        source = e.source();
    }
    Some(innermost(err))
}

/// The message of the deepest cause, which is the one that says what happened.
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

fn paths(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "(none)".to_owned();
    }
    paths
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn names(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".to_owned();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn scope(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("in namespace `{ns}`"),
        None => "at cluster scope".to_owned(),
    }
}

#[cfg(test)]
mod tests;
