//! `korral generate` and `korral provision` end to end: writing, dry runs, hand edits,
//! refusing an invalid cluster.yaml, and provisioning this machine in check mode with
//! the real ansible-playbook (installed by scripts/test).

use std::path::{Path, PathBuf};

use crate::util::{korral, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/it/fixtures/generate/{name}"))
}

/// `korral generate local.yaml --out OUT ARGS…`.
fn generate(out: &Path, args: &[&str]) -> std::process::Output {
    korral()
        .arg("generate")
        .arg(fixture("local.yaml"))
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

fn generate_into(out: &Path) {
    let output = generate(out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn generate_writes_the_tree_then_finds_it_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let output = generate(dir.path(), &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let note = stderr(&output);
    assert!(note.contains("files written to"), "{note}");
    assert!(note.contains("(0 unchanged, 0 deleted)"), "{note}");
    for path in [
        "ansible/inventory.yml",
        "ansible/site.yml",
        "ansible/roles/prerequisites/tasks/main.yml",
        "manifests/security/namespaces.yaml",
        ".korral/generated.json",
    ] {
        assert!(dir.path().join(path).is_file(), "{path} missing");
    }

    let output = generate(dir.path(), &["--dry-run"]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("is up to date"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn generate_defaults_to_generated_beside_cluster_yaml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("local.yaml"), dir.path().join("cluster.yaml")).unwrap();
    let output = korral()
        .arg("generate")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.path().join("generated/ansible/inventory.yml").is_file());
}

#[test]
fn dry_run_prints_a_diff_and_hand_edits_are_kept_until_forced() {
    let dir = tempfile::tempdir().unwrap();
    generate_into(dir.path());
    let namespaces = dir.path().join("manifests/security/namespaces.yaml");
    let edited = std::fs::read_to_string(&namespaces)
        .unwrap()
        .replace("enforce: restricted", "enforce: baseline");
    std::fs::write(&namespaces, &edited).unwrap();
    let inventory = dir.path().join("ansible/inventory.yml");
    std::fs::remove_file(&inventory).unwrap();

    let output = generate(dir.path(), &["--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let diff = stdout(&output);
    assert!(
        diff.starts_with("--- /dev/null\n+++ b/ansible/inventory.yml\n"),
        "{diff}"
    );
    assert!(!diff.contains("namespaces.yaml"), "{diff}");
    assert!(
        stderr(&output).contains(
            "1 file edited by hand would be kept: manifests/security/namespaces.yaml; add --force to overwrite"
        ),
        "{}",
        stderr(&output)
    );
    assert!(!inventory.exists(), "a dry run writes nothing");

    let output = generate(dir.path(), &[]);
    assert!(output.status.success());
    let note = stderr(&output);
    assert!(note.contains("1 file written"), "{note}");
    assert!(
        note.contains("warning: kept 1 file edited by hand since the last generate: manifests/security/namespaces.yaml"),
        "{note}"
    );
    assert_eq!(std::fs::read_to_string(&namespaces).unwrap(), edited);

    let output = generate(dir.path(), &["--dry-run", "--force"]);
    let diff = stdout(&output);
    assert!(diff.contains("-    pod-security.kubernetes.io/enforce: baseline\n+    pod-security.kubernetes.io/enforce: restricted\n"), "{diff}");

    let output = generate(dir.path(), &["--force"]);
    assert!(output.status.success());
    assert!(
        std::fs::read_to_string(&namespaces)
            .unwrap()
            .contains("enforce: restricted")
    );
}

#[test]
fn an_invalid_cluster_yaml_is_refused_and_nothing_is_written() {
    // A semantic error (validate's diagnostics) and a type error (the loader's).
    for (file, wanted) in [
        ("invalid.yaml", ["invalid.yaml:10:", "192.168.1.300"]),
        ("unknown-key.yaml", ["unknown-key.yaml:", "colour"]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let output = korral()
            .arg("generate")
            .arg(fixture(file))
            .arg("--out")
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let err = stderr(&output);
        for text in wanted.iter().chain(&["run korral generate again"]) {
            assert!(err.contains(text), "{file}: `{text}` missing from {err}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

#[test]
fn a_missing_cluster_yaml_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = korral()
        .arg("generate")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cluster.yaml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn provision_without_ansible_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    generate_into(dir.path());
    let output = korral()
        .arg("provision")
        .arg("--dir")
        .arg(dir.path())
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("`ansible-playbook` is not installed"), "{err}");
    assert!(err.contains("pipx install ansible-core"), "{err}");
}

#[test]
fn provision_before_generate_says_to_generate() {
    let dir = tempfile::tempdir().unwrap();
    let output = korral()
        .arg("provision")
        .arg("--dir")
        .arg(dir.path().join("generated"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("run `korral generate` first"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn adding_a_node_needs_limit() {
    let output = korral()
        .args(["provision", "--playbook", "add-node"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("add --limit NODE"),
        "{}",
        stderr(&output)
    );
}

/// `korral provision --check` of the prerequisites on this machine: Ansible connects
/// locally (`-c local`), becomes root with su (the tests run as root; there is no sudo).
fn provision_locally(dir: &Path, args: &[&str], extra: &[&str]) -> std::process::Output {
    korral()
        .arg("provision")
        .arg("--dir")
        .arg(dir)
        .args(args)
        .args([
            "--check",
            "--tags",
            "prerequisites",
            "--limit",
            "dev1",
            "--",
        ])
        .args([
            "-c",
            "local",
            "-e",
            "ansible_python_interpreter=/usr/bin/python3",
        ])
        .args(extra)
        .env("ANSIBLE_BECOME_METHOD", "su")
        .output()
        .unwrap()
}

#[test]
fn provision_shows_progress_per_task_and_host_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    generate_into(dir.path());
    let output = provision_locally(dir.path(), &[], &[]);
    let (out, err) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(0), "{out}\n{err}");
    assert!(err.contains("PLAY Prepare every node\n"), "{err}");
    assert!(
        err.contains("  prerequisites : Check the memory\n    dev1             ok"),
        "{err}"
    );
    assert!(
        !err.contains("skipping"),
        "skipped results are only counted: {err}"
    );
    let header = out.lines().next().unwrap();
    assert!(
        header.split_whitespace().eq([
            "HOST",
            "OK",
            "CHANGED",
            "UNREACHABLE",
            "FAILED",
            "SKIPPED",
            "RESCUED",
            "IGNORED",
            "RESULT"
        ]),
        "{out}"
    );
    let row: Vec<&str> = out.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row[0], "dev1", "{out}");
    assert_eq!((row[3], row[4], row[8]), ("0", "0", "ok"), "{out}");
    assert!(dir.path().join(".korral/provision.log").is_file());
}

#[test]
fn provision_exits_1_and_says_why_when_a_host_fails() {
    let dir = tempfile::tempdir().unwrap();
    generate_into(dir.path());
    let output = provision_locally(
        dir.path(),
        &["-o", "json"],
        &["-e", "korral_preflight_min_memory_mb_server=99999999"],
    );
    let (out, err) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(1), "{out}\n{err}");
    assert!(
        err.contains("dev1             failed     : dev1 has")
            && err.contains("needs at least 99999999 MiB"),
        "{err}"
    );
    assert!(err.contains("warning: failed on dev1"), "{err}");
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary[0]["host"], "dev1");
    assert_eq!(summary[0]["failed"], 1);
}

#[test]
fn a_state_file_naming_files_outside_the_output_folder_is_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    generate_into(&out);
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me\n").unwrap();
    // The state file is committed with the output: anyone may write paths into it.
    let state_path = out.join(".korral/generated.json");
    let state = std::fs::read_to_string(&state_path).unwrap().replacen(
        "\"files\": {",
        "\"files\": {\n    \"../victim.txt\": \"00\",\n    \"/etc/hostname\": \"00\",",
        1,
    );
    std::fs::write(&state_path, state).unwrap();

    let output = generate(&out, &["--dry-run", "--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stdout(&output).contains("keep me"), "{}", stdout(&output));
    let output = generate(&out, &["--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let warning = stderr(&output);
    assert!(
        warning.contains("warning: ignored 2 paths of")
            && warning.contains("`../victim.txt`")
            && warning.contains("`/etc/hostname`"),
        "{warning}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
}
