//! Exec credential plugins (`users[].user.exec` in a kubeconfig: `aws eks get-token`,
//! `gke-gcloud-auth-plugin`, `kubelogin`), run by korral rather than by kube.
//!
//! kube runs the plugin synchronously, with no time limit, several times while a
//! client is built, and its error for a failing plugin holds the plugin's whole output
//! (a token it printed, its error output) and its environment and arguments from the
//! kubeconfig. Here the plugin runs once, with a time limit, its output capped; it is
//! run again only when its token is about to expire; and a failure names the command
//! and the exit code, never what it printed nor its arguments or environment. Its
//! error output goes straight to korral's, as kubectl lets it (it is the plugin
//! talking to the user: "run `aws sso login`"), and never into korral's messages.

use std::io::IsTerminal;
use std::process::Stdio;
use std::time::Duration;

use http::HeaderValue;
use kube::config::{ExecConfig, ExecInteractiveMode};
use serde::Deserialize;
use tokio::io::AsyncReadExt;

use crate::error::{Error, Result};
use crate::limits::seconds;

/// The most an exec plugin may print: an ExecCredential is a few KiB.
const MAX_OUTPUT_BYTES: u64 = 1 << 20;

/// A token is renewed this long before it expires (kube and client-go do the same).
const RENEW_BEFORE: Duration = Duration::from_secs(60);

/// What a plugin gave.
pub(crate) enum Credential {
    /// A bearer token, and when it expires.
    Token {
        header: HeaderValue,
        expires: Option<jiff::Timestamp>,
    },
    /// A client certificate and key (PEM).
    Certificate { cert: String, key: String },
}

/// One kubeconfig user's exec plugin.
pub(crate) struct ExecPlugin {
    config: ExecConfig,
    context: String,
    timeout: Option<Duration>,
    /// The last token, reused until it nearly expires.
    token: tokio::sync::Mutex<Option<(HeaderValue, Option<jiff::Timestamp>)>>,
}

impl std::fmt::Debug for ExecPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Arguments and environment may hold secrets: only the command is shown.
        f.debug_struct("ExecPlugin")
            .field("command", &self.config.command)
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

impl ExecPlugin {
    pub(crate) fn new(config: ExecConfig, context: &str, timeout: Option<Duration>) -> Self {
        Self {
            config,
            context: context.to_owned(),
            timeout,
            token: tokio::sync::Mutex::new(None),
        }
    }

    /// Runs the plugin and keeps a token it gives for [`ExecPlugin::header`].
    pub(crate) async fn first(&self) -> Result<Credential> {
        let credential = self.run().await?;
        if let Credential::Token { header, expires } = &credential {
            *self.token.lock().await = Some((header.clone(), *expires));
        }
        Ok(credential)
    }

    /// The `Authorization` header for a request: the token kept, or a new one when it
    /// is about to expire.
    pub(crate) async fn header(&self) -> Result<Option<HeaderValue>> {
        let mut kept = self.token.lock().await;
        if let Some((header, expires)) = kept.as_ref() {
            let fresh = expires.is_none_or(|at| {
                jiff::Timestamp::now()
                    .checked_add(RENEW_BEFORE)
                    .is_ok_and(|soon| soon < at)
            });
            if fresh {
                return Ok(Some(header.clone()));
            }
        } else {
            // The plugin gave a certificate: the connection carries it.
            return Ok(None);
        }
        match self.run().await? {
            Credential::Token { header, expires } => {
                *kept = Some((header.clone(), expires));
                Ok(Some(header))
            }
            Credential::Certificate { .. } => Err(self
                .error("gave a client certificate where it gave a token before; run korral again")),
        }
    }

    fn command(&self) -> &str {
        self.config.command.as_deref().unwrap_or_default()
    }

    fn error(&self, problem: impl Into<String>) -> Error {
        Error::ExecPlugin {
            context: self.context.clone(),
            command: self.command().to_owned(),
            problem: problem.into(),
        }
    }

    async fn run(&self) -> Result<Credential> {
        let Some(program) = self.config.command.as_deref().filter(|c| !c.is_empty()) else {
            return Err(self.error("has no `command`; set it in the kubeconfig's user"));
        };
        let mut command = tokio::process::Command::new(program);
        command.args(self.config.args.iter().flatten());
        for pair in self.config.env.iter().flatten() {
            if let (Some(name), Some(value)) = (pair.get("name"), pair.get("value")) {
                command.env(name, value);
            }
        }
        for name in self.config.drop_env.iter().flatten() {
            command.env_remove(name);
        }
        let interactive = self.config.interactive_mode != Some(ExecInteractiveMode::Never)
            && std::io::stdin().is_terminal();
        command.env("KUBERNETES_EXEC_INFO", self.exec_info(interactive));
        command
            .stdin(if interactive {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            // A plugin that outlives its time limit (or korral) is stopped.
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| {
            let hint = self
                .config
                .install_hint
                .as_deref()
                .map(|h| format!(" ({})", korral_core::terminal::escape(h.trim())))
                .unwrap_or_default();
            self.error(format!(
                "cannot be started ({}); install it or fix `command` in the kubeconfig{hint}",
                e.kind()
            ))
        })?;
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let work = async {
            let mut output = Vec::new();
            (&mut stdout)
                .take(MAX_OUTPUT_BYTES + 1)
                .read_to_end(&mut output)
                .await?;
            if output.len() as u64 > MAX_OUTPUT_BYTES {
                return Ok((None, output));
            }
            child.wait().await.map(|status| (Some(status), output))
        };
        let (status, output) = match self.timeout {
            Some(limit) => tokio::time::timeout(limit, work).await.map_err(|_| {
                self.error(format!(
                    "did not finish within {}; it may be waiting for a login: run it by hand, or pass a longer --request-timeout",
                    seconds(limit)
                ))
            })?,
            None => work.await,
        }
        .map_err(|e| self.error(format!("could not be read from ({})", e.kind())))?;
        let Some(status) = status else {
            return Err(self.error(format!(
                "printed more than {} and was stopped; check the plugin",
                crate::limits::bytes(MAX_OUTPUT_BYTES)
            )));
        };
        if !status.success() {
            let how = status.code().map_or_else(
                || "was killed by a signal".to_owned(),
                |code| format!("failed with exit code {code}"),
            );
            return Err(self.error(format!(
                "{how}; its own message is above; log in again or run the plugin by hand"
            )));
        }
        self.parse(&output)
    }

    /// `KUBERNETES_EXEC_INFO`: what client-go tells a plugin.
    fn exec_info(&self, interactive: bool) -> String {
        let mut spec = serde_json::json!({ "interactive": interactive });
        if self.config.provide_cluster_info
            && let Some(cluster) = &self.config.cluster
            && let Ok(cluster) = serde_json::to_value(cluster)
        {
            spec["cluster"] = cluster;
        }
        serde_json::json!({
            "apiVersion": self.config.api_version.as_deref().unwrap_or("client.authentication.k8s.io/v1"),
            "kind": "ExecCredential",
            "spec": spec,
        })
        .to_string()
    }

    /// Reads the ExecCredential. Only the position of a fault is told: serde's
    /// messages quote the values they stumbled on, which may be the token.
    fn parse(&self, output: &[u8]) -> Result<Credential> {
        let credential: ExecCredential = serde_json::from_slice(output).map_err(|e| {
            self.error(format!(
                "printed no valid ExecCredential JSON (fault at line {}, column {}); check the plugin's version and `apiVersion`",
                e.line(),
                e.column()
            ))
        })?;
        let status = credential.status.unwrap_or_default();
        if let (Some(cert), Some(key)) = (status.client_certificate_data, status.client_key_data) {
            return Ok(Credential::Certificate { cert, key });
        }
        let Some(token) = status.token.filter(|t| !t.is_empty()) else {
            return Err(self.error(
                "printed an ExecCredential with neither a token nor a client certificate; log in again",
            ));
        };
        let mut header = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| self.error("printed a token that is not valid in an HTTP header"))?;
        header.set_sensitive(true);
        let expires = match status.expiration_timestamp.as_deref() {
            None | Some("") => None,
            Some(at) => Some(at.parse::<jiff::Timestamp>().map_err(|_| {
                self.error("printed an `expirationTimestamp` that is not an RFC 3339 time")
            })?),
        };
        Ok(Credential::Token { header, expires })
    }
}

#[derive(Deserialize)]
struct ExecCredential {
    #[serde(default)]
    status: Option<ExecStatus>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ExecStatus {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    expiration_timestamp: Option<String>,
    #[serde(default)]
    client_certificate_data: Option<String>,
    #[serde(default)]
    client_key_data: Option<String>,
}
