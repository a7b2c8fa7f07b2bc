//! The generated Ansible checked by the real tools: `ansible-playbook --syntax-check`,
//! `ansible-lint --offline --profile production`, and the prerequisites role in check
//! mode on localhost. The tools come from PyPI (scripts/test installs them).
//!
//! ansible-lint takes ~10 s per tree, so one test runs everything for the three
//! templates at once: the three lints in the background while the syntax and check-mode
//! runs go in turn.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use super::util;

fn tool(name: &str) -> Command {
    let found = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        found,
        "`{name}` is not on PATH: run scripts/test, which installs ansible-core and ansible-lint from PyPI"
    );
    let mut command = Command::new(name);
    command
        .env("NO_COLOR", "1")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_FORCE_COLOR", "0");
    command
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn lint(out: &Path) -> Child {
    tool("ansible-lint")
        .args([
            "--offline",
            "--profile",
            "production",
            "--nocolor",
            "ansible",
        ])
        .current_dir(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// An inventory of localhost alone, with the variables of the first control plane of
/// the generated inventory.
fn localhost_inventory(out: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(out.join("ansible/inventory.yml")).unwrap();
    let inventory: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let control_planes =
        &inventory["all"]["children"]["k3s_cluster"]["children"]["control_plane"]["hosts"];
    let (_, vars) = control_planes.as_object().unwrap().iter().next().unwrap();
    let mut vars = vars.clone();
    let vars_map = vars.as_object_mut().unwrap();
    vars_map.insert("ansible_connection".into(), "local".into());
    // Debian's python carries the apt bindings the package module needs in check mode.
    vars_map.insert(
        "ansible_python_interpreter".into(),
        "/usr/bin/python3".into(),
    );
    let local = serde_json::json!({
        "all": {"children": {"k3s_cluster": {"children": {
            "control_plane": {"hosts": {"localhost": vars}},
            "workers": {"hosts": {}},
        }}}}
    });
    let path = out.join("localhost.yml");
    std::fs::write(&path, serde_json::to_string_pretty(&local).unwrap()).unwrap();
    path
}

fn prerequisites_in_check_mode(out: &Path) -> Output {
    let inventory = localhost_inventory(out);
    tool("ansible-playbook")
        .args(["-i"])
        .arg(&inventory)
        .args([
            "provision_cluster.yml",
            "--check",
            "-c",
            "local",
            "--tags",
            "prerequisites",
        ])
        // The playbooks become root with sudo; these tests already run as root and su
        // needs no password then.
        .env("ANSIBLE_BECOME_METHOD", "su")
        .current_dir(out.join("ansible"))
        .output()
        .unwrap()
}

#[test]
fn every_template_passes_syntax_check_lint_and_prerequisites_in_check_mode() {
    let dirs: Vec<_> = util::TEMPLATES
        .iter()
        .map(|name| {
            let dir = tempfile::tempdir().unwrap();
            util::write(&util::template(name), dir.path());
            (*name, dir)
        })
        .collect();
    let lints: Vec<_> = dirs.iter().map(|(_, dir)| lint(dir.path())).collect();

    for (name, dir) in &dirs {
        let output = tool("ansible-playbook")
            .args(["-i", "inventory.yml", "--syntax-check"])
            .args([
                "site.yml",
                "provision_cluster.yml",
                "add_node.yml",
                "remove_node.yml",
                "upgrade.yml",
            ])
            .current_dir(dir.path().join("ansible"))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{name}: syntax check failed:\n{}",
            text(&output)
        );
    }

    for (name, dir) in &dirs {
        let output = prerequisites_in_check_mode(dir.path());
        let log = text(&output);
        let tailscale = util::template(name).tailscale_enabled();
        if tailscale {
            // No Tailscale here: the role must stop at its check, with the way to fix it.
            assert!(
                !output.status.success(),
                "{name}: passed without Tailscale:\n{log}"
            );
            assert!(
                log.contains("TASK [prerequisites : Require Tailscale]")
                    && log.contains("Tailscale is not installed on localhost"),
                "{name}: did not stop at the Tailscale check:\n{log}"
            );
            let recap = log
                .lines()
                .find(|line| line.starts_with("localhost "))
                .unwrap();
            assert!(recap.contains("failed=1"), "{name}: {recap}");
        } else {
            assert!(
                output.status.success(),
                "{name}: prerequisites failed in check mode:\n{log}"
            );
            for task in [
                "TASK [prerequisites : Check the operating system family]",
                "TASK [prerequisites : Check the memory]",
                "TASK [prerequisites : Install the packages K3s needs]",
                "TASK [prerequisites : Set the sysctls K3s needs]",
                "TASK [prerequisites : Read the ufw status]",
            ] {
                assert!(log.contains(task), "{name}: `{task}` did not run:\n{log}");
            }
            assert!(log.contains("failed=0"), "{name}:\n{log}");
        }
    }

    for ((name, _), lint) in dirs.iter().zip(lints) {
        let output = lint.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{name}: ansible-lint (production profile) failed:\n{}",
            text(&output)
        );
    }
}
