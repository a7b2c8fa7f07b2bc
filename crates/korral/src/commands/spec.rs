//! `korral spec`.

use crate::commands::ExitStatus;

/// Arguments of `korral spec`.
#[derive(Debug, clap::Args)]
pub struct SpecArgs {}

pub fn spec(_args: &SpecArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`korral spec` is not built yet")
}
