//! The `korral` binary: parses the command line, runs the command, and decides the exit
//! code at the edge.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod printer;
mod source;

use commands::{ExitStatus, InputError};
use printer::Printer;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(ExitStatus::Success) => ExitCode::SUCCESS,
        Ok(ExitStatus::Findings) => ExitCode::from(1),
        // `korral … | head`: the reader has all it wanted.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            Printer::error(&message(&err));
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

/// Whether a closed pipe ended the command, anywhere in the error's chain (the error a
/// write returned may be wrapped in context, or in a library's own error).
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
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

    #[test]
    fn a_broken_pipe_under_context_or_a_library_error_is_found() {
        let pipe = || std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(
            &anyhow::Error::new(pipe()).context("writing")
        ));
        let wrapped = ShowsItsSource { source: pipe() };
        assert!(is_broken_pipe(&anyhow::Error::new(wrapped).context("x")));
        let other = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert!(!is_broken_pipe(&anyhow::Error::new(other)));
    }
}
