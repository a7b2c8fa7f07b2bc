//! `korral generate`.

use crate::commands::ExitStatus;

/// Arguments of `korral generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {}

pub fn generate(_args: &GenerateArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`korral generate` is not built yet")
}
