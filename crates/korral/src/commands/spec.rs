//! `korral spec`: the cluster.yaml format for editors.

use std::path::PathBuf;

use crate::commands::ExitStatus;
use crate::printer::Printer;

/// Arguments of `korral spec`.
#[derive(Debug, clap::Args)]
pub struct SpecArgs {
    #[command(subcommand)]
    pub command: SpecCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SpecCommand {
    /// Print the JSON Schema (draft 2020-12) of cluster.yaml.
    ///
    /// Editors with the YAML language server (VS Code's YAML extension) check and
    /// complete cluster.yaml with it: save it and put this first line in the file:
    ///
    ///   # yaml-language-server: $schema=./cluster.schema.json
    ///
    /// Example:
    ///
    ///   korral spec schema --out cluster.schema.json
    #[command(verbatim_doc_comment)]
    Schema {
        /// Write to this file instead of standard output (whole or not at all).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

pub fn spec(args: &SpecArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        SpecCommand::Schema { out } => {
            let schema = korral_cluster::schema();
            Printer::new(out.clone()).emit(|out| Printer::data(out, &schema, false))?;
            Ok(ExitStatus::Success)
        }
    }
}
