//! One file per command; `run` decides the exit code.

pub mod audit;
pub mod bundle;
pub mod config;
mod events;
pub mod generate;
pub mod init;
pub mod keys;
mod logs;
pub mod node;
pub mod provision;
mod snapshot;
pub mod spec;
mod status;
mod top;
mod topology;
pub mod validate;

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, Command};

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

pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Topology(args) => topology::topology(&args),
        Command::Status(args) => status::status(&args),
        Command::Snapshot(args) => snapshot::snapshot(&args),
        Command::Events(args) => events::events(&args),
        Command::Logs(args) => logs::logs(&args),
        Command::Top(args) => top::top(&args),
        Command::Audit(args) => audit::audit(&args),
        Command::Bundle(args) => bundle::bundle(&args),
        Command::Keys(args) => keys::keys(&args),
        Command::Init(args) => init::init(&args),
        Command::Validate(args) => validate::validate(&args),
        Command::Node(args) => node::node(&args),
        Command::Config(args) => config::config(&args),
        Command::Generate(args) => generate::generate(&args),
        Command::Provision(args) => provision::provision(&args),
        Command::Spec(args) => spec::spec(&args),
        Command::Completion { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "korral", &mut std::io::stdout());
            Ok(ExitStatus::Success)
        }
    };
    match result {
        Ok(ExitStatus::Success) => ExitCode::SUCCESS,
        Ok(ExitStatus::Findings) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let style = anstyle::AnsiColor::Red.on_default().bold();
            let _ = std::io::Write::write_fmt(
                &mut anstream::stderr(),
                format_args!(
                    "{}error{}: {}\n",
                    style.render(),
                    style.render_reset(),
                    message(&err)
                ),
            );
            if err.downcast_ref::<InputError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The error and its causes, `: `-joined as anyhow's `{:#}` does, but leaving out a
/// cause that the text before it already says (errors that show their source).
fn message(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let cause = cause.to_string();
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

/// A closed pipe (`korral … | head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read `x`: {source}; check the path")]
    struct ShowsItsSource {
        source: std::io::Error,
    }

    #[test]
    fn a_cause_already_said_is_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = anyhow::Error::new(ShowsItsSource { source: io }).context("loading");
        assert_eq!(
            message(&err),
            "loading: cannot read `x`: no such file; check the path"
        );
        let err = anyhow::anyhow!("inner").context("outer");
        assert_eq!(message(&err), "outer: inner");
    }
}
