//! Everything korral prints goes through here: results to standard output or a file,
//! warnings to standard error, colour only where it is wanted.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anstream::ColorChoice;
use anyhow::Context;

/// Where a command's result goes.
pub struct Printer {
    out: Option<PathBuf>,
}

impl Printer {
    /// Results to `out`, or to standard output when `None`.
    pub fn new(out: Option<PathBuf>) -> Self {
        Self { out }
    }

    /// Whether output should be coloured: only to a terminal, and never when
    /// `NO_COLOR` is set (anstream reads `NO_COLOR`, `CLICOLOR` and `CLICOLOR_FORCE`).
    pub fn color(&self) -> bool {
        self.out.is_none() && ColorChoice::global() != ColorChoice::Never && {
            let choice = anstream::AutoStream::choice(&io::stdout());
            !matches!(choice, ColorChoice::Never)
        }
    }

    /// Whether the result would land on a terminal.
    pub fn to_terminal(&self) -> bool {
        self.out.is_none() && io::stdout().is_terminal()
    }

    /// Writes the result with `write`. A file is written to a temporary sibling and
    /// renamed, so it is whole or absent.
    pub fn emit(
        &self,
        write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        match &self.out {
            None => {
                let stdout = io::stdout();
                let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
                write(&mut out)?;
                out.flush()?;
                Ok(())
            }
            Some(path) => write_atomically(path, write),
        }
    }

    /// Writes `value` as pretty JSON, or as YAML.
    pub fn data<T: serde::Serialize>(
        out: &mut dyn Write,
        value: &T,
        yaml: bool,
    ) -> anyhow::Result<()> {
        if yaml {
            out.write_all(serde_saphyr::to_string(value)?.as_bytes())?;
        } else {
            serde_json::to_writer_pretty(&mut *out, value)?;
            writeln!(out)?;
        }
        Ok(())
    }

    /// A note on standard error: what was done, when there is no result to print.
    pub fn note(message: impl std::fmt::Display) {
        let _ = writeln!(anstream::stderr(), "{message}");
    }

    /// A warning on standard error.
    pub fn warn(message: impl std::fmt::Display) {
        let style = anstyle::AnsiColor::Yellow.on_default().bold();
        let _ = writeln!(
            anstream::stderr(),
            "{}warning{}: {message}",
            style.render(),
            style.render_reset()
        );
    }
}

fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".korral-");
    // A temporary file is private (0600); the result is an ordinary file.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut file = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in `{}`", dir.display()))?;
    {
        let mut out = io::BufWriter::new(file.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    file.persist(path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}
