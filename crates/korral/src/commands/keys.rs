//! `korral keys`.

use crate::commands::ExitStatus;

/// Arguments of `korral keys`.
#[derive(Debug, clap::Args)]
pub struct KeysArgs {}

pub fn keys(_args: &KeysArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`korral keys` is not built yet")
}
