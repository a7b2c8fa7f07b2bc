//! `korral config`: read and change cluster.yaml by dotted key.

use anyhow::anyhow;
use korral_cluster::FieldPath;
use korral_cluster::config::{self, Scope};

use crate::commands::node::{ClusterFile, load, refused, written};
use crate::commands::{ExitStatus, InputError};
use crate::printer::Printer;

/// Arguments of `korral config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub file: ClusterFile,

    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Print a setting. Strings print bare, lists and mappings as YAML (or -o json).
    ///
    /// Examples:
    ///
    ///   korral config get k3s.version
    ///
    ///   korral config get ssh.user --scope workers
    #[command(verbatim_doc_comment)]
    Get {
        /// A dotted key: `k3s.version`, `network.tailscale.enabled`, `name`
        /// (`spec.`/`metadata.` may be written or left out); with --scope, a node key
        /// such as `labels.zone`, `reserved.memory`, `ssh.user`. Keys with dots go in
        /// brackets: `labels["korral.io/gpu"]`.
        key: String,
        /// Which nodes a node key applies to: all, control-plane, workers, node:NAME.
        #[arg(long, value_name = "SCOPE")]
        scope: Option<Scope>,
        /// Print JSON.
        #[arg(short, long, value_enum, default_value_t = GetFormat::Yaml)]
        output: GetFormat,
    },
    /// Change a setting. The value is typed by the format (`true` is a bool where the
    /// field is one, a string in a label); the file is checked before it is written,
    /// and keeps its comments and layout. A refused change leaves it as it was.
    ///
    /// Examples:
    ///
    ///   korral config set k3s.version v1.32.1+k3s1
    ///
    ///   korral config set network.tailscale.enabled true
    ///
    ///   korral config set labels.zone rack-a --scope workers
    ///
    ///   korral config set reserved.memory 2Gi --scope node:worker2
    #[command(verbatim_doc_comment)]
    Set {
        /// A dotted key, as for `get`.
        key: String,
        /// The value; a flow list or mapping (`[a, b]`, `{cpu: 1}`) sets a whole one.
        value: String,
        /// Which nodes a node key applies to: all, control-plane, workers, node:NAME.
        #[arg(long, value_name = "SCOPE")]
        scope: Option<Scope>,
    },
    /// Remove a setting (back to its default).
    ///
    /// Example: korral config unset reserved --scope node:worker2
    Unset {
        /// A dotted key, as for `get`.
        key: String,
        /// Which nodes a node key applies to: all, control-plane, workers, node:NAME.
        #[arg(long, value_name = "SCOPE")]
        scope: Option<Scope>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GetFormat {
    /// Scalars bare, the rest as YAML.
    Yaml,
    /// JSON.
    Json,
}

fn paths(
    cluster: &korral_cluster::Cluster,
    key: &str,
    scope: Option<&Scope>,
) -> anyhow::Result<Vec<(Option<String>, FieldPath)>> {
    let bad =
        |err: korral_cluster::edit::EditError| -> anyhow::Error { InputError(anyhow!(err)).into() };
    Ok(match scope {
        None => vec![(None, config::cluster_key(key).map_err(bad)?)],
        Some(scope) => config::node_keys(cluster, key, scope)
            .map_err(bad)?
            .into_iter()
            .map(|(name, path)| (Some(name), path))
            .collect(),
    })
}

pub fn config(args: &ConfigArgs) -> anyhow::Result<ExitStatus> {
    let loaded = load(&args.file.config)?;
    match &args.command {
        ConfigCommand::Get { key, scope, output } => {
            let paths = paths(&loaded.cluster, key, scope.as_ref())?;
            let mut missing = false;
            Printer::new(None).emit(|out| {
                for (name, path) in &paths {
                    let value = config::get(&loaded.cluster, path);
                    if value.is_none() {
                        missing = true;
                    }
                    let text = match (value, output) {
                        (None, _) => String::new(),
                        (Some(value), GetFormat::Json) => serde_json::to_string(&value)?,
                        (Some(serde_json::Value::String(text)), GetFormat::Yaml) => text,
                        (Some(value), GetFormat::Yaml) => {
                            if value.is_object() || value.is_array() {
                                format!("\n{}", serde_saphyr::to_string(&value)?.trim_end())
                            } else {
                                value.to_string()
                            }
                        }
                    };
                    match name {
                        Some(name) => writeln!(out, "{name}: {text}")?,
                        None if text.is_empty() => {}
                        None => writeln!(out, "{}", text.trim_start_matches('\n'))?,
                    }
                }
                Ok(())
            })?;
            if missing {
                Printer::note(format!("`{key}` is not set (the default applies)"));
                return Ok(ExitStatus::Findings);
            }
        }
        ConfigCommand::Set { key, value, scope } => {
            let paths: Vec<FieldPath> = paths(&loaded.cluster, key, scope.as_ref())?
                .into_iter()
                .map(|(_, path)| path)
                .collect();
            let edited = config::set(&loaded, &paths, value).map_err(refused)?;
            written(&edited, &args.file.config)?;
        }
        ConfigCommand::Unset { key, scope } => {
            let paths: Vec<FieldPath> = paths(&loaded.cluster, key, scope.as_ref())?
                .into_iter()
                .map(|(_, path)| path)
                .collect();
            let edited = config::unset(&loaded, &paths).map_err(refused)?;
            if edited.loaded.text == loaded.text {
                Printer::note(format!(
                    "`{key}` was not set; {} is unchanged",
                    args.file.config.display()
                ));
            } else {
                written(&edited, &args.file.config)?;
            }
        }
    }
    Ok(ExitStatus::Success)
}
