//! `korral provision`.

use crate::commands::ExitStatus;

/// Arguments of `korral provision`.
#[derive(Debug, clap::Args)]
pub struct ProvisionArgs {}

pub fn provision(_args: &ProvisionArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`korral provision` is not built yet")
}
