//! One file per command; `run` decides the exit code.

pub mod audit;
pub mod backup;
pub mod bundle;
pub mod config;
mod deploy;
mod events;
pub mod generate;
pub mod history;
pub mod init;
pub mod jobs;
pub mod keys;
mod logs;
pub mod node;
pub mod provision;
mod restore;
pub mod serve;
mod snapshot;
pub mod spec;
mod status;
mod top;
mod topology;
pub mod tui;
pub mod validate;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::printer::Printer;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done; nothing to report.
    Success,
    /// Done, and it found problems the user asked to fail on.
    Findings,
}

/// Bad input or usage: exit status 2.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct InputError(#[from] pub anyhow::Error);

/// Runs the command `cli` names. `main` turns the result into an exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Topology(args) => topology::topology(&args),
        Command::Status(args) => status::status(&args),
        Command::Snapshot(args) => snapshot::snapshot(&args),
        Command::Events(args) => events::events(&args),
        Command::History(args) => history::history(&args),
        Command::Changes(args) => history::changes(&args),
        Command::Logs(args) => logs::logs(&args),
        Command::Top(args) => top::top(&args),
        Command::Audit(args) => audit::audit(&args),
        Command::Bundle(args) => bundle::bundle(&args),
        Command::Backup(args) => backup::backup(&args),
        Command::Keys(args) => keys::keys(&args),
        Command::Init(args) => init::init(&args),
        Command::Validate(args) => validate::validate(&args),
        Command::Node(args) => node::node(&args),
        Command::Config(args) => config::config(&args),
        Command::Generate(args) => generate::generate(&args),
        Command::Provision(args) => provision::provision(&args),
        Command::Spec(args) => spec::spec(&args),
        Command::Deploy(args) => deploy::deploy(&args),
        Command::Diff(args) => deploy::diff(&args),
        Command::Rollback(args) => deploy::rollback(&args),
        Command::Releases(args) => deploy::releases(&args),
        Command::Undeploy(args) => deploy::undeploy(&args),
        Command::Restore(args) => restore::restore(&args),
        Command::Run(args) => jobs::run(&args),
        Command::Jobs(args) => jobs::jobs(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::Tui(args) => tui::tui(&args),
        Command::Completion { shell } => completion(shell),
    }
}

/// `korral completion SHELL`. clap_complete panics when a write fails, so the script is
/// built in memory and written the way every result is (a closed pipe is an error that
/// `main` forgives, not a panic).
fn completion(shell: clap_complete::Shell) -> anyhow::Result<ExitStatus> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "korral", &mut script);
    Printer::new(None).emit(|out| Ok(out.write_all(&script)?))?;
    Ok(ExitStatus::Success)
}

/// `30s`, `5m`, `1h30m`, as kubectl takes durations.
pub fn duration(text: &str) -> anyhow::Result<jiff::SignedDuration> {
    let parsed: jiff::SignedDuration = text.parse().map_err(|_| {
        anyhow::anyhow!("`{text}` is not a duration; write it like 30s, 5m or 1h30m")
    })?;
    if parsed.is_negative() {
        return Err(anyhow::anyhow!(
            "`{text}` is negative; durations count back from now"
        ));
    }
    Ok(parsed)
}
