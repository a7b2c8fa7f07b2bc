//! Attacks on `korral bundle` and `korral keys` from the security review, each
//! reproduced: links that lead out through other links, oversized tar headers, names
//! that climb out, terminal control from bundle metadata and key user IDs, an
//! unreadable keyring taken for a bad signature.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Item, Scratch, refuses, write_tar};
use crate::util::{stderr, stdout};

/// A gpg key that korral's keyring holds and trusts; returns its fingerprint.
fn trusted_gpg_key(scratch: &Scratch) -> String {
    let fingerprint = scratch.gpg_key("Release <release@example.com>", "ed25519");
    let public = scratch.gpg_ok(&["--export", "--armor", &fingerprint]);
    fs::write(scratch.path("release.asc"), public).unwrap();
    scratch
        .korral()
        .args(["keys", "import", "--trust", "release.asc"])
        .assert()
        .success();
    fingerprint
}

/// A manifest by hand, by `creator`, listing `entries` (YAML lines).
fn manifest(creator: &str, entries: &str) -> String {
    format!(
        "apiVersion: bundle.korral.dev/v1\nkind: Bundle\nmetadata:\n  name: evil\n  version: '1'\n  created: 2026-01-01T00:00:00Z\n  creator: {creator}\n  korralVersion: 0.1.0\nhashes:\n- sha256\nentries:\n{entries}"
    )
}

fn symlink_entry(path: &str, target: &str) -> String {
    format!("- path: {path}\n  type: symlink\n  size: 0\n  mode: '0777'\n  target: {target}\n")
}

/// A tar.gz of the manifest, its gpg signature (when `signer`), then `items`.
fn hand_made(
    scratch: &Scratch,
    name: &str,
    manifest: &str,
    signer: Option<&str>,
    items: Vec<Item<'_>>,
) -> PathBuf {
    let mut all = vec![Item::File("korral-bundle.yaml", manifest.as_bytes(), 0o644)];
    let signature;
    if let Some(fingerprint) = signer {
        fs::write(scratch.path("korral-bundle.yaml"), manifest).unwrap();
        let _ = fs::remove_file(scratch.path("korral-bundle.yaml.asc"));
        scratch.gpg_ok(&[
            "--local-user",
            fingerprint,
            "--detach-sign",
            "--armor",
            "korral-bundle.yaml",
        ]);
        signature = fs::read(scratch.path("korral-bundle.yaml.asc")).unwrap();
        all.push(Item::File("korral-bundle.yaml.asc", &signature, 0o644));
    }
    all.extend(items);
    let archive = scratch.path(name);
    write_tar(&archive, &all, true);
    archive
}

/// The chain from the report: every target reads as inside; followed, `passwd` is
/// `/etc/passwd`.
fn chain() -> Vec<(String, String)> {
    let mut chain = vec![
        ("sub/deep".to_owned(), "..".to_owned()),
        ("l1".to_owned(), "sub/deep/..".to_owned()),
    ];
    for i in 2..=11 {
        chain.push((format!("l{i}"), format!("l{}/..", i - 1)));
    }
    chain.push(("passwd".into(), "l11/../etc/passwd".into()));
    chain
}

#[test]
fn a_signed_chain_of_links_that_leads_out_is_refused_by_verify_and_extract() {
    let scratch = Scratch::new();
    let signer = trusted_gpg_key(&scratch);
    let chain = chain();
    let entries: String = chain.iter().map(|(p, t)| symlink_entry(p, t)).collect();
    let items: Vec<Item<'_>> = chain.iter().map(|(p, t)| Item::Symlink(p, t)).collect();
    let archive = hand_made(
        &scratch,
        "chain.tar.gz",
        &manifest("x", &entries),
        Some(&signer),
        items,
    );

    let (code, report) = scratch.verify_json(&archive, &["--require-signature"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["signature"]["status"], "valid", "{report:#}");
    assert!(
        report["structure"]
            .to_string()
            .contains("passes through the symlink `sub/deep`"),
        "{report:#}"
    );
    for extra in [
        &["--require-signature"][..],
        &["--insecure-skip-verify"][..],
    ] {
        let output = scratch.extract(&archive, "out", extra);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{extra:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("passes through the symlink"),
            "{extra:?}: {}",
            stderr(&output)
        );
        scratch.assert_nothing_left("out");
    }
}

#[test]
fn a_link_placed_where_an_earlier_link_passes_is_refused() {
    // `x` does not exist when `a -> x/..` is made (it is then the top); a link put at
    // `x` afterwards would make `a` lead elsewhere.
    refuses(
        &[
            Item::Dir("sub", 0o755),
            Item::Symlink("sub/deep", ".."),
            Item::Symlink("a", "x/.."),
            Item::Symlink("x", "sub/deep"),
        ],
        "earlier symlink",
    );
    // Nothing is written through a link extracted before, even one that stays inside.
    refuses(
        &[
            Item::Symlink("link", "sub"),
            Item::File("link/x", b"x", 0o644),
        ],
        "not a directory",
    );
}

#[test]
fn links_that_stay_inside_extract_and_resolve_inside() {
    let scratch = Scratch::new();
    let payload = scratch.payload();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("charts/app", payload.join("current")).unwrap();
        std::os::unix::fs::symlink("current", payload.join("latest")).unwrap();
        std::os::unix::fs::symlink("../k3s", payload.join("charts/k3s")).unwrap();
    }
    let archive = scratch.create("tar.zst", None);
    let output = scratch.extract(&archive, "out", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let root = scratch.path("out");
    assert_eq!(
        fs::read_to_string(root.join("site/latest/values.yaml")).unwrap(),
        "replicas: 2\n"
    );
    assert_all_inside(&root);
}

/// Every entry under `root`, followed through its symlinks, resolves inside it.
pub fn assert_all_inside(root: &Path) {
    let root = root.canonicalize().unwrap();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let resolved = path
                .canonicalize()
                .unwrap_or_else(|err| panic!("`{}` does not resolve: {err}", path.display()));
            assert!(
                resolved.starts_with(&root),
                "`{}` resolves to `{}`, outside `{}`",
                path.display(),
                resolved.display(),
                root.display()
            );
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                stack.push(path);
            }
        }
    }
}

#[test]
fn a_huge_long_name_header_is_refused_before_it_is_read() {
    let scratch = Scratch::new();
    let archive = scratch.path("longname.tar");
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::GNULongName);
    header.set_size(8 << 20);
    header.set_mode(0o644);
    header.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
    header.set_cksum();
    fs::write(&archive, header.as_bytes()).unwrap();
    // The claimed 8 MiB (a sparse file: no disk spent), then the end of the archive.
    let file = fs::OpenOptions::new().write(true).open(&archive).unwrap();
    file.set_len(512 + (8 << 20) + 1024).unwrap();
    let (code, report) = scratch.verify_json(&archive, &[]);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        report["structure"]
            .to_string()
            .contains("a long-name or PAX header of 8388608 bytes"),
        "{report:#}"
    );
}

#[test]
fn a_name_or_version_that_is_not_a_file_name_is_refused() {
    let scratch = Scratch::new();
    let payload = scratch.payload();
    let nested = scratch.path("a/b");
    fs::create_dir_all(&nested).unwrap();
    for (name, version) in [
        ("../../x", "1"),
        ("x", "../1"),
        ("x", ".."),
        ("x\u{1b}[2J", "1"),
    ] {
        let output = scratch
            .korral()
            .current_dir(&nested)
            .args(["bundle", "create", "--name", name, "--version", version])
            .arg(&payload)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{name} {version}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains('\u{1b}'), "{}", stderr(&output));
    }
    let output = scratch
        .korral()
        .current_dir(&nested)
        .args(["bundle", "create", "--name", "../../x", "--version", "1"])
        .arg(&payload)
        .output()
        .unwrap();
    assert!(
        stderr(&output).contains("not a file name"),
        "{}",
        stderr(&output)
    );
    assert!(!scratch.path("x-1.tar.zst").exists());
    assert_eq!(fs::read_dir(&nested).unwrap().count(), 0);
}

#[test]
fn create_never_packs_its_own_output() {
    let scratch = Scratch::new();
    let payload = scratch.payload();
    for _ in 0..2 {
        let output = scratch
            .korral()
            .args([
                "bundle",
                "create",
                "--name",
                "site",
                "--version",
                "1",
                "--out",
            ])
            .arg(payload.join("site.tar.zst"))
            .arg(&payload)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let inspect = scratch
        .korral()
        .args(["bundle", "inspect", "-o", "json"])
        .arg(payload.join("site.tar.zst"))
        .output()
        .unwrap();
    let inspection: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    let paths = inspection["manifest"]["entries"].to_string();
    assert!(paths.contains("site/k3s"), "{paths}");
    assert!(!paths.contains("site.tar.zst"), "{paths}");
}

#[test]
fn an_unreadable_keyring_is_reported_as_such_not_as_a_bad_signature() {
    let scratch = Scratch::new();
    let key = scratch.korral_key("Ops", "ed25519");
    let archive = scratch.create("tar.zst", Some(&key));
    // Running as root, permissions would not stop a read: a folder where the list of
    // trusted keys should be is unreadable to everyone.
    fs::remove_file(scratch.keyring().join("trusted")).unwrap();
    fs::create_dir(scratch.keyring().join("trusted")).unwrap();
    for command in ["verify", "extract"] {
        let mut cmd = scratch.korral();
        cmd.args(["bundle", command]).arg(&archive);
        if command == "extract" {
            cmd.arg("--to").arg(scratch.path("out"));
        }
        let output = cmd.output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            stdout(&output)
        );
        let err = stderr(&output);
        assert!(err.contains("cannot read the keyring"), "{command}: {err}");
        assert!(err.contains("trusted"), "{command}: {err}");
        assert!(err.contains("--keyring"), "{command}: {err}");
        assert!(
            !stdout(&output).contains("signature"),
            "{}",
            stdout(&output)
        );
        scratch.assert_nothing_left("out");
    }
}

/// Control sequences an attacker would put in a bundle or a key.
const HOSTILE: &str = "x\u{1b}]0;pwned\u{7}\u{1b}[2J\r\nresult     VERIFIED";

fn assert_no_control(text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| c == '\u{1b}' || c == '\r' || c == '\u{7}'),
        "control characters reached the terminal: {text:?}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("result     VERIFIED")),
        "a line drawn by data: {text:?}"
    );
}

#[test]
fn bundle_metadata_and_paths_cannot_drive_the_terminal() {
    let scratch = Scratch::new();
    let creator = serde_json::to_string(HOSTILE).unwrap();
    let path = "a\u{1b}[31mb";
    // SHA-256 of `x`.
    let sha = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";
    let entries = format!(
        "- path: {}\n  type: file\n  size: 1\n  mode: '0644'\n  sha256: {sha}\n",
        serde_json::to_string(path).unwrap()
    );
    let text = manifest(&creator, &entries);
    let archive = hand_made(
        &scratch,
        "hostile.tar.gz",
        &text,
        None,
        vec![Item::File(path, b"x", 0o644)],
    );

    // Failed (no signature), and no line of the output is the bundle's.
    let output = scratch.verify(&archive, &["--require-signature"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_no_control(&stdout(&output));
    assert!(
        stdout(&output).contains("\\e]0;pwned"),
        "{}",
        stdout(&output)
    );
    // JSON stays exact.
    let (_, report) = scratch.verify_json(&archive, &["--require-signature"]);
    assert_eq!(report["metadata"]["creator"], HOSTILE);

    let inspect = scratch
        .korral()
        .args(["bundle", "inspect"])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    assert_no_control(&stdout(&inspect));
    assert!(
        stdout(&inspect).contains("a\\e[31mb"),
        "{}",
        stdout(&inspect)
    );

    // Extraction's report and errors alike.
    let output = scratch.extract(&archive, "out", &["--require-signature"]);
    assert_eq!(output.status.code(), Some(1));
    assert_no_control(&stdout(&output));
    assert_no_control(&stderr(&output));
    let evil = scratch.path("evil.tar.gz");
    write_tar(
        &evil,
        &[Item::File("../\u{1b}]0;pwned\u{7}", b"x", 0o644)],
        true,
    );
    let output = scratch.extract(&evil, "out2", &["--insecure-skip-verify"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("\\e]0;pwned"),
        "{}",
        stderr(&output)
    );
    assert_no_control(&stderr(&output));
}

#[test]
fn key_user_ids_cannot_drive_the_terminal() {
    let scratch = Scratch::new();
    let output = scratch
        .korral()
        .args(["keys", "generate", "--name", HOSTILE, "--no-passphrase"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_no_control(&stderr(&output));
    let list = scratch.korral().args(["keys", "list"]).output().unwrap();
    assert!(list.status.success());
    assert_no_control(&stdout(&list));
    assert!(
        stdout(&list).contains("uid   x\\e]0;pwned"),
        "{}",
        stdout(&list)
    );
    let json = scratch
        .korral()
        .args(["keys", "list", "-o", "json"])
        .output()
        .unwrap();
    let keys: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(keys[0]["userIds"][0], HOSTILE);

    // The signer's user ID in a verification report, too.
    let fingerprint = keys[0]["fingerprint"].as_str().unwrap().to_owned();
    let archive = scratch.create("tar.zst", Some(&fingerprint));
    let output = scratch.verify(&archive, &[]);
    assert!(output.status.success(), "{}", stdout(&output));
    let report = stdout(&output);
    assert!(!report.contains(['\u{1b}', '\r', '\u{7}']), "{report:?}");
    assert_eq!(
        report.lines().filter(|l| l.starts_with("result")).count(),
        1,
        "{report:?}"
    );
}

#[test]
fn dash_o_is_the_output_format_and_create_writes_to_out() {
    let scratch = Scratch::new();
    let payload = scratch.payload();
    let output = scratch
        .korral()
        .args([
            "bundle",
            "create",
            "--name",
            "s",
            "--version",
            "1",
            "-o",
            "s.tar.zst",
        ])
        .arg(&payload)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!scratch.path("s.tar.zst").exists());
    let output = scratch
        .korral()
        .args([
            "bundle",
            "create",
            "--name",
            "s",
            "--version",
            "1",
            "--out",
            "s.tar.zst",
        ])
        .arg(&payload)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(scratch.path("s.tar.zst").is_file());
}
