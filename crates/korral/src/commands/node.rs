//! `korral node`.

use crate::commands::ExitStatus;

/// Arguments of `korral node`.
#[derive(Debug, clap::Args)]
pub struct NodeArgs {}

pub fn node(_args: &NodeArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`korral node` is not built yet")
}
