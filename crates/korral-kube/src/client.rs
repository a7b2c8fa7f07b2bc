use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::body::{self, BodyError, Lines, LongLines};
use crate::error::{Action, Error, Result, Target};
use crate::exec::ExecPlugin;
use crate::limits::{Limits, MAX_STATUS_BYTES, bytes, seconds};

/// A connection to one cluster: a [`kube::Client`] plus the context and server it
/// talks to, so that every error can name them, and the [`Limits`] every request
/// keeps to.
///
/// Cheap to clone (the underlying client is shared).
#[derive(Clone)]
pub struct Client {
    inner: kube::Client,
    target: Arc<Target>,
    limits: Limits,
    /// The kubeconfig user's exec plugin, when it gives tokens: run by korral, and
    /// again when its token is about to expire.
    exec: Option<Arc<ExecPlugin>>,
}

/// The body of an answer, as kube gives it.
pub(crate) type Body = kube::client::Body;

impl Client {
    /// Wraps a kube client, with the default [`Limits`] (only the size limits and the
    /// time limits korral adds apply: the connect timeout is the kube client's). `context`
    /// and `server` are only used in messages and in the file name live objects point
    /// at.
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
            limits: Limits::default(),
            exec: None,
        }
    }

    pub(crate) fn from_parts(
        client: kube::Client,
        target: Target,
        limits: Limits,
        exec: Option<Arc<ExecPlugin>>,
    ) -> Self {
        Self {
            inner: client,
            target: Arc::new(target),
            limits,
            exec,
        }
    }

    /// The same client keeping to other limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The time and size limits requests keep to.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The kube client, for requests this crate does not wrap. They keep to none of
    /// the [`Limits`] and carry no exec plugin token.
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

    /// Sends a request and reads its whole answer, within the request timeout and
    /// [`Limits::max_response_bytes`].
    pub(crate) async fn send_text(
        &self,
        request: http::Request<Vec<u8>>,
        action: &Action<'_>,
    ) -> Result<String> {
        self.send_answer(request, action)
            .await
            .map(|(_, text)| text)
    }

    /// [`Client::send_text`], with the answer's status code.
    async fn send_answer(
        &self,
        request: http::Request<Vec<u8>>,
        action: &Action<'_>,
    ) -> Result<(http::StatusCode, String)> {
        // Both this limit and the head's start together; which fires first under load is
        // chance, so the message says what had happened by then, not which timer won.
        let answered = std::sync::atomic::AtomicBool::new(false);
        let work = async {
            let response = self.head(request, action).await?;
            answered.store(true, std::sync::atomic::Ordering::Relaxed);
            let status = response.status();
            let bytes = body::read_to_end(
                response.into_body(),
                self.limits.max_response_bytes,
                Some(self.limits.idle_timeout),
            )
            .await
            .map_err(|e| self.body_error(action, e))?;
            String::from_utf8(bytes)
                .map(|text| (status, text))
                .map_err(|e| self.target.response_error(action, e.to_string()))
        };
        match self.limits.request_timeout {
            // Also ends a server that trickles a byte at a time, which no idle
            // timeout notices.
            Some(limit) => tokio::time::timeout(limit, work).await.map_err(|_| {
                let problem = if answered.load(std::sync::atomic::Ordering::Relaxed) {
                    "did not finish answering"
                } else {
                    "did not answer"
                };
                self.target
                    .timed_out(action, format!("{problem} within {}", seconds(limit)))
            })?,
            None => work.await,
        }
    }

    /// Sends a request whose answer is read line by line as it comes (a watch, a
    /// log): the answer must start within the request timeout; then each line may
    /// be at most `max_line` bytes, and the server may stay silent at most `idle`
    /// (`None`: forever).
    pub(crate) async fn send_lines(
        &self,
        request: http::Request<Vec<u8>>,
        action: &Action<'_>,
        max_line: u64,
        long: LongLines,
        idle: Option<Duration>,
    ) -> Result<Lines<Body>> {
        let response = self.head(request, action).await?;
        Ok(Lines::new(response.into_body(), max_line, long, idle))
    }

    /// Sends a request and waits for the answer's status and headers: at most the
    /// request timeout (the idle timeout with `--request-timeout 0`). An error status
    /// becomes an [`Error`], its `Status` read within [`MAX_STATUS_BYTES`].
    async fn head(
        &self,
        mut request: http::Request<Vec<u8>>,
        action: &Action<'_>,
    ) -> Result<http::Response<Body>> {
        let limit = self
            .limits
            .request_timeout
            .unwrap_or(self.limits.idle_timeout);
        let work = async {
            if let Some(exec) = &self.exec
                && let Some(header) = exec.header().await?
            {
                request
                    .headers_mut()
                    .insert(http::header::AUTHORIZATION, header);
            }
            self.inner
                .send(request.map(Body::from))
                .await
                .map_err(|e| self.target.error(action, e))
        };
        let response = self.within(limit, action, "did not answer", work).await?;
        let status = response.status();
        if !(status.is_client_error() || status.is_server_error()) {
            return Ok(response);
        }
        let text = body::read_to_end(
            response.into_body(),
            MAX_STATUS_BYTES,
            Some(self.limits.idle_timeout),
        )
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
        let (code, message) = match serde_json::from_str::<StatusBody>(&text) {
            Ok(body) => (
                if body.code == 0 {
                    status.as_u16()
                } else {
                    body.code
                },
                body.message,
            ),
            // Not a Status: a proxy's page, or text. Its start says enough.
            Err(_) => (status.as_u16(), shorten(text.trim(), 300).to_owned()),
        };
        Err(self.target.status_error(action, code, &message))
    }

    /// Runs `work` for at most `limit`; past it, the error says the server `problem`
    /// within the limit (`did not answer within 60s`).
    async fn within<T>(
        &self,
        limit: Duration,
        action: &Action<'_>,
        problem: &str,
        work: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        tokio::time::timeout(limit, work).await.map_err(|_| {
            self.target
                .timed_out(action, format!("{problem} within {}", seconds(limit)))
        })?
    }

    /// The error for a body that could not be read.
    pub(crate) fn body_error(&self, action: &Action<'_>, err: BodyError) -> Error {
        match err {
            BodyError::TooLarge(cap) => self.target.too_large(
                action,
                format!(
                    "sent an answer (or a line of one) over {}, the most korral reads; the server is broken or hostile",
                    bytes(cap)
                ),
            ),
            BodyError::Idle(idle) => self
                .target
                .timed_out(action, format!("sent nothing for {}", seconds(idle))),
            BodyError::Transport(e) => self.target.error(action, kube::Error::Service(e)),
        }
    }

    /// Sends a request this crate does not wrap (an apply, a create, a delete) to
    /// `path`, within the request timeout and [`Limits::max_response_bytes`], and returns
    /// the answer's status and text. `verb`, `resource` and `namespace` name the request in errors
    /// (`apply `deployments` in namespace `shop``); an error status becomes an
    /// [`Error`] with the server's message ([`Error::status_code`] gives the code).
    pub async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> Result<(http::StatusCode, String)> {
        let action = Action {
            verb,
            resource,
            namespace,
        };
        self.send_answer(request, &action).await
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

/// The fields of an error answer's `Status` korral shows.
#[derive(Deserialize)]
struct StatusBody {
    #[serde(default)]
    code: u16,
    #[serde(default)]
    message: String,
}

/// At most `max` characters of `text`.
pub(crate) fn shorten(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
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
