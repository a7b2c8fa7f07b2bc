use std::fmt;
use std::path::PathBuf;

use korral_core::terminal::escape;

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

    /// The server could not be reached: connection refused, name not resolved, no
    /// route.
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

    /// The TLS handshake failed: the server's certificate is not trusted, has
    /// expired or names another host, or the server refused korral's certificate.
    #[error("cannot connect securely to `{server}` (context `{context}`): {problem}")]
    Tls {
        /// The server URL.
        server: String,
        /// The context.
        context: String,
        /// What is wrong and what to check.
        problem: String,
    },

    /// The server did not answer in time: nothing came, or it came too slowly.
    #[error(
        "cannot {action} (context `{context}`): `{server}` {problem}; check the cluster is up, or pass a longer --request-timeout (0 waits forever)"
    )]
    TimedOut {
        /// What was being done.
        action: String,
        /// The context.
        context: String,
        /// The server URL.
        server: String,
        /// What took too long (`did not answer within 60s`).
        problem: String,
    },

    /// An answer or a list went past a size limit: the server is broken or hostile.
    #[error("cannot {action} (context `{context}`): `{server}` {problem}")]
    TooLarge {
        /// What was being done.
        action: String,
        /// The context.
        context: String,
        /// The server URL.
        server: String,
        /// Which limit was passed, and what to do.
        problem: String,
    },

    /// The kubeconfig user's exec credential plugin failed. Never holds what the
    /// plugin printed nor its arguments or environment: they may be secrets.
    #[error("the exec credential plugin `{command}` of context `{context}` {problem}")]
    ExecPlugin {
        /// The context.
        context: String,
        /// The plugin's command, as the kubeconfig writes it.
        command: String,
        /// What went wrong and what to do.
        problem: String,
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
        // Resource names come from the server's discovery.
        write!(f, "{} `{}`", self.verb, escape(self.resource))?;
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
                message: auth_message(&e),
            },
            other => {
                if let Some(problem) = tls_problem(&other) {
                    return Error::Tls {
                        server: self.server.clone(),
                        context: self.context.clone(),
                        problem,
                    };
                }
                match transport_reason(&other) {
                    Some(reason) => Error::Unreachable {
                        server: self.server.clone(),
                        context: self.context.clone(),
                        reason,
                    },
                    None => Error::Response {
                        action: action.to_string(),
                        context: self.context.clone(),
                        server: self.server.clone(),
                        message: escape(&innermost(&other)).into_owned(),
                    },
                }
            }
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
                    // The server's words: a hostile one could write terminal controls.
                    escape(message).into_owned()
                },
            },
        }
    }

    /// An answer that could not be understood; `message` may quote it, so it is
    /// escaped.
    pub(crate) fn response_error(&self, action: &Action<'_>, message: String) -> Error {
        Error::Response {
            action: action.to_string(),
            context: self.context.clone(),
            server: self.server.clone(),
            message: escaped(message),
        }
    }

    /// The server was too slow: `problem` says how (`did not answer within 60s`).
    pub(crate) fn timed_out(&self, action: &Action<'_>, problem: String) -> Error {
        Error::TimedOut {
            action: action.to_string(),
            context: self.context.clone(),
            server: self.server.clone(),
            problem,
        }
    }

    /// An answer or list past a limit: `problem` names it.
    pub(crate) fn too_large(&self, action: &Action<'_>, problem: String) -> Error {
        Error::TooLarge {
            action: action.to_string(),
            context: self.context.clone(),
            server: self.server.clone(),
            problem,
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
    Some(escape(&innermost(err)).into_owned())
}

/// `text` escaped for a terminal, without a copy when nothing needs escaping.
fn escaped(text: String) -> String {
    match escape(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(escaped) => escaped,
    }
}

/// A kube authentication error without what it may quote: kube's message for a
/// failing exec plugin holds the plugin's output (a token), its arguments and its
/// environment. korral runs exec plugins itself, so this is a safety net.
pub(crate) fn auth_message(err: &kube::client::AuthError) -> String {
    use kube::client::AuthError;
    match err {
        AuthError::AuthExecRun { out, .. } => format!(
            "the exec credential plugin failed ({}); run it by hand to see why",
            out.status
        ),
        AuthError::AuthExec(_) | AuthError::AuthExecParse(_) => {
            "the exec credential plugin gave no usable credential; run it by hand to see why"
                .to_owned()
        }
        other => escape(&other.to_string()).into_owned(),
    }
}

/// What went wrong in a TLS handshake, with what to check; `None` when the failure
/// is not TLS's. rustls's error sits inside an `io::Error` somewhere in the chain
/// (whose `source()` skips it, hence the look inside).
fn tls_problem(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    use rustls::{AlertDescription, CertificateError};
    const CA: &str = "check the cluster's `certificate-authority-data` (or `certificate-authority`) in the kubeconfig; `insecure-skip-tls-verify: true` skips the check, for testing only";
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut found = None;
    while let Some(e) = source {
        found = e.downcast_ref::<rustls::Error>().or_else(|| {
            e.downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if found.is_some() {
            break;
        }
        source = e.source();
    }
    let problem = match found? {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the server's certificate has expired; renew the cluster's serving certificate, or check this machine's clock".to_owned()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet; check this machine's clock".to_owned()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "the server's certificate is not issued for the host name in `server`; use the name it was issued for, or set `tls-server-name` in the kubeconfig's cluster".to_owned()
            }
            CertificateError::UnknownIssuer => {
                format!("the server's certificate is signed by an unknown authority; {CA}")
            }
            other => format!("the server's certificate is not accepted ({other:?}); {CA}"),
        },
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::BadCertificate
            | AlertDescription::CertificateRequired
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateUnknown => format!(
                "the server refused korral's client certificate ({alert:?}); check `client-certificate-data` and `client-key-data` of the kubeconfig's user"
            ),
            other => format!(
                "the server ended the handshake ({other:?}); check the kubeconfig's `server` address and certificates"
            ),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server does not speak TLS there; check the scheme (`https://`) and port of `server` in the kubeconfig".to_owned()
        }
        other => format!("TLS failed ({other}); {CA}"),
    };
    Some(problem)
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
