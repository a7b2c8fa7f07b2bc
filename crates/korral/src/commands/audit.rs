//! `korral audit`.

use crate::commands::ExitStatus;

/// Arguments of `korral audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {}

pub fn audit(_args: &AuditArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`korral audit` is not built yet")
}
