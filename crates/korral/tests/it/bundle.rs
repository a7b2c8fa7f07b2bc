//! `korral bundle` end to end: create, verify, inspect and extract in every format;
//! signatures both ways with the real gpg; every failure leaves nothing behind.

use std::fs;
use std::io::{Read as _, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use tempfile::TempDir;

use crate::util::{korral, stderr, stdout};

mod security;

/// A scratch space: a keyring, a GNUPGHOME, a payload, and room for archives.
pub struct Scratch {
    pub dir: TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let scratch = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir(scratch.gnupg()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(scratch.gnupg(), fs::Permissions::from_mode(0o700)).unwrap();
        }
        scratch
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn keyring(&self) -> PathBuf {
        self.path("keyring")
    }

    pub fn gnupg(&self) -> PathBuf {
        self.path("gnupg")
    }

    /// `korral` with this scratch's keyring.
    pub fn korral(&self) -> assert_cmd::Command {
        let mut cmd = korral();
        cmd.env("KORRAL_KEYRING", self.keyring())
            .env_remove("KORRAL_PASSPHRASE")
            .current_dir(self.dir.path());
        cmd
    }

    /// The real gpg, in batch mode, on this scratch's GNUPGHOME.
    pub fn gpg(&self) -> std::process::Command {
        assert!(
            std::process::Command::new("gpg")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success()),
            "gpg is missing: run scripts/test, which installs Debian's gnupg"
        );
        let mut cmd = std::process::Command::new("gpg");
        cmd.arg("--homedir")
            .arg(self.gnupg())
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .current_dir(self.dir.path());
        cmd
    }

    /// Runs gpg, asserting success; returns its standard output.
    pub fn gpg_ok(&self, args: &[&str]) -> String {
        let output = self.gpg().args(args).output().unwrap();
        assert!(
            output.status.success(),
            "gpg {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Makes a gpg key and returns its fingerprint.
    pub fn gpg_key(&self, uid: &str, algorithm: &str) -> String {
        self.gpg_ok(&["--quick-gen-key", uid, algorithm, "sign", "never"]);
        self.gpg_fingerprint(uid)
    }

    pub fn gpg_fingerprint(&self, uid: &str) -> String {
        let listing = self.gpg_ok(&["--with-colons", "--list-keys", uid]);
        listing
            .lines()
            .find(|l| l.starts_with("fpr:"))
            .and_then(|l| l.split(':').nth(9))
            .unwrap()
            .to_owned()
    }

    /// A korral key without a passphrase; returns its fingerprint.
    pub fn korral_key(&self, name: &str, algorithm: &str) -> String {
        let output = self
            .korral()
            .args(["keys", "generate", "--name", name, "--email"])
            .arg(format!("{}@example.com", name.to_lowercase()))
            .args(["--algorithm", algorithm, "--no-passphrase"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let listed = self
            .korral()
            .args(["keys", "list", "-o", "json"])
            .output()
            .unwrap();
        let keys: Value = serde_json::from_slice(&listed.stdout).unwrap();
        keys.as_array()
            .unwrap()
            .iter()
            .find(|k| k["userIds"][0].as_str().unwrap().starts_with(name))
            .unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A small payload: a binary-ish file, text, a nested folder, a symlink.
    pub fn payload(&self) -> PathBuf {
        let root = self.path("site");
        if root.exists() {
            return root;
        }
        fs::create_dir_all(root.join("charts/app")).unwrap();
        let mut bin = Vec::new();
        for i in 0u32..50_000 {
            bin.extend_from_slice(&i.wrapping_mul(2_654_435_761).to_le_bytes());
        }
        fs::write(root.join("k3s"), &bin).unwrap();
        fs::write(
            root.join("charts/app/Chart.yaml"),
            "apiVersion: v2\nname: app\n",
        )
        .unwrap();
        fs::write(root.join("charts/app/values.yaml"), "replicas: 2\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(root.join("k3s"), fs::Permissions::from_mode(0o755)).unwrap();
            std::os::unix::fs::symlink("k3s", root.join("k3s-latest")).unwrap();
        }
        root
    }

    /// `korral bundle create` of the payload; returns the archive.
    pub fn create(&self, format: &str, sign_with: Option<&str>) -> PathBuf {
        let payload = self.payload();
        let out = self.path(&format!("site.{format}"));
        let mut cmd = self.korral();
        cmd.args(["bundle", "create", "--name", "site", "--version", "1.0.0"])
            .args(["--format", format, "--hash", "sha512,blake3", "--out"])
            .arg(&out)
            .arg(&payload);
        if let Some(key) = sign_with {
            cmd.args(["--sign-with", key]);
        }
        let output = cmd.output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        out
    }

    pub fn verify(&self, archive: &Path, extra: &[&str]) -> Output {
        self.korral()
            .args(["bundle", "verify"])
            .arg(archive)
            .args(extra)
            .output()
            .unwrap()
    }

    pub fn verify_json(&self, archive: &Path, extra: &[&str]) -> (i32, Value) {
        let output = self
            .korral()
            .args(["bundle", "verify", "-o", "json"])
            .arg(archive)
            .args(extra)
            .output()
            .unwrap();
        let report = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|err| panic!("{err}: {} {}", stdout(&output), stderr(&output)));
        (output.status.code().unwrap(), report)
    }

    pub fn extract(&self, archive: &Path, to: &str, extra: &[&str]) -> Output {
        self.korral()
            .args(["bundle", "extract"])
            .arg(archive)
            .arg("--to")
            .arg(self.path(to))
            .args(extra)
            .output()
            .unwrap()
    }

    /// Asserts nothing was left in the scratch directory but what was there before.
    pub fn assert_nothing_left(&self, to: &str) {
        assert!(!self.path(to).exists(), "`{to}` was created");
        for entry in fs::read_dir(self.dir.path()).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(!name.starts_with(".korral"), "left behind: {name}");
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // gpg starts an agent per GNUPGHOME; stop it with the directory.
        let _ = std::process::Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.gnupg())
            .args(["--kill", "all"])
            .output();
    }
}

/// An archive entry for hand-made (malicious) archives.
pub enum Item<'a> {
    File(&'a str, &'a [u8], u32),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
    Fifo(&'a str),
    Dir(&'a str, u32),
}

/// Writes a tar (gzip-compressed when `gz`) of `items` in order.
pub fn write_tar(path: &Path, items: &[Item<'_>], gz: bool) {
    let file = fs::File::create(path).unwrap();
    let out: Box<dyn Write> = if gz {
        Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(file)
    };
    let mut builder = tar::Builder::new(out);
    for item in items {
        let mut header = tar::Header::new_gnu();
        match item {
            Item::File(name, data, mode) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(data.len() as u64);
                header.set_mode(*mode);
                set_raw_path(&mut header, name);
                header.set_cksum();
                builder.append(&header, *data).unwrap();
            }
            Item::Symlink(name, target) | Item::Hardlink(name, target) => {
                header.set_entry_type(if matches!(item, Item::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                header.set_size(0);
                header.set_mode(0o777);
                set_raw_path(&mut header, name);
                header.set_link_name_literal(target).unwrap();
                header.set_cksum();
                builder.append(&header, std::io::empty()).unwrap();
            }
            Item::Dir(name, mode) => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                header.set_mode(*mode);
                set_raw_path(&mut header, name);
                header.set_cksum();
                builder.append(&header, std::io::empty()).unwrap();
            }
            Item::Fifo(name) => {
                header.set_entry_type(tar::EntryType::Fifo);
                header.set_size(0);
                header.set_mode(0o644);
                set_raw_path(&mut header, name);
                header.set_cksum();
                builder.append(&header, std::io::empty()).unwrap();
            }
        }
    }
    builder.into_inner().unwrap().flush().unwrap();
}

/// The tar crate refuses `..` and absolute paths; an attacker's tool does not.
fn set_raw_path(header: &mut tar::Header, name: &str) {
    let bytes = name.as_bytes();
    let field = &mut header.as_old_mut().name;
    field.fill(0);
    field[..bytes.len()].copy_from_slice(bytes);
}

/// Reads every entry of a korral tar.zst bundle: (path, type, mode, data, link).
/// A tar entry read back: path, type, mode, content, link target.
type Read = (String, tar::EntryType, u32, Vec<u8>, Option<String>);

fn read_tar_zst(path: &Path) -> Vec<Read> {
    let data = zstd::decode_all(fs::File::open(path).unwrap()).unwrap();
    let mut archive = tar::Archive::new(data.as_slice());
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut content).unwrap();
            (
                e.path().unwrap().to_string_lossy().into_owned(),
                e.header().entry_type(),
                e.header().mode().unwrap(),
                content,
                e.link_name()
                    .unwrap()
                    .map(|l| l.to_string_lossy().into_owned()),
            )
        })
        .collect()
}

/// Repacks a korral tar.zst bundle as plain tar after `change` edits its entries.
fn repack(source: &Path, target: &Path, change: impl FnOnce(&mut Vec<Read>)) {
    let mut entries = read_tar_zst(source);
    change(&mut entries);
    let items: Vec<Item<'_>> = entries
        .iter()
        .map(|(name, kind, mode, data, link)| match kind {
            tar::EntryType::Symlink => Item::Symlink(name, link.as_deref().unwrap()),
            tar::EntryType::Directory => Item::Dir(name, *mode),
            _ => Item::File(name, data, *mode),
        })
        .collect();
    write_tar(target, &items, false);
}

/// An unsigned korral bundle whose manifest gpg then signs (with `gpg_args` before the
/// signing options), repacked as plain tar with the signature second.
fn gpg_signed_bundle(scratch: &Scratch, fingerprint: &str, gpg_args: &[&str]) -> PathBuf {
    let archive = scratch.create("tar.zst", None);
    let manifest = read_tar_zst(&archive).remove(0);
    fs::write(scratch.path("korral-bundle.yaml"), &manifest.3).unwrap();
    let mut args = gpg_args.to_vec();
    args.extend([
        "--local-user",
        fingerprint,
        "--detach-sign",
        "--armor",
        "korral-bundle.yaml",
    ]);
    scratch.gpg_ok(&args);
    let signature = fs::read(scratch.path("korral-bundle.yaml.asc")).unwrap();
    let signed = scratch.path("signed.tar");
    repack(&archive, &signed, |entries| {
        let entry = (
            "korral-bundle.yaml.asc".into(),
            tar::EntryType::Regular,
            0o644,
            signature,
            None,
        );
        entries.insert(1, entry);
    });
    signed
}

fn problems(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["problem"].as_str().unwrap(),
                p["path"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn each_format_round_trips_through_create_verify_inspect_and_extract() {
    let scratch = Scratch::new();
    let key = scratch.korral_key("Ops", "ed25519");
    for format in ["tar.zst", "tar.gz", "zip"] {
        let archive = scratch.create(format, Some(&key));
        let (code, report) = scratch.verify_json(&archive, &["--require-signature"]);
        assert_eq!(code, 0, "{format}: {report:#}");
        assert_eq!(report["verified"], true);
        assert_eq!(report["format"], format);
        assert_eq!(report["entries"], 4, "{report:#}");
        assert_eq!(report["signature"]["status"], "valid");
        assert_eq!(report["signature"]["fingerprint"], key.as_str());

        let inspect = scratch
            .korral()
            .args(["bundle", "inspect", "-o", "json"])
            .arg(&archive)
            .output()
            .unwrap();
        assert!(inspect.status.success(), "{}", stderr(&inspect));
        let inspection: Value = serde_json::from_slice(&inspect.stdout).unwrap();
        assert_eq!(inspection["manifest"]["metadata"]["name"], "site");
        assert_eq!(
            inspection["manifest"]["hashes"],
            serde_json::json!(["sha256", "sha512", "blake3"])
        );
        let paths: Vec<&str> = inspection["manifest"]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            paths,
            [
                "site/charts/app/Chart.yaml",
                "site/charts/app/values.yaml",
                "site/k3s",
                "site/k3s-latest"
            ]
        );

        let to = format!("out-{format}");
        let output = scratch.extract(&archive, &to, &["--require-signature"]);
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        let root = scratch.path(&to);
        assert_eq!(
            fs::read(root.join("site/k3s")).unwrap(),
            fs::read(scratch.path("site/k3s")).unwrap()
        );
        assert_eq!(
            fs::read_link(root.join("site/k3s-latest")).unwrap(),
            Path::new("k3s")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(root.join("site/k3s"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o755);
        }
        assert!(root.join("korral-bundle.yaml").is_file());
        assert!(root.join("korral-bundle.yaml.asc").is_file());
        security::assert_all_inside(&root);
        fs::remove_dir_all(scratch.path("site")).unwrap();
    }
}

#[test]
fn the_manifest_and_its_signature_lead_the_archive() {
    let scratch = Scratch::new();
    let key = scratch.korral_key("Ops", "ed25519");
    let archive = scratch.create("tar.zst", Some(&key));
    let entries = read_tar_zst(&archive);
    assert_eq!(entries[0].0, "korral-bundle.yaml");
    assert_eq!(entries[1].0, "korral-bundle.yaml.asc");
    let manifest = String::from_utf8(entries[0].3.clone()).unwrap();
    assert!(
        manifest.starts_with("apiVersion: bundle.korral.dev/v1\nkind: Bundle\n"),
        "{manifest}"
    );
    assert!(manifest.contains("korralVersion:"), "{manifest}");
    assert!(String::from_utf8_lossy(&entries[1].3).starts_with("-----BEGIN PGP SIGNATURE-----"));
}

#[test]
fn plain_tar_repacked_by_hand_with_the_manifest_last_verifies() {
    let scratch = Scratch::new();
    let archive = scratch.create("tar.zst", None);
    let repacked = scratch.path("repacked.tar");
    repack(&archive, &repacked, |entries| entries.rotate_left(1));
    let (code, report) = scratch.verify_json(&repacked, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["format"], "tar");
    let notes = report["notes"].to_string();
    assert!(notes.contains("not at the start"), "{notes}");
    assert!(notes.contains("unsigned"), "{notes}");
    // What verifies extracts: the entries before the manifest are checked at the end.
    let output = scratch.extract(&repacked, "out", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        fs::read(scratch.path("out/site/k3s")).unwrap(),
        fs::read(scratch.payload().join("k3s")).unwrap()
    );
    security::assert_all_inside(&scratch.path("out"));
    // And what fails verification fails extraction, with the same report.
    let tampered = scratch.path("tampered.tar");
    repack(&archive, &tampered, |entries| {
        entries.rotate_left(1);
        let k3s = entries.iter_mut().find(|e| e.0 == "site/k3s").unwrap();
        k3s.3[7] ^= 1;
    });
    let output = scratch.extract(&tampered, "bad", &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("site/k3s: sha256 mismatch"),
        "{}",
        stdout(&output)
    );
    scratch.assert_nothing_left("bad");
}

#[test]
fn a_gpg_signed_manifest_verifies_in_korral() {
    let scratch = Scratch::new();
    let fingerprint = scratch.gpg_key("Release <release@example.com>", "ed25519");
    let signed = gpg_signed_bundle(&scratch, &fingerprint, &[]);

    // Unknown until imported.
    let (code, report) = scratch.verify_json(&signed, &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["signature"]["status"], "unknownKey");

    let public = scratch.gpg_ok(&["--export", "--armor", &fingerprint]);
    fs::write(scratch.path("release.asc"), public).unwrap();
    let import = scratch
        .korral()
        .args(["keys", "import", "release.asc"])
        .output()
        .unwrap();
    assert!(import.status.success(), "{}", stderr(&import));

    // Known, not trusted: the signature is good but not accepted.
    let output = scratch.verify(&signed, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("not trusted"),
        "{}",
        stdout(&output)
    );

    scratch
        .korral()
        .args(["keys", "trust", &fingerprint])
        .assert()
        .success();
    let (code, report) = scratch.verify_json(&signed, &["--require-signature"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["signature"]["status"], "valid");
    assert_eq!(
        report["signature"]["userId"],
        "Release <release@example.com>"
    );
}

#[test]
fn korral_signatures_verify_with_gpg_for_ed25519_and_rsa() {
    for algorithm in ["ed25519", "rsa2048"] {
        let scratch = Scratch::new();
        let key = scratch.korral_key("Ops", algorithm);
        let archive = scratch.create("tar.gz", Some(&key));
        let output = scratch.extract(&archive, "out", &["--require-signature"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let public = scratch
            .korral()
            .args(["keys", "export", &key])
            .output()
            .unwrap();
        assert!(public.status.success());
        fs::write(scratch.path("ops.asc"), &public.stdout).unwrap();
        scratch.gpg_ok(&["--import", "ops.asc"]);
        let verify = scratch
            .gpg()
            .args(["--status-fd", "1", "--verify"])
            .arg(scratch.path("out/korral-bundle.yaml.asc"))
            .arg(scratch.path("out/korral-bundle.yaml"))
            .output()
            .unwrap();
        let status = String::from_utf8_lossy(&verify.stdout);
        assert!(
            verify.status.success(),
            "{algorithm}: {status} {}",
            String::from_utf8_lossy(&verify.stderr)
        );
        assert!(status.contains(&format!("VALIDSIG {key}")), "{status}");

        // And gpg notices a changed manifest.
        let mut manifest = fs::read_to_string(scratch.path("out/korral-bundle.yaml")).unwrap();
        manifest = manifest.replace("name: site", "name: evil");
        fs::write(scratch.path("out/korral-bundle.yaml"), manifest).unwrap();
        let bad = scratch
            .gpg()
            .arg("--verify")
            .arg(scratch.path("out/korral-bundle.yaml.asc"))
            .arg(scratch.path("out/korral-bundle.yaml"))
            .output()
            .unwrap();
        assert!(!bad.status.success());
    }
}

#[test]
fn a_passphrase_protected_key_signs_with_the_passphrase_from_env_or_file() {
    let scratch = Scratch::new();
    let generate = scratch
        .korral()
        .args([
            "keys",
            "generate",
            "--name",
            "Ops",
            "--email",
            "ops@example.com",
        ])
        .env("KORRAL_PASSPHRASE", "correct horse")
        .output()
        .unwrap();
    assert!(generate.status.success(), "{}", stderr(&generate));
    let payload = scratch.payload();
    let create = |extra: &[&str], env: Option<&str>| {
        let mut cmd = scratch.korral();
        cmd.args([
            "bundle",
            "create",
            "--name",
            "s",
            "--version",
            "1",
            "--sign-with",
            "ops@",
        ])
        .args(extra)
        .arg(&payload);
        if let Some(pass) = env {
            cmd.env("KORRAL_PASSPHRASE", pass);
        }
        cmd.output().unwrap()
    };
    let wrong = create(&["--out", "wrong.tar.zst"], Some("wrong"));
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("wrong passphrase"),
        "{}",
        stderr(&wrong)
    );
    assert!(!scratch.path("wrong.tar.zst").exists());

    let none = create(&["--out", "none.tar.zst"], None);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        stderr(&none).contains("KORRAL_PASSPHRASE"),
        "{}",
        stderr(&none)
    );

    fs::write(scratch.path("pass"), "correct horse\n").unwrap();
    let good = create(
        &["--out", "good.tar.zst", "--passphrase-file", "pass"],
        None,
    );
    assert!(good.status.success(), "{}", stderr(&good));
    let (code, _) = scratch.verify_json(&scratch.path("good.tar.zst"), &["--require-signature"]);
    assert_eq!(code, 0);
}

#[test]
fn a_tampered_byte_is_a_digest_mismatch_and_nothing_is_extracted() {
    let scratch = Scratch::new();
    let key = scratch.korral_key("Ops", "ed25519");
    let archive = scratch.create("tar.zst", Some(&key));
    let tampered = scratch.path("tampered.tar");
    repack(&archive, &tampered, |entries| {
        let k3s = entries.iter_mut().find(|e| e.0 == "site/k3s").unwrap();
        k3s.3[1000] ^= 1;
    });
    let (code, report) = scratch.verify_json(&tampered, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["signature"]["status"], "valid");
    let found = problems(&report);
    assert_eq!(
        found
            .iter()
            .filter(|p| *p == "digestMismatch site/k3s")
            .count(),
        3,
        "{found:?}"
    );

    let output = scratch.verify(&tampered, &[]);
    assert!(
        stdout(&output).contains("site/k3s: sha256 mismatch"),
        "{}",
        stdout(&output)
    );
    assert!(stdout(&output).contains("FAILED"));

    let output = scratch.extract(&tampered, "out", &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("nothing was extracted"),
        "{}",
        stderr(&output)
    );
    scratch.assert_nothing_left("out");
}

#[test]
fn a_bundle_verifies_from_standard_input_as_from_its_file() {
    let scratch = Scratch::new();
    let key = scratch.korral_key("Ops", "ed25519");
    let from_stdin = |archive: &Path, extra: &[&str]| -> Output {
        scratch
            .korral()
            .args(["bundle", "verify", "-o", "json", "-"])
            .args(extra)
            .write_stdin(fs::read(archive).unwrap())
            .output()
            .unwrap()
    };
    for format in ["tar.zst", "tar.gz"] {
        let archive = scratch.create(format, Some(&key));
        let output = from_stdin(&archive, &["--require-signature"]);
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        let mut streamed: Value = serde_json::from_slice(&output.stdout).unwrap();
        let (code, mut filed) = scratch.verify_json(&archive, &["--require-signature"]);
        assert_eq!(code, 0);
        assert_eq!(streamed["file"], "<stdin>");
        assert_eq!(streamed["signature"]["status"], "valid");
        streamed["file"] = Value::Null;
        filed["file"] = Value::Null;
        assert_eq!(streamed, filed, "{format}");
    }

    // Larger than the cap's slack (16 MiB): the ratio is held against the bytes read so
    // far, which a genuine bundle never outruns.
    let big = scratch.path("big");
    fs::create_dir_all(&big).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let noise: Vec<u8> = (0..(24 << 20) / 8)
        .flat_map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()
        })
        .collect();
    fs::write(big.join("noise"), &noise).unwrap();
    let big_bundle = scratch.path("big.tar.zst");
    let output = scratch
        .korral()
        .args([
            "bundle",
            "create",
            "--name",
            "big",
            "--version",
            "1",
            "--out",
        ])
        .arg(&big_bundle)
        .arg(&big)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let output = from_stdin(&big_bundle, &[]);
    assert!(output.status.success(), "{}", stdout(&output));

    // Damage is found the same way.
    let archive = scratch.create("tar.zst", Some(&key));
    let tampered = scratch.path("tampered.tar");
    repack(&archive, &tampered, |entries| {
        let k3s = entries.iter_mut().find(|e| e.0 == "site/k3s").unwrap();
        k3s.3[1000] ^= 1;
    });
    let output = from_stdin(&tampered, &[]);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(problems(&report).contains(&"digestMismatch site/k3s".to_owned()));

    // Without the archive's length, the ratio cap holds against what has been read.
    let bomb = scratch.path("bomb.tar.zst");
    let mut tar =
        tar::Builder::new(zstd::Encoder::new(fs::File::create(&bomb).unwrap(), 19).unwrap());
    let mut header = tar::Header::new_gnu();
    header.set_size(64 << 20);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "zeros", std::io::repeat(0).take(64 << 20))
        .unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    let output = from_stdin(&bomb, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        report["structure"].to_string().contains("compression bomb"),
        "{report:#}"
    );

    // A zip's index is at its end: it needs a file.
    let zip = scratch.create("zip", None);
    let output = from_stdin(&zip, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("zip keeps its index at its end"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn empty_folders_are_kept_listed_and_checked() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new();
    let payload = scratch.payload();
    fs::create_dir_all(payload.join("cache/empty")).unwrap();
    fs::set_permissions(
        payload.join("cache/empty"),
        fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    for format in ["tar.zst", "tar.gz", "zip"] {
        let archive = scratch.create(format, None);
        let output = scratch
            .korral()
            .args(["bundle", "inspect", "-o", "json"])
            .arg(&archive)
            .output()
            .unwrap();
        let inspection: Value = serde_json::from_slice(&output.stdout).unwrap();
        let entries = inspection["manifest"]["entries"].as_array().unwrap();
        let empty = entries
            .iter()
            .find(|e| e["path"] == "site/cache/empty")
            .unwrap_or_else(|| panic!("{format}: {inspection:#}"));
        assert_eq!(empty["type"], "directory");
        assert_eq!(empty["mode"], "0750");
        // Only empty folders are entries; the others are implied by their content.
        assert!(!entries.iter().any(|e| e["path"] == "site/charts"));

        let (code, report) = scratch.verify_json(&archive, &[]);
        assert_eq!(code, 0, "{format}: {report:#}");
        let out = format!("out-{format}");
        let output = scratch.extract(&archive, &out, &[]);
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        let dir = scratch.path(&format!("{out}/site/cache/empty"));
        assert!(dir.is_dir(), "{format}");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o750
        );
    }

    // A listed folder that is gone, and a folder nobody listed, are both reported.
    let archive = scratch.create("tar.zst", None);
    let changed = scratch.path("changed.tar");
    repack(&archive, &changed, |entries| {
        entries.retain(|e| e.0 != "site/cache/empty");
        entries.push((
            "site/intruder".into(),
            tar::EntryType::Directory,
            0o755,
            Vec::new(),
            None,
        ));
        // A folder that holds listed entries may be in the archive: tar does that.
        entries.push((
            "site/charts".into(),
            tar::EntryType::Directory,
            0o755,
            Vec::new(),
            None,
        ));
    });
    let (code, report) = scratch.verify_json(&changed, &[]);
    assert_eq!(code, 1);
    let mut found = problems(&report);
    found.sort();
    assert_eq!(
        found,
        ["missing site/cache/empty", "unexpected site/intruder"],
        "{report:#}"
    );
}

#[test]
fn missing_extra_and_resized_entries_are_reported_by_path() {
    let scratch = Scratch::new();
    let archive = scratch.create("tar.zst", None);
    let changed = scratch.path("changed.tar");
    repack(&archive, &changed, |entries| {
        entries.retain(|e| e.0 != "site/charts/app/values.yaml");
        entries.push((
            "site/extra.sh".into(),
            tar::EntryType::Regular,
            0o755,
            b"rm -rf /".to_vec(),
            None,
        ));
        let chart = entries
            .iter_mut()
            .find(|e| e.0 == "site/charts/app/Chart.yaml")
            .unwrap();
        chart.3.push(b'\n');
    });
    let (code, report) = scratch.verify_json(&changed, &[]);
    assert_eq!(code, 1);
    let found = problems(&report);
    assert!(
        found.contains(&"missing site/charts/app/values.yaml".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"unexpected site/extra.sh".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"sizeMismatch site/charts/app/Chart.yaml".to_owned()),
        "{found:?}"
    );
    let output = scratch.extract(&changed, "out", &[]);
    assert_eq!(output.status.code(), Some(1));
    scratch.assert_nothing_left("out");
}

#[test]
fn a_truncated_archive_and_corrupt_compression_fail_cleanly() {
    let scratch = Scratch::new();
    let archive = scratch.create("tar.zst", None);
    let data = fs::read(&archive).unwrap();

    let truncated = scratch.path("truncated.tar.zst");
    fs::write(&truncated, &data[..data.len() / 2]).unwrap();
    let (code, report) = scratch.verify_json(&truncated, &[]);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        report["structure"].to_string().contains("damaged"),
        "{report:#}"
    );
    let output = scratch.extract(&truncated, "out", &[]);
    assert_eq!(output.status.code(), Some(1));
    scratch.assert_nothing_left("out");

    let corrupt = scratch.path("corrupt.tar.zst");
    let mut bad = data.clone();
    for byte in &mut bad[data.len() / 3..data.len() / 3 + 64] {
        *byte ^= 0x5a;
    }
    fs::write(&corrupt, &bad).unwrap();
    let (code, report) = scratch.verify_json(&corrupt, &[]);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        !report["structure"].as_array().unwrap().is_empty()
            || !report["problems"].as_array().unwrap().is_empty()
    );
    let output = scratch.extract(&corrupt, "out", &["--insecure-skip-verify"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    scratch.assert_nothing_left("out");

    let gz = scratch.create("tar.gz", None);
    let data = fs::read(&gz).unwrap();
    fs::write(&truncated, &data[..data.len() - 100]).unwrap();
    let (code, _) = scratch.verify_json(&truncated, &[]);
    assert_eq!(code, 1);
}

#[test]
fn unreadable_input_exits_2() {
    let scratch = Scratch::new();
    let output = scratch.verify(&scratch.path("nope.tar.zst"), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("nope.tar.zst"),
        "{}",
        stderr(&output)
    );
    fs::write(scratch.path("text.txt"), "hello").unwrap();
    let output = scratch.verify(&scratch.path("text.txt"), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not a bundle"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn signatures_unsigned_required_unknown_wrong_and_bad() {
    let scratch = Scratch::new();
    let unsigned = scratch.create("tar.zst", None);
    let (code, report) = scratch.verify_json(&unsigned, &[]);
    assert_eq!(code, 0, "unsigned passes unless required: {report:#}");
    let output = scratch.verify(&unsigned, &["--require-signature"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("a signature is required"),
        "{}",
        stdout(&output)
    );
    let output = scratch.extract(&unsigned, "out", &["--require-signature"]);
    assert_eq!(output.status.code(), Some(1));
    scratch.assert_nothing_left("out");
    fs::remove_dir_all(scratch.path("site")).unwrap();

    // Signed by a key the verifier's keyring lacks.
    let other = Scratch::new();
    let key = other.korral_key("Stranger", "ed25519");
    let signed = other.create("tar.zst", Some(&key));
    let (code, report) = scratch.verify_json(&signed, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["signature"]["status"], "unknownKey");
    assert_eq!(report["signature"]["issuer"], key.as_str());

    // The wrong key: the verifier trusts another key only.
    scratch.korral_key("Ops", "ed25519");
    let output = scratch.verify(&signed, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("not in the keyring"),
        "{}",
        stdout(&output)
    );

    // A manifest changed after signing: bad signature.
    let export = other
        .korral()
        .args(["keys", "export", &key])
        .output()
        .unwrap();
    fs::write(scratch.path("stranger.asc"), &export.stdout).unwrap();
    scratch
        .korral()
        .args(["keys", "import", "--trust", "stranger.asc"])
        .assert()
        .success();
    let forged = scratch.path("forged.tar");
    repack(&signed, &forged, |entries| {
        let manifest = String::from_utf8(entries[0].3.clone()).unwrap();
        let changed = manifest.replace("name: site", "name: evil");
        assert_ne!(changed, manifest);
        entries[0].3 = changed.into_bytes();
    });
    let (code, report) = scratch.verify_json(&forged, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["signature"]["status"], "bad");
    let (code, _) = scratch.verify_json(&signed, &["--require-signature"]);
    assert_eq!(code, 0);
}

#[test]
fn an_expired_key_is_reported() {
    let scratch = Scratch::new();
    let uid = "Old <old@example.com>";
    scratch.gpg_ok(&[
        "--faked-system-time",
        "20200101T000000!",
        "--quick-gen-key",
        uid,
        "ed25519",
        "sign",
        "1d",
    ]);
    let fingerprint = scratch.gpg_fingerprint(uid);
    let signed = gpg_signed_bundle(
        &scratch,
        &fingerprint,
        &["--faked-system-time", "20200101T010000!"],
    );
    let public = scratch.gpg_ok(&["--export", "--armor", &fingerprint]);
    fs::write(scratch.path("old.asc"), public).unwrap();
    scratch
        .korral()
        .args(["keys", "import", "--trust", "old.asc"])
        .assert()
        .success();
    let (code, report) = scratch.verify_json(&signed, &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["signature"]["status"], "expired");
    assert!(
        report["signature"]["reason"]
            .as_str()
            .unwrap()
            .contains("2020-01-02"),
        "{report:#}"
    );
}

/// Builds a malicious tar.gz and checks that extract refuses it, with and without
/// verification, and leaves nothing behind.
fn refuses(items: &[Item<'_>], reason: &str) {
    let scratch = Scratch::new();
    let archive = scratch.path("evil.tar.gz");
    write_tar(&archive, items, true);
    let (code, report) = scratch.verify_json(&archive, &[]);
    assert_eq!(code, 1, "{report:#}");
    for extra in [&[][..], &["--insecure-skip-verify"][..]] {
        let output = scratch.extract(&archive, "sub/out", extra);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{extra:?}: {}",
            stderr(&output)
        );
        if !extra.is_empty() {
            assert!(stderr(&output).contains(reason), "{}", stderr(&output));
            assert!(
                stderr(&output).contains("NOT VERIFYING"),
                "{}",
                stderr(&output)
            );
        }
        assert!(!scratch.path("sub/out").exists());
        assert!(!scratch.path("escaped").exists(), "a file escaped");
        let left: Vec<_> = fs::read_dir(scratch.path("sub"))
            .into_iter()
            .flatten()
            .map(|entry| entry.unwrap().path())
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}

#[test]
fn path_traversal_is_refused() {
    refuses(
        &[
            Item::File("ok.txt", b"ok", 0o644),
            Item::File("../../escaped", b"x", 0o644),
        ],
        "climbs out",
    );
    refuses(
        &[Item::File("/tmp/escaped-korral-test", b"x", 0o644)],
        "absolute",
    );
}

#[test]
fn escaping_links_are_refused() {
    refuses(
        &[Item::Symlink("link", "../../escaped")],
        "outside the bundle",
    );
    refuses(&[Item::Symlink("link", "/etc")], "absolute");
    // A link that stays inside, then a file written through it.
    refuses(
        &[Item::Symlink("dir", "."), Item::File("dir/x", b"x", 0o644)],
        "not a directory",
    );
    refuses(&[Item::Hardlink("passwd", "/etc/passwd")], "absolute");
    refuses(&[Item::Hardlink("h", "../escaped")], "climbs out");
}

#[test]
fn devices_and_setuid_bits_are_refused() {
    refuses(&[Item::Fifo("pipe")], "FIFO");
    refuses(&[Item::File("su", b"#!/bin/sh\n", 0o4755)], "setuid");
}

#[test]
fn a_zip_bomb_is_stopped_by_the_ratio_cap() {
    let scratch = Scratch::new();
    let bomb = scratch.path("bomb.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&bomb).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("zeros", options).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&zeros).unwrap();
    }
    zip.finish().unwrap();
    assert!(fs::metadata(&bomb).unwrap().len() < 1 << 20);

    let (code, report) = scratch.verify_json(&bomb, &[]);
    assert_eq!(code, 1);
    assert!(
        report["structure"].to_string().contains("compression bomb"),
        "{report:#}"
    );
    let output = scratch.extract(&bomb, "out", &["--insecure-skip-verify"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("--max-ratio"),
        "{}",
        stderr(&output)
    );
    scratch.assert_nothing_left("out");
    // The cap is the user's to raise.
    let output = scratch.extract(
        &bomb,
        "out",
        &["--insecure-skip-verify", "--max-ratio", "10000"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        fs::metadata(scratch.path("out/zeros")).unwrap().len(),
        64 << 20
    );
    // --max-size holds whatever the ratio.
    let output = scratch.extract(
        &bomb,
        "out2",
        &[
            "--insecure-skip-verify",
            "--max-ratio",
            "10000",
            "--max-size",
            "32M",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("--max-size"),
        "{}",
        stderr(&output)
    );
    scratch.assert_nothing_left("out2");
}

#[test]
fn extract_refuses_a_destination_that_is_not_empty() {
    let scratch = Scratch::new();
    let archive = scratch.create("zip", None);
    fs::create_dir(scratch.path("busy")).unwrap();
    fs::write(scratch.path("busy/keep"), "mine").unwrap();
    let output = scratch.extract(&archive, "busy", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not empty"), "{}", stderr(&output));
    assert_eq!(
        fs::read_to_string(scratch.path("busy/keep")).unwrap(),
        "mine"
    );
}

#[test]
fn an_oci_layout_goes_under_images_and_verifies_like_any_entry() {
    let scratch = Scratch::new();
    let layout = scratch.path("layout");
    let blob = b"{\"layers\":[]}";
    let digest = {
        use std::process::Command;
        fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
        fs::write(scratch.path("blob"), blob).unwrap();
        let out = Command::new("sha256sum")
            .arg(scratch.path("blob"))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()[..64].to_owned()
    };
    fs::write(
        layout.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    fs::write(layout.join(format!("blobs/sha256/{digest}")), blob).unwrap();
    fs::write(
        layout.join("index.json"),
        format!(r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{digest}","size":{}}}]}}"#, blob.len()),
    )
    .unwrap();
    let out = scratch.path("img.tar.zst");
    let output = scratch
        .korral()
        .args([
            "bundle",
            "create",
            "--name",
            "img",
            "--version",
            "1",
            "--out",
        ])
        .arg(&out)
        .arg(&layout)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let (code, report) = scratch.verify_json(&out, &[]);
    assert_eq!(code, 0, "{report:#}");
    let inspect = scratch
        .korral()
        .args(["bundle", "inspect"])
        .arg(&out)
        .output()
        .unwrap();
    let listing = stdout(&inspect);
    assert!(listing.contains("images/oci-layout"), "{listing}");
    assert!(
        listing.contains(&format!("images/blobs/sha256/{digest}")),
        "{listing}"
    );

    // A blob not named by its digest is an inconsistent layout.
    fs::write(layout.join(format!("blobs/sha256/{}", "0".repeat(64))), "x").unwrap();
    let bad = scratch.path("bad.tar.zst");
    let output = scratch
        .korral()
        .args([
            "bundle",
            "create",
            "--name",
            "img",
            "--version",
            "1",
            "--out",
        ])
        .arg(&bad)
        .arg(&layout)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let (code, report) = scratch.verify_json(&bad, &[]);
    assert_eq!(code, 1);
    assert!(
        report["structure"]
            .to_string()
            .contains("named by its SHA-256"),
        "{report:#}"
    );
}

#[test]
fn create_refuses_bad_input_with_the_path() {
    let scratch = Scratch::new();
    let output = scratch
        .korral()
        .args([
            "bundle",
            "create",
            "--name",
            "x",
            "--version",
            "1",
            "missing-dir",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("missing-dir"),
        "{}",
        stderr(&output)
    );

    fs::create_dir(scratch.path("d")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", scratch.path("d/passwd")).unwrap();
    let output = scratch
        .korral()
        .args(["bundle", "create", "--name", "x", "--version", "1", "d"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("absolute path"),
        "{}",
        stderr(&output)
    );
    assert!(!scratch.path("x-1.tar.zst").exists());
}
