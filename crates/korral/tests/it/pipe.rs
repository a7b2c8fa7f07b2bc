//! What korral writes when nobody reads it, and what reaches a terminal from data.
//!
//! A closed pipe (`korral … | head`) ends a command with success and no message, as
//! ripgrep and coreutils do. Data (object names, file names) never reaches standard
//! output or standard error as terminal control: only the colour sequences korral writes
//! itself are escapes there.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::util::shop;

/// `korral ARGS` with standard output on a pipe whose reader is gone before the first
/// write, so every write fails with a broken pipe whatever the output's size.
fn into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = korral_command(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `korral ARGS` whose reader takes a few bytes and goes, as `head -c 16` does.
fn read_a_little(args: &[&str]) -> Output {
    let mut child = korral_command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    child.wait_with_output().unwrap()
}

fn korral_command(args: &[&str]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("korral"));
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    command
}

fn assert_quiet_success(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what}: {:?}\n{stderr}",
        output.status
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert!(
        stderr.is_empty(),
        "{what}: nothing to say on stderr: {stderr}"
    );
}

#[test]
fn completion_into_a_closed_pipe_is_a_success() {
    assert_quiet_success(&into_closed_pipe(&["completion", "bash"]), "closed");
    assert_quiet_success(&read_a_little(&["completion", "bash"]), "read a little");
}

#[test]
fn topology_into_a_closed_pipe_is_a_success() {
    let shop = shop();
    let args = ["topology", "-f", shop.to_str().unwrap()];
    assert_quiet_success(&into_closed_pipe(&args), "closed");
    assert_quiet_success(&read_a_little(&args), "read a little");
}

#[test]
fn help_into_a_closed_pipe_is_a_success() {
    assert_quiet_success(&into_closed_pipe(&["--help"]), "closed");
}

/// What an attacker puts in a name: a window title (OSC 0, ended by BEL), a carriage
/// return to overwrite the line, a newline and a line of their own.
const HOSTILE: &str = "web\u{1b}]0;pwned\u{7}\rx\nVERIFIED: all good";

/// Panics if `text` holds a control character other than newline and tab, or an ESC
/// that does not start an SGR colour sequence (korral's own colours).
fn assert_no_terminal_control(text: &[u8], what: &str) {
    let text = String::from_utf8_lossy(text);
    for (at, c) in text.char_indices() {
        if c == '\u{1b}' {
            let rest = &text[at + 1..];
            let sgr = rest.strip_prefix('[').and_then(|r| {
                let end = r.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
                (r.as_bytes()[end] == b'm').then_some(())
            });
            assert!(sgr.is_some(), "{what}: a raw ESC at {at}:\n{text}");
        } else {
            assert!(
                !korral_core::terminal::is_unsafe(c) || c == '\n' || c == '\t',
                "{what}: raw {c:?} at {at}:\n{text}"
            );
        }
    }
}

/// `korral ARGS` with colour forced, so that standard error is not stripped of escapes
/// on its way to the test (anstream strips them when colour is off) and the check sees
/// what a terminal would.
fn korral_in_colour(args: &[&str], dir: &Path) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin("korral"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap()
}

/// What `korral ARGS` (run in `dir`) writes to a real terminal, byte for byte: `script`
/// (util-linux, in every Debian-like system) runs it on a pseudo-terminal and copies
/// what arrives there. The terminal's own line discipline ends lines with `\r\n`.
fn on_a_terminal(args: &[&str], dir: &Path) -> Vec<u8> {
    let korral = assert_cmd::cargo::cargo_bin("korral");
    let command = format!("'{}' {} 2>&1", korral.display(), args.join(" "));
    let output = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .output()
        .expect("script runs (util-linux)");
    output.stdout
}

fn hostile_manifest(dir: &Path) {
    let manifest = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n  namespace: shop\n",
        serde_json::to_string(HOSTILE).unwrap()
    );
    std::fs::write(dir.join("bad.yaml"), manifest).unwrap();
}

#[test]
fn an_object_name_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    hostile_manifest(dir.path());
    for output in ["tree", "dot", "mermaid", "json"] {
        let shown = on_a_terminal(&["topology", "-f", "bad.yaml", "-o", output], dir.path());
        // The terminal turns each newline into `\r\n`; any other carriage return came
        // from the data.
        let text = String::from_utf8_lossy(&shown).replace("\r\n", "\n");
        assert_no_terminal_control(text.as_bytes(), output);
        assert!(text.contains("pwned"), "the name is shown, escaped: {text}");
    }
}

#[test]
fn a_file_name_in_a_warning_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("manifests");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("ok.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
    )
    .unwrap();
    // Not an object: in a folder it is skipped with a warning that names the file.
    let name = "values\u{1b}]0;pwned\u{7}\r\u{9b}2J.yaml";
    std::fs::write(folder.join(name), "replicas: 3\n").unwrap();
    let run = korral_in_colour(&["topology", "-f", "manifests"], dir.path());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("warning"), "{stderr}");
    assert!(
        stderr.contains("pwned"),
        "the file is named, escaped: {stderr}"
    );
    assert_no_terminal_control(&run.stderr, "warning");
}

#[test]
fn a_file_name_in_an_error_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let name = "missing\u{1b}]0;pwned\u{7}\r\u{202e}lmay.yaml";
    let run = korral_in_colour(&["topology", "-f", name], dir.path());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("pwned"),
        "the file is named, escaped: {stderr}"
    );
    assert_no_terminal_control(&run.stderr, "error");
}
