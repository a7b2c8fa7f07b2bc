//! Which cluster to talk to, found the way kubectl finds it.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};

use crate::client::Client;
use crate::env::Env;
use crate::error::{Error, Result, Target, auth_message};
use crate::exec::{Credential, ExecPlugin};
use crate::limits::Limits;

/// The name korral gives the in-cluster configuration, which has no context name.
pub const IN_CLUSTER_CONTEXT: &str = "in-cluster";

/// The options kubectl users know: `--kubeconfig`, `--context`, `-n`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeOptions {
    /// `--kubeconfig`: this file only, ignoring `KUBECONFIG` and `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`: the context to use instead of the kubeconfig's `current-context`.
    pub context: Option<String>,
    /// `-n`: the namespace to use instead of the context's.
    pub namespace: Option<String>,
    /// Timeouts and size limits (`--request-timeout`).
    pub limits: Limits,
}

/// A cluster chosen by kubeconfig and context, ready to connect to.
///
/// Found as kubectl finds it: `--kubeconfig` wins; else the files in `KUBECONFIG`,
/// merged with the first file to set a value winning; else `~/.kube/config`; else,
/// inside a pod, the service account's in-cluster configuration.
#[derive(Clone)]
pub struct ClusterConfig {
    context: String,
    server: String,
    namespace: String,
    files: Vec<PathBuf>,
    limits: Limits,
    source: ConfigSource,
}

impl fmt::Debug for ClusterConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The kubeconfig is left out: its exec plugins' arguments and environment are
        // plain strings that may be secrets.
        f.debug_struct("ClusterConfig")
            .field("context", &self.context)
            .field("server", &self.server)
            .field("namespace", &self.namespace)
            .field("files", &self.files)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
enum ConfigSource {
    Kubeconfig(Box<Kubeconfig>),
    InCluster(Box<kube::Config>),
}

impl ClusterConfig {
    /// Finds the configuration from the options and the process's environment.
    pub fn load(options: KubeOptions) -> Result<Self> {
        Self::load_with_env(options, &Env::from_process())
    }

    /// Finds the configuration from the options and a given environment.
    pub fn load_with_env(options: KubeOptions, env: &Env) -> Result<Self> {
        match kubeconfig_paths(&options, env)? {
            Some(files) => Self::from_files(options, files),
            None if env.in_cluster => Self::in_cluster(options),
            None => Err(Error::NoKubeconfig {
                searched: searched_paths(env),
            }),
        }
    }

    fn from_files(options: KubeOptions, files: Vec<PathBuf>) -> Result<Self> {
        let kubeconfig = read_merged(&files)?;
        let selected = select(&kubeconfig, options.context.as_deref(), &files)?;
        let namespace = options
            .namespace
            .filter(|ns| !ns.is_empty())
            .or(selected.namespace)
            .unwrap_or_else(|| "default".to_owned());
        Ok(Self {
            context: selected.context,
            server: selected.server,
            namespace,
            files,
            limits: options.limits,
            source: ConfigSource::Kubeconfig(Box::new(kubeconfig)),
        })
    }

    fn in_cluster(options: KubeOptions) -> Result<Self> {
        let config = kube::Config::incluster().map_err(|e| Error::InCluster {
            message: e.to_string(),
        })?;
        let namespace = options
            .namespace
            .filter(|ns| !ns.is_empty())
            .unwrap_or_else(|| config.default_namespace.clone());
        Ok(Self {
            context: IN_CLUSTER_CONTEXT.to_owned(),
            server: config.cluster_url.to_string(),
            namespace,
            files: Vec::new(),
            limits: options.limits,
            source: ConfigSource::InCluster(Box::new(config)),
        })
    }

    /// The context's name (`in-cluster` for the service account configuration).
    pub fn context(&self) -> &str {
        &self.context
    }

    /// The API server's URL as the kubeconfig writes it.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The namespace to use when none is named: `-n`, else the context's, else
    /// `default` (the pod's own namespace in a cluster).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The kubeconfig files read, in precedence order; empty in a cluster.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The timeouts and size limits its client keeps to.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The kube configuration for this context (certificates, credentials, timeouts),
    /// and its user's exec plugin when korral runs it.
    ///
    /// kube's default retry of 429/503/504 (up to 15 times, minutes in all) is turned
    /// off: an aggregated API that is down answers 503 for good, and discovery must
    /// report it and go on, not wait. The watch backs off by itself.
    async fn kube_config(&self) -> Result<(kube::Config, Option<ExecPlugin>)> {
        let mut config = match &self.source {
            ConfigSource::InCluster(config) => (**config).clone(),
            ConfigSource::Kubeconfig(kubeconfig) => {
                let options = KubeConfigOptions {
                    context: Some(self.context.clone()),
                    ..KubeConfigOptions::default()
                };
                kube::Config::from_custom_kubeconfig((**kubeconfig).clone(), &options)
                    .await
                    .map_err(|e| Error::Kubeconfig {
                        files: self.files.clone(),
                        message: format!("context `{}`: {e}", self.context),
                    })?
            }
        };
        config.default_namespace.clone_from(&self.namespace);
        config.default_retry = false;
        config.connect_timeout = Some(self.limits.connect_timeout);
        // Read timeouts are korral's, per request: a socket-wide one would cut a
        // followed log that is quiet.
        config.read_timeout = None;
        // kube would run the plugin itself, unbounded and several times, and put what
        // it printed in its errors. It uses the plugin only when the user has no
        // password, token or token file; so does korral.
        let auth = &config.auth_info;
        let uses_exec =
            auth.username.is_none() && auth.token.is_none() && auth.token_file.is_none();
        let exec = match config.auth_info.exec.take() {
            Some(exec) if uses_exec => Some(ExecPlugin::new(
                exec,
                &self.context,
                self.limits.exec_timeout,
            )),
            _ => None,
        };
        Ok((config, exec))
    }

    /// Connects: a client for this context (no request is made yet, but an exec
    /// credential plugin is run). Must run inside a Tokio runtime.
    pub async fn client(&self) -> Result<Client> {
        let (mut config, exec) = self.kube_config().await?;
        let mut token_plugin = None;
        if let Some(exec) = exec {
            match exec.first().await? {
                Credential::Certificate { cert, key } => {
                    let base64 = base64::engine::general_purpose::STANDARD;
                    config.auth_info.client_certificate_data = Some(base64.encode(cert));
                    config.auth_info.client_key_data = Some(base64.encode(key).into());
                }
                Credential::Token { .. } => token_plugin = Some(Arc::new(exec)),
            }
        }
        let client = kube::Client::try_from(config).map_err(|e| Error::Client {
            context: self.context.clone(),
            message: match &e {
                kube::Error::Auth(auth) => auth_message(auth),
                other => korral_core::terminal::escape(&other.to_string()).into_owned(),
            },
        })?;
        Ok(Client::from_parts(
            client,
            Target {
                context: self.context.clone(),
                server: self.server.clone(),
            },
            self.limits,
            token_plugin,
        ))
    }
}

/// The kubeconfig files to read, or `None` when there are none (in-cluster, or
/// nothing configured).
fn kubeconfig_paths(options: &KubeOptions, env: &Env) -> Result<Option<Vec<PathBuf>>> {
    if let Some(path) = &options.kubeconfig {
        // Named explicitly: it must exist, and its read error says so.
        return Ok(Some(vec![path.clone()]));
    }
    if let Some(value) = env.kubeconfig.as_ref().filter(|v| !v.is_empty()) {
        let listed: Vec<PathBuf> = std::env::split_paths(value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        // kubectl skips files of KUBECONFIG that do not exist.
        let existing: Vec<PathBuf> = listed.iter().filter(|p| p.exists()).cloned().collect();
        if !existing.is_empty() {
            return Ok(Some(existing));
        }
        if env.in_cluster {
            return Ok(None);
        }
        return Err(Error::NoKubeconfig { searched: listed });
    }
    match default_path(env) {
        Some(path) if path.exists() => Ok(Some(vec![path])),
        _ => Ok(None),
    }
}

/// `~/.kube/config`.
fn default_path(env: &Env) -> Option<PathBuf> {
    env.home
        .as_ref()
        .map(|home| home.join(".kube").join("config"))
}

fn searched_paths(env: &Env) -> Vec<PathBuf> {
    default_path(env).into_iter().collect()
}

/// Reads the files and merges them: the first file to set a value or a named entry
/// wins, as kubectl does (kube's `Kubeconfig::merge` follows the same rules).
fn read_merged(files: &[PathBuf]) -> Result<Kubeconfig> {
    let mut merged: Option<Kubeconfig> = None;
    for file in files {
        let config = Kubeconfig::read_from(file).map_err(|e| match e {
            KubeconfigError::ReadConfig(source, _) => Error::ReadKubeconfig {
                path: file.clone(),
                source,
            },
            // The YAML parser's message shows the lines around the fault and quotes
            // values: a password or token beside it would be printed.
            KubeconfigError::Parse(e) => Error::Kubeconfig {
                files: vec![file.clone()],
                message: e.location().map_or_else(
                    || "it is not valid YAML".to_owned(),
                    |at| {
                        format!(
                            "line {}, column {} is not valid kubeconfig YAML (the parser's words are left out: they may quote a secret; `kubectl config view` shows them)",
                            at.line(),
                            at.column()
                        )
                    },
                ),
            },
            other => Error::Kubeconfig {
                files: vec![file.clone()],
                message: other.to_string(),
            },
        })?;
        merged = Some(match merged {
            None => config,
            Some(m) => m.merge(config).map_err(|e| Error::Kubeconfig {
                files: files.to_vec(),
                message: e.to_string(),
            })?,
        });
    }
    Ok(merged.unwrap_or_default())
}

/// What a context selects.
#[derive(Debug, PartialEq, Eq)]
struct Selected {
    context: String,
    server: String,
    namespace: Option<String>,
}

/// Picks the context (`--context`, else `current-context`) and checks it names a
/// cluster with a server.
fn select(kubeconfig: &Kubeconfig, wanted: Option<&str>, files: &[PathBuf]) -> Result<Selected> {
    let available = || {
        kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    let name = wanted
        .filter(|c| !c.is_empty())
        .or(kubeconfig
            .current_context
            .as_deref()
            .filter(|c| !c.is_empty()))
        .ok_or_else(|| Error::NoContext {
            files: files.to_vec(),
            available: available(),
        })?;
    let context = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| Error::ContextNotFound {
            context: name.to_owned(),
            files: files.to_vec(),
            available: available(),
        })?;
    let (cluster_name, namespace) = context
        .context
        .as_ref()
        .map(|c| (c.cluster.clone(), c.namespace.clone()))
        .unwrap_or_default();
    let server = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == cluster_name)
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.server.clone())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::ClusterNotFound {
            context: name.to_owned(),
            cluster: cluster_name.clone(),
            files: files.to_vec(),
        })?;
    Ok(Selected {
        context: name.to_owned(),
        server,
        namespace: namespace.filter(|ns| !ns.is_empty()),
    })
}

#[cfg(test)]
mod tests;
