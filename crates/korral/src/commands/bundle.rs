//! `korral bundle`.

use crate::commands::ExitStatus;

/// Arguments of `korral bundle`.
#[derive(Debug, clap::Args)]
pub struct BundleArgs {}

pub fn bundle(_args: &BundleArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`korral bundle` is not built yet")
}
