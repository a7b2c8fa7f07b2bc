use std::fmt;
use std::sync::Arc;

use serde::Deserialize;

use crate::error::{Action, Result, Target};

/// A connection to one cluster: a [`kube::Client`] plus the context and server it
/// talks to, so that every error can name them.
///
/// Cheap to clone (the underlying client is shared).
#[derive(Clone)]
pub struct Client {
    inner: kube::Client,
    target: Arc<Target>,
}

impl Client {
    /// Wraps a kube client. `context` and `server` are only used in messages and in
    /// the file name live objects point at.
    pub fn new(
        client: kube::Client,
        context: impl Into<String>,
        server: impl Into<String>,
    ) -> Self {
        Self {
            inner: client,
            target: Arc::new(Target {
                context: context.into(),
                server: server.into(),
            }),
        }
    }

    pub(crate) fn from_target(client: kube::Client, target: Target) -> Self {
        Self {
            inner: client,
            target: Arc::new(target),
        }
    }

    /// The kube client, for requests this crate does not wrap.
    pub fn kube(&self) -> &kube::Client {
        &self.inner
    }

    /// The context's name.
    pub fn context(&self) -> &str {
        &self.target.context
    }

    /// The API server's URL.
    pub fn server(&self) -> &str {
        &self.target.server
    }

    /// The namespace requests use when none is named.
    pub fn default_namespace(&self) -> &str {
        self.inner.default_namespace()
    }

    /// The file name that objects read from this cluster point at: `<live:CONTEXT>`.
    pub fn source_name(&self) -> String {
        format!("<live:{}>", self.target.context)
    }

    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// Sends a GET and returns the body as text; error statuses become [`Error`]s.
    pub(crate) async fn get_text(&self, path: &str, action: &Action<'_>) -> Result<String> {
        let request = http::Request::get(path)
            .body(Vec::new())
            .map_err(|e| self.target.response_error(action, e.to_string()))?;
        self.send_text(request, action).await
    }

    pub(crate) async fn send_text(
        &self,
        request: http::Request<Vec<u8>>,
        action: &Action<'_>,
    ) -> Result<String> {
        self.inner
            .request_text(request)
            .await
            .map_err(|e| self.target.error(action, e))
    }

    /// The API server's version (`GET /version`): the line `korral status` prints as
    /// "API reachable".
    pub async fn server_version(&self) -> Result<ServerVersion> {
        let action = Action {
            verb: "get",
            resource: "/version",
            namespace: None,
        };
        let text = self.get_text("/version", &action).await?;
        serde_json::from_str(&text).map_err(|e| self.target.response_error(&action, e.to_string()))
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("context", &self.target.context)
            .field("server", &self.target.server)
            .finish_non_exhaustive()
    }
}

/// What `GET /version` says about the API server.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerVersion {
    /// Major version (`1`).
    #[serde(default)]
    pub major: String,
    /// Minor version (`31`, or `31+` on some distributions).
    #[serde(default)]
    pub minor: String,
    /// The full version (`v1.31.2`, `v1.31.2-eks-7f9249a`).
    #[serde(default)]
    pub git_version: String,
    /// `os/arch` of the server (`linux/amd64`).
    #[serde(default)]
    pub platform: String,
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.git_version.is_empty() {
            write!(f, "v{}.{}", self.major, self.minor)
        } else {
            f.write_str(&self.git_version)
        }
    }
}
