//! The `korral` binary: parses the command line and hands it to the libraries.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod printer;
mod source;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    commands::run(cli)
}
