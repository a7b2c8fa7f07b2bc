//! `korral init`.

use crate::commands::ExitStatus;

/// Arguments of `korral init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {}

pub fn init(_args: &InitArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`korral init` is not built yet")
}
