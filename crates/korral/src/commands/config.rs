//! `korral config`.

use crate::commands::ExitStatus;

/// Arguments of `korral config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {}

pub fn config(_args: &ConfigArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`korral config` is not built yet")
}
