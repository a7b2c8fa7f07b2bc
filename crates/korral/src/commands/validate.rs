//! `korral validate`.

use crate::commands::ExitStatus;

/// Arguments of `korral validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {}

pub fn validate(_args: &ValidateArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`korral validate` is not built yet")
}
