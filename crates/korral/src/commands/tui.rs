//! `korral tui`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::anyhow;
use clap::Args;
use korral_kube::{ClusterConfig, KubeOptions, Limits};

use super::{ExitStatus, InputError};
use crate::cli::SourceArgs;
use crate::source;

#[derive(Debug, Args)]
pub struct TuiArgs {
    /// Browse files instead of a cluster, read-only: manifests, a folder, or a
    /// `kubectl get -o yaml|json` dump. Repeatable.
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub files: Vec<PathBuf>,

    /// The kubeconfig to use (else `KUBECONFIG`, else ~/.kube/config).
    #[arg(long, value_name = "FILE", conflicts_with = "files")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME", conflicts_with = "files")]
    pub context: Option<String>,

    /// The namespace shown first (default: the context's; `0` in the TUI shows all).
    #[arg(short, long, value_name = "NS", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,

    /// Start with every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// The first view, as the `:` command bar takes it (k9s's -c): `po`, `deploy`,
    /// `svc`, `ns`, `events`, `wk`, `health`, a CRD's kind.
    #[arg(
        short = 'c',
        long = "command",
        value_name = "VIEW",
        default_value = "po"
    )]
    pub view: String,

    /// The store `h` reads history from (default: the file `korral serve` records
    /// into; without one, `h` says so).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,

    /// How long one request to the API server may take (`30s`, `2m`, `0` for no limit);
    /// watches and followed logs run on.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = request_timeout)]
    pub request_timeout: Duration,
}

pub fn tui(args: &TuiArgs) -> anyhow::Result<ExitStatus> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(InputError(anyhow!(
            "korral tui needs a terminal (standard input and output are not one); for scripts use korral status, topology or events"
        ))
        .into());
    }
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let options = if args.files.is_empty() {
        let timeout = Some(args.request_timeout).filter(|t| !t.is_zero());
        let kube = KubeOptions {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
            namespace: None,
            limits: Limits::default().with_request_timeout(timeout),
        };
        // A missing kubeconfig or context is the user's to fix: said before the screen
        // is taken (an unreachable server is shown in it, and retried).
        let config = ClusterConfig::load(kube.clone()).map_err(|e| InputError(e.into()))?;
        let namespace = match (&args.namespace, args.all_namespaces) {
            (Some(ns), _) => Some(ns.clone()),
            (None, true) => None,
            (None, false) => Some(config.namespace().to_owned()),
        };
        let kube = KubeOptions {
            context: Some(config.context().to_owned()),
            ..kube
        };
        korral_tui::Options {
            source: korral_tui::Source::Live(kube),
            namespace,
            view: args.view.clone(),
            database: args.database.clone(),
            color,
        }
    } else {
        let source_args = SourceArgs {
            files: args.files.clone(),
            ..SourceArgs::default()
        };
        let files = source::offline(&source_args, None)?;
        let name = args
            .files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        korral_tui::Options {
            source: korral_tui::Source::Offline {
                set: files.set,
                name,
            },
            namespace: args.namespace.clone(),
            view: args.view.clone(),
            database: args.database.clone(),
            color,
        }
    };
    korral_tui::run(options)?;
    Ok(ExitStatus::Success)
}

fn request_timeout(text: &str) -> Result<Duration, String> {
    Limits::parse_timeout(text).map(Option::unwrap_or_default)
}
