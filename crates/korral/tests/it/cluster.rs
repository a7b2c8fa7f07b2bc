//! `korral init`, `validate`, `spec schema`, `node` and `config` end to end, on copies of
//! the fixtures in `fixtures/cluster/` in a temporary folder.

use std::path::{Path, PathBuf};

use crate::util::{korral, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures/cluster")
        .join(name)
}

/// A temporary folder holding a copy of the fixture `name` as `cluster.yaml`.
fn workspace(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cluster.yaml");
    std::fs::copy(fixture(name), &path).unwrap();
    (dir, path)
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    korral().current_dir(dir).args(args).output().unwrap()
}

#[test]
fn init_writes_each_template_and_it_validates() {
    for template in ["minimal_dev", "production_full", "airgapped_enterprise"] {
        let dir = tempfile::tempdir().unwrap();
        let output = run(dir.path(), &["init", "--template", template]);
        assert!(output.status.success(), "{template}: {}", stderr(&output));
        let written = std::fs::read_to_string(dir.path().join("cluster.yaml")).unwrap();
        assert!(written.contains("# yaml-language-server: $schema="));
        let output = run(dir.path(), &["validate"]);
        assert!(output.status.success(), "{template}: {}", stdout(&output));
        assert_eq!(stdout(&output), "cluster.yaml: valid\n");
    }
}

#[test]
fn init_takes_flags_and_keeps_the_comments() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &[
            "init",
            "-t",
            "minimal_dev",
            "-o",
            "lab.yaml",
            "--name",
            "lab",
            "--k3s-version",
            "v1.32.1+k3s1",
            "--address",
            "10.1.2.3",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(dir.path().join("lab.yaml")).unwrap();
    assert!(text.contains("  name: lab\n"), "{text}");
    assert!(text.contains("    version: v1.32.1+k3s1\n"), "{text}");
    assert!(text.contains("      address: 10.1.2.3\n"), "{text}");
    assert!(text.contains("# The address Ansible connects to over SSH."));
}

/// A terminal for `korral init` to prompt on: a tmux session on its own server socket,
/// killed when dropped.
struct Terminal {
    socket: String,
}

impl Terminal {
    fn start(command: &str) -> Self {
        let terminal = Self {
            socket: format!("korral-test-{}", std::process::id()),
        };
        terminal.tmux(&["new-session", "-d", "-x", "160", "-y", "40", command]);
        terminal
    }

    fn tmux(&self, args: &[&str]) -> String {
        let output = std::process::Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs (scripts/test installs it)");
        assert!(
            output.status.success(),
            "tmux {args:?}: {}",
            stderr(&output)
        );
        stdout(&output)
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J"])
    }

    /// Waits until the screen shows `text` (the program has drawn its prompt).
    fn wait_for(&self, text: &str) {
        for _ in 0..200 {
            if self.screen().contains(text) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("`{text}` never appeared:\n{}", self.screen());
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

#[test]
fn init_on_a_terminal_asks_and_asks_again_after_a_wrong_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cluster.yaml");
    let korral = assert_cmd::cargo::cargo_bin("korral");
    let terminal = Terminal::start(&format!(
        "NO_COLOR=1 '{}' init -o '{}'; echo exit=$?; sleep 60",
        korral.display(),
        path.display()
    ));
    terminal.wait_for("airgapped_enterprise");
    terminal.keys(&["Down", "Enter"]);
    terminal.wait_for("Cluster name [production]");
    terminal.keys(&["Lab", "Enter"]);
    terminal.wait_for("a cluster name may hold only lowercase letters");
    terminal.keys(&["lab", "Enter"]);
    terminal.wait_for("K3s version [v1.31.4+k3s1]");
    terminal.keys(&["Enter"]);
    terminal.wait_for("First control plane's name [cp1]");
    terminal.keys(&["Enter"]);
    terminal.wait_for("First control plane's address [192.168.10.11]");
    terminal.keys(&["10.0.0.300", "Enter"]);
    terminal.wait_for("write an IPv4 or IPv6 address");
    terminal.keys(&["10.0.0.30", "Enter"]);
    terminal.wait_for("exit=");
    assert!(
        terminal.screen().contains("exit=0"),
        "{}",
        terminal.screen()
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("  name: lab\n"), "{text}");
    assert!(text.contains("      address: 10.0.0.30\n"), "{text}");
    // The rest is production_full's, comments and all.
    assert!(text.contains("embeddedEtcd: true"), "{text}");
    assert!(text.contains("# Embedded etcd"), "{text}");
    let output = run(dir.path(), &["validate"]);
    assert!(output.status.success(), "{}", stdout(&output));
}

#[test]
fn init_never_overwrites_without_force() {
    let (dir, path) = workspace("tailnet.yaml");
    let before = std::fs::read(&path).unwrap();
    let output = run(dir.path(), &["init", "-t", "minimal_dev"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--force"), "{}", stderr(&output));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let output = run(dir.path(), &["init", "-t", "minimal_dev", "--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_ne!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn init_lists_the_templates_for_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["init", "-t", "huge"]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!("init_unknown_template", stderr(&output));
    assert!(!dir.path().join("cluster.yaml").exists());
}

#[test]
fn init_refuses_invalid_flags_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &["init", "-t", "minimal_dev", "--address", "10.0.0.999"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not an IPv4 or IPv6 address"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("cluster.yaml").exists());
}

#[test]
fn validate_reports_every_problem_with_its_line() {
    let (dir, _path) = workspace("broken.yaml");
    let output = run(dir.path(), &["validate"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("validate_broken", stdout(&output));
}

#[test]
fn validate_json_has_positions_and_fixes() {
    let (dir, _path) = workspace("broken.yaml");
    let output = run(dir.path(), &["validate", "cluster.yaml", "-o", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["valid"], false);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let address = diagnostics
        .iter()
        .find(|d| d["path"] == "spec.nodes[0].address")
        .unwrap();
    assert_eq!(address["line"], 15);
    assert_eq!(address["severity"], "error");
    assert!(address["fix"].as_str().unwrap().contains("192.168.1.10"));
}

#[test]
fn validate_names_syntax_errors_and_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("tailnet.yaml")).unwrap();
    std::fs::write(
        dir.path().join("syntax.yaml"),
        text.replace("  name: homelab", "  name: [homelab"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("unknown.yaml"),
        text.replace(
            "      role: worker",
            "      role: worker\n      colour: blue",
        ),
    )
    .unwrap();
    let output = run(dir.path(), &["validate", "syntax.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("validate_syntax_error", stdout(&output));
    let output = run(dir.path(), &["validate", "unknown.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("validate_unknown_key", stdout(&output));
}

#[test]
fn validate_a_missing_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["validate", "nope.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nope.yaml"));
}

#[test]
fn spec_schema_is_json_schema_of_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["spec", "schema"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        schema["properties"]["apiVersion"]["const"],
        "korral.io/v1alpha1"
    );
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn node_list_shows_the_nodes() {
    let (dir, _path) = workspace("tailnet.yaml");
    let output = run(dir.path(), &["node", "list"]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("node_list", stdout(&output));
    let output = run(dir.path(), &["node", "list", "-o", "json"]);
    let nodes: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(nodes[1]["labels"]["zone"], "rack-a");
}

#[test]
fn node_add_and_remove_keep_comments() {
    let (dir, path) = workspace("tailnet.yaml");
    let output = run(
        dir.path(),
        &[
            "node",
            "add",
            "gpu1",
            "--address",
            "192.168.10.31",
            "--tailscale-ip",
            "100.64.0.31",
            "--label",
            "korral.io/gpu=true",
            "--taint",
            "nvidia.com/gpu=present:NoSchedule",
            "--gpu",
            "nvidia:1",
            "--time-slicing",
            "4",
            "--reserve-memory",
            "2Gi",
            "--ssh-user",
            "ubuntu",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&path).unwrap();
    insta::assert_snapshot!("node_added", text);
    let output = run(dir.path(), &["node", "remove", "worker1"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("worker1") && !text.contains("# first worker"),
        "{text}"
    );
    assert!(
        text.contains("# the control plane") && text.contains("# pinned"),
        "{text}"
    );
    assert!(text.contains("- name: gpu1"), "{text}");
}

#[test]
fn refused_edits_leave_the_file_as_it_was() {
    let (dir, path) = workspace("tailnet.yaml");
    let before = std::fs::read(&path).unwrap();
    for args in [
        // A duplicate address.
        &[
            "node",
            "add",
            "w2",
            "--address",
            "192.168.10.21",
            "--tailscale-ip",
            "100.64.0.22",
        ][..],
        // No Tailscale address while Tailscale is on.
        &["node", "add", "w2", "--address", "192.168.10.22"],
        // The only control plane.
        &["node", "remove", "cp1"],
        &["node", "remove", "nope"],
        &["config", "set", "k3s.version", "latest"],
        &["config", "set", "network.tailscale.enabled", "maybe"],
        &["config", "set", "ssh.port", "22"],
        &[
            "config",
            "set",
            "tailscaleIp",
            "10.0.0.1",
            "--scope",
            "node:worker1",
        ],
    ] {
        let output = run(dir.path(), args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).is_empty());
        assert_eq!(std::fs::read(&path).unwrap(), before, "{args:?}");
    }
    let output = run(
        dir.path(),
        &[
            "node",
            "add",
            "w2",
            "--address",
            "192.168.10.21",
            "--tailscale-ip",
            "100.64.0.22",
        ],
    );
    insta::assert_snapshot!("node_add_refused", stderr(&output));
}

#[test]
fn config_set_then_get() {
    let (dir, path) = workspace("tailnet.yaml");
    let set = |args: &[&str]| {
        let mut all = vec!["config", "set"];
        all.extend_from_slice(args);
        let output = run(dir.path(), &all);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    };
    let get = |args: &[&str]| {
        let mut all = vec!["config", "get"];
        all.extend_from_slice(args);
        let output = run(dir.path(), &all);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    set(&["k3s.version", "v1.32.1+k3s1"]);
    assert_eq!(get(&["spec.k3s.version"]), "v1.32.1+k3s1\n");
    set(&["network.tailscale.enabled", "false"]);
    assert_eq!(get(&["network.tailscale.enabled"]), "false\n");
    set(&["labels.zone", "rack-b", "--scope", "workers"]);
    set(&["ssh.port", "2222", "--scope", "all"]);
    assert_eq!(
        get(&["ssh.port", "--scope", "all"]),
        "cp1: 2222\nworker1: 2222\n"
    );
    set(&["labels[\"korral.io/ready\"]", "true", "--scope", "node:cp1"]);
    let text = std::fs::read_to_string(&path).unwrap();
    insta::assert_snapshot!("config_set", text);
    let output = run(dir.path(), &["config", "get", "gitops.branch"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("`gitops.branch` is not set"));
    assert_eq!(get(&["nodes.1.name"]), "worker1\n");

    // A misspelt key is bad input that says what may stand there, not "not set".
    let output = run(dir.path(), &["config", "get", "k3s.verison"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("`spec.k3s` has no setting `verison`") && err.contains("`version`"),
        "{err}"
    );
    let output = run(dir.path(), &["config", "unset", "registries"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("`registries` was not set"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn node_discover_lists_the_tailnet_and_adds_peers() {
    let (dir, path) = workspace("tailnet.yaml");
    let status = fixture("tailscale-status.json");
    let status = status.to_str().unwrap();
    let output = run(dir.path(), &["node", "discover", "--from", status]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("node_discover", stdout(&output));
    let output = run(
        dir.path(),
        &["node", "discover", "--from", status, "--add", "Gpu-Box"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("    - name: gpu-box\n      hostname: gpu-box.example.ts.net\n      address: 100.101.7.42\n      tailscaleIp: 100.101.7.42\n      role: worker\n"),
        "{text}"
    );
    let output = run(
        dir.path(),
        &["node", "discover", "--from", status, "--add", "worker1"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("already node `worker1`"));
}

#[test]
fn node_discover_without_tailscale_says_what_to_do() {
    let (dir, _path) = workspace("tailnet.yaml");
    let output = korral()
        .current_dir(dir.path())
        .env("PATH", dir.path())
        .args(["node", "discover"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--from"), "{}", stderr(&output));
}
