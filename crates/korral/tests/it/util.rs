use std::path::PathBuf;

use assert_cmd::Command;

/// The `korral` binary, with colour off and a clean environment for output.
pub fn korral() -> Command {
    let mut cmd = Command::cargo_bin("korral").unwrap();
    cmd.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    cmd
}

/// The bundled example cluster.
pub fn shop() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop")
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}
