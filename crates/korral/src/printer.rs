//! Everything korral prints goes through here: results to standard output or a file,
//! warnings to standard error, colour only where it is wanted.
//!
//! Nothing here panics on a closed pipe: every write returns its error, and `main` turns
//! a broken pipe into success (`korral … | head`).
//!
//! Text from outside reaches a terminal only as text: each command escapes the data it
//! shows ([`korral_core::terminal`]), notes, warnings and errors are escaped here, and a
//! result written to a terminal passes through [`TerminalGuard`] as well.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anstream::ColorChoice;
use anyhow::Context;
use korral_core::terminal::{escape, escape_keep_lines, is_unsafe};

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
    /// renamed, so it is whole or absent. On a terminal, the output passes through a
    /// [`TerminalGuard`]: whatever a command forgot to escape cannot drive the terminal.
    pub fn emit(
        &self,
        write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        match &self.out {
            None => {
                let stdout = io::stdout();
                if stdout.is_terminal() {
                    let guard = TerminalGuard::new(stdout.lock(), self.color());
                    buffered(guard, write)
                } else {
                    buffered(stdout.lock(), write)
                }
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
        let message = message.to_string();
        // A closed standard error leaves nobody to tell.
        let _ = writeln!(anstream::stderr(), "{}", escape_keep_lines(&message));
    }

    /// A warning on standard error.
    pub fn warn(message: impl std::fmt::Display) {
        Self::labelled("warning", anstyle::AnsiColor::Yellow, &message.to_string());
    }

    /// The error that ends the command, on standard error.
    pub fn error(message: &str) {
        Self::labelled("error", anstyle::AnsiColor::Red, message);
    }

    /// `label: message`, the label in bold colour where colour is wanted. The message
    /// may hold lines of its own (a diagnostic and its fix) but no control characters:
    /// it often quotes data (an object name, a server's reply).
    fn labelled(label: &str, color: anstyle::AnsiColor, message: &str) {
        let style = color.on_default().bold();
        let _ = writeln!(
            anstream::stderr(),
            "{}{label}{}: {}",
            style.render(),
            style.render_reset(),
            escape_keep_lines(message)
        );
    }
}

/// Runs `write` on `out` through a large buffer and flushes it.
fn buffered<W: Write>(
    out: W,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    write(&mut out)?;
    out.flush()?;
    Ok(())
}

/// Defence in depth for results shown on a terminal: a writer that lets text, newlines,
/// tabs and (when colour is on) the SGR colour sequences korral itself writes
/// (`ESC [ 1;31 m`) through, and writes every other control character out as an
/// escape (`\e`, `\r`, `\u{9b}`), as [`escape`] does: an ESC that starts anything but
/// a colour (a window title, the clipboard, a cleared screen), a carriage return, C0
/// and C1 controls, and bidirectional overrides. Bytes that are not UTF-8 become
/// U+FFFD. Escape sequences and characters split across writes are held until whole.
///
/// Commands escape the data they print; this catches what one forgets. Only for
/// terminals: JSON and YAML piped to a program stay exact.
pub struct TerminalGuard<W: Write> {
    inner: W,
    color: bool,
    /// The start of a sequence or character the last write ended in.
    pending: Vec<u8>,
}

/// The longest colour sequence held while waiting for its end; anstyle writes at most
/// `ESC[38;5;255;48;5;255m`-like sequences, far shorter.
const MAX_SGR: usize = 64;

impl<W: Write> TerminalGuard<W> {
    /// Guards `inner`; `color` lets SGR sequences through.
    pub fn new(inner: W, color: bool) -> Self {
        Self {
            inner,
            color,
            pending: Vec::new(),
        }
    }

    /// Writes the safe form of `bytes`, keeping an unfinished tail in `pending` unless
    /// `last` (then it is escaped as it is).
    fn filter(&mut self, bytes: &[u8], last: bool) -> io::Result<()> {
        let mut out = Vec::with_capacity(bytes.len() + 16);
        let mut i = 0;
        while i < bytes.len() {
            let rest = &bytes[i..];
            match Piece::of(rest, self.color) {
                Piece::Pass(len) => {
                    out.extend_from_slice(&rest[..len]);
                    i += len;
                }
                Piece::Escape(c, len) => {
                    let mut buf = [0; 4];
                    out.extend_from_slice(escape(c.encode_utf8(&mut buf)).as_bytes());
                    i += len;
                }
                Piece::Invalid => {
                    out.extend_from_slice("\u{fffd}".as_bytes());
                    i += 1;
                }
                Piece::Unfinished if last => {
                    // The stream ends inside a sequence: no terminal will see its end.
                    out.extend_from_slice(escape(&String::from_utf8_lossy(rest)).as_bytes());
                    i = bytes.len();
                }
                Piece::Unfinished => {
                    self.pending = rest.to_vec();
                    break;
                }
            }
        }
        self.inner.write_all(&out)
    }
}

/// What the bytes at the start of a slice are to a terminal.
enum Piece {
    /// Harmless: write this many bytes as they are.
    Pass(usize),
    /// A control character (this many bytes): write it escaped.
    Escape(char, usize),
    /// A byte that starts no UTF-8 character.
    Invalid,
    /// The slice ends before the sequence or character does.
    Unfinished,
}

impl Piece {
    fn of(bytes: &[u8], color: bool) -> Self {
        let first = bytes[0];
        if first == 0x1b {
            return escape_sequence(bytes, color);
        }
        if first.is_ascii() {
            let c = char::from(first);
            return if is_unsafe(c) && c != '\n' && c != '\t' {
                Self::Escape(c, 1)
            } else {
                Self::Pass(1)
            };
        }
        let len = match first {
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return Self::Invalid,
        };
        let Some(whole) = bytes.get(..len) else {
            // Wait for the rest only if what is here can still be a character.
            let continues = bytes[1..].iter().all(|b| b & 0xc0 == 0x80);
            return if continues {
                Self::Unfinished
            } else {
                Self::Invalid
            };
        };
        match std::str::from_utf8(whole)
            .ok()
            .and_then(|s| s.chars().next())
        {
            Some(c) if is_unsafe(c) => Self::Escape(c, len),
            Some(_) => Self::Pass(len),
            None => Self::Invalid,
        }
    }
}

/// What the ESC `bytes` starts is to a terminal: an SGR colour sequence
/// (`ESC [ 0-9 ; : … m`) passes when colour is on; anything else is escaped.
fn escape_sequence(bytes: &[u8], color: bool) -> Piece {
    const ESC: Piece = Piece::Escape('\u{1b}', 1);
    if !color {
        return ESC;
    }
    match bytes.get(1) {
        None => return Piece::Unfinished,
        Some(b'[') => {}
        Some(_) => return ESC,
    }
    for (i, &b) in bytes.iter().enumerate().skip(2).take(MAX_SGR) {
        match b {
            b'm' => return Piece::Pass(i + 1),
            b'0'..=b'9' | b';' | b':' => {}
            _ => return ESC,
        }
    }
    if bytes.len() >= MAX_SGR + 2 {
        ESC
    } else {
        Piece::Unfinished
    }
}

impl<W: Write> Write for TerminalGuard<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            self.filter(buf, false)?;
        } else {
            let mut bytes = std::mem::take(&mut self.pending);
            bytes.extend_from_slice(buf);
            self.filter(&bytes, false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // A flush ends what was written so far: korral flushes after whole lines.
        let pending = std::mem::take(&mut self.pending);
        self.filter(&pending, true)?;
        self.inner.flush()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `input` through a guard, written in pieces of `piece` bytes.
    fn guarded(input: &[u8], color: bool, piece: usize) -> String {
        let mut out = Vec::new();
        let mut guard = TerminalGuard::new(&mut out, color);
        for chunk in input.chunks(piece) {
            guard.write_all(chunk).unwrap();
        }
        guard.flush().unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The same in every split of the input, so a sequence cut by a buffer boundary is
    /// judged whole.
    fn guarded_in_any_split(input: &[u8], color: bool) -> String {
        let whole = guarded(input, color, input.len().max(1));
        for piece in 1..input.len() {
            assert_eq!(guarded(input, color, piece), whole, "pieces of {piece}");
        }
        whole
    }

    #[test]
    fn text_and_colour_pass() {
        let text = "\u{1b}[1;31merror\u{1b}[0m: café ✓\tok\n";
        assert_eq!(guarded_in_any_split(text.as_bytes(), true), text);
    }

    #[test]
    fn a_title_a_carriage_return_and_c1_are_written_out() {
        let text = "web\u{1b}]0;pwned\u{7}\rVERIFIED\u{9b}2J\u{202e}x\n";
        assert_eq!(
            guarded_in_any_split(text.as_bytes(), true),
            "web\\e]0;pwned\\u{7}\\rVERIFIED\\u{9b}2J\\u{202e}x\n"
        );
    }

    #[test]
    fn without_colour_no_escape_passes() {
        assert_eq!(
            guarded_in_any_split(b"\x1b[31mred\x1b[0m", false),
            "\\e[31mred\\e[0m"
        );
    }

    #[test]
    fn only_sgr_sequences_pass() {
        // Cursor movement and screen clearing are CSI too, but not colour.
        assert_eq!(
            guarded_in_any_split(b"\x1b[2J\x1b[1;1H\x1b[?25l", true),
            "\\e[2J\\e[1;1H\\e[?25l"
        );
    }

    #[test]
    fn an_unfinished_sequence_at_the_end_is_written_out() {
        assert_eq!(guarded(b"a\x1b[31", true, 2), "a\\e[31");
        assert_eq!(guarded(b"a\x1b", true, 1), "a\\e");
        assert_eq!(
            guarded("é".as_bytes().get(..1).unwrap(), true, 1),
            "\u{fffd}"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_become_replacement_characters() {
        assert_eq!(
            guarded_in_any_split(b"a\x9bb\xffc", true),
            "a\u{fffd}b\u{fffd}c"
        );
    }

    #[test]
    fn a_long_run_of_digits_is_not_held_forever() {
        let mut input = b"\x1b[".to_vec();
        input.extend(std::iter::repeat_n(b'1', 1000));
        let out = guarded(&input, true, 7);
        assert!(out.starts_with("\\e["), "{out}");
        assert_eq!(out.len(), 1000 + 3);
    }
}
