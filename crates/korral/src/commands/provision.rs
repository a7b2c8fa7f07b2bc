//! `korral provision`.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use anyhow::anyhow;
use comfy_table::{Table, presets};
use korral_cluster::provision::{self, Event, HostSummary, Options, Playbook, Status};

use crate::commands::{ExitStatus, InputError};
use crate::printer::Printer;

/// Arguments of `korral provision`.
#[derive(Debug, clap::Args)]
pub struct ProvisionArgs {
    /// The folder `korral generate` wrote to.
    #[arg(long, value_name = "DIR", default_value = "generated")]
    pub dir: PathBuf,

    /// Which playbook to run.
    #[arg(long, value_enum, default_value_t = PlaybookArg::Site)]
    pub playbook: PlaybookArg,

    /// Report what would change and change nothing (ansible-playbook --check).
    #[arg(long)]
    pub check: bool,

    /// Show the changes made to files on the nodes (ansible-playbook --diff).
    #[arg(long)]
    pub diff: bool,

    /// Only these nodes: a node name, a group (control_plane, workers, gpu_nodes) or an
    /// Ansible pattern such as `cp1,gpu1`.
    #[arg(long, value_name = "NODE")]
    pub limit: Option<String>,

    /// Only the tasks with these tags (comma-separated or repeated): prerequisites,
    /// preflight, firewall, tailscale, k3s, install, control_plane, workers, gpu, gitops.
    #[arg(long, value_name = "TAG", value_delimiter = ',')]
    pub tags: Vec<String>,

    /// How to print the summary per host.
    #[arg(short, long, value_enum, default_value_t = SummaryFormat::Table)]
    pub output: SummaryFormat,

    /// Arguments passed to ansible-playbook as they are, after `--` (e.g. `-- -vv`).
    #[arg(last = true, value_name = "ANSIBLE_ARGS")]
    pub ansible_args: Vec<OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlaybookArg {
    /// site.yml: K3s, GPU support and Flux.
    Site,
    /// provision_cluster.yml: K3s only.
    ProvisionCluster,
    /// add_node.yml: join the nodes named with --limit to the running cluster.
    AddNode,
    /// remove_node.yml: drain, delete and uninstall the nodes named with --limit.
    RemoveNode,
    /// upgrade.yml: move every node to the K3s version of cluster.yaml, one at a time.
    Upgrade,
}

impl From<PlaybookArg> for Playbook {
    fn from(arg: PlaybookArg) -> Self {
        match arg {
            PlaybookArg::Site => Self::Site,
            PlaybookArg::ProvisionCluster => Self::ProvisionCluster,
            PlaybookArg::AddNode => Self::AddNode,
            PlaybookArg::RemoveNode => Self::RemoveNode,
            PlaybookArg::Upgrade => Self::Upgrade,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryFormat {
    Table,
    Json,
    Yaml,
}

pub fn provision(args: &ProvisionArgs) -> anyhow::Result<ExitStatus> {
    let playbook = Playbook::from(args.playbook);
    if matches!(playbook, Playbook::AddNode | Playbook::RemoveNode) && args.limit.is_none() {
        return Err(InputError(anyhow!(
            "--playbook {} changes the nodes named with --limit: add --limit NODE",
            playbook.file().trim_end_matches(".yml").replace('_', "-")
        ))
        .into());
    }
    let options = Options {
        dir: args.dir.clone(),
        playbook,
        check: args.check,
        diff: args.diff,
        limit: args.limit.clone(),
        tags: args.tags.clone(),
        extra_args: args.ansible_args.clone(),
    };
    let mut progress = Progress::new();
    let outcome =
        provision::run(&options, |event| progress.event(event)).map_err(|err| match err {
            provision::Error::AnsibleMissing | provision::Error::NotGenerated(_) => {
                InputError(err.into()).into()
            }
            err => anyhow::Error::from(err),
        })?;

    if outcome.summary.is_empty() && outcome.exit_code != Some(0) {
        return Err(anyhow!(
            "ansible-playbook failed{} before any host ran; its output is in `{}`",
            outcome
                .exit_code
                .map(|code| format!(" (exit code {code})"))
                .unwrap_or_default(),
            outcome.log.display()
        ));
    }
    let printer = Printer::new(None);
    let color = printer.color();
    printer.emit(|out| match args.output {
        SummaryFormat::Table => {
            writeln!(out, "{}", summary_table(&outcome.summary, color))?;
            Ok(())
        }
        SummaryFormat::Json | SummaryFormat::Yaml => {
            Printer::data(out, &outcome.summary, args.output == SummaryFormat::Yaml)
        }
    })?;
    Printer::note(format!(
        "the whole output is in `{}`",
        outcome.log.display()
    ));
    if outcome.succeeded() {
        return Ok(ExitStatus::Success);
    }
    let failed: Vec<&str> = outcome
        .summary
        .iter()
        .filter(|host| !host.succeeded())
        .map(|host| host.host.as_str())
        .collect();
    if failed.is_empty() {
        Printer::warn(format!(
            "ansible-playbook exited with code {}",
            outcome.exit_code.unwrap_or(-1)
        ));
    } else {
        Printer::warn(format!("failed on {}", failed.join(", ")));
    }
    Ok(ExitStatus::Findings)
}

/// Progress on standard error: each task, then each host's result (skipped ones only
/// counted in the summary).
struct Progress {
    task: Option<String>,
    task_shown: bool,
}

impl Progress {
    fn new() -> Self {
        Self {
            task: None,
            task_shown: false,
        }
    }

    fn event(&mut self, event: &Event) {
        let mut err = anstream::stderr();
        match event {
            Event::Play(name) => {
                let style = anstyle::Style::new().bold();
                let _ = writeln!(err, "{}PLAY {name}{}", style.render(), style.render_reset());
            }
            Event::Task(name) => {
                self.task = Some(name.clone());
                self.task_shown = false;
            }
            Event::Host {
                host,
                status,
                item,
                message,
            } => {
                if *status == Status::Skipped {
                    return;
                }
                if !self.task_shown {
                    if let Some(task) = &self.task {
                        let _ = writeln!(err, "  {task}");
                    }
                    self.task_shown = true;
                }
                let style = match status {
                    Status::Ok => anstyle::AnsiColor::Green.on_default(),
                    Status::Changed => anstyle::AnsiColor::Yellow.on_default(),
                    Status::Skipped => anstyle::AnsiColor::Cyan.on_default(),
                    Status::Failed | Status::Unreachable => {
                        anstyle::AnsiColor::Red.on_default().bold()
                    }
                };
                let item = item
                    .as_ref()
                    .map(|item| format!(" ({item})"))
                    .unwrap_or_default();
                let message = message
                    .as_ref()
                    .map(|message| format!(": {}", message.trim()))
                    .unwrap_or_default();
                let line = format!(
                    "    {host:<16} {}{:<11}{}{item}{message}",
                    style.render(),
                    status.as_str(),
                    style.render_reset()
                );
                let _ = writeln!(err, "{}", line.trim_end());
            }
            Event::Summary(_) => {}
        }
    }
}

fn summary_table(summary: &[HostSummary], color: bool) -> Table {
    let mut table = Table::new();
    table.load_style(presets::NOTHING).set_header([
        "HOST",
        "OK",
        "CHANGED",
        "UNREACHABLE",
        "FAILED",
        "SKIPPED",
        "RESCUED",
        "IGNORED",
        "RESULT",
    ]);
    for host in summary {
        let result = if host.succeeded() { "ok" } else { "failed" };
        let result = if color {
            let style = if host.succeeded() {
                anstyle::AnsiColor::Green.on_default()
            } else {
                anstyle::AnsiColor::Red.on_default().bold()
            };
            format!("{}{result}{}", style.render(), style.render_reset())
        } else {
            result.to_owned()
        };
        table.add_row([
            host.host.clone(),
            host.ok.to_string(),
            host.changed.to_string(),
            host.unreachable.to_string(),
            host.failed.to_string(),
            host.skipped.to_string(),
            host.rescued.to_string(),
            host.ignored.to_string(),
            result,
        ]);
    }
    table
}
