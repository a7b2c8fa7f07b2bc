//! `korral keys` end to end: generate, import, export, list, remove, trust; keys move
//! between gpg and korral both ways, Ed25519 and RSA.

use std::fs;

use serde_json::Value;

use crate::bundle::Scratch;
use crate::util::stderr;

fn list(scratch: &Scratch) -> Vec<Value> {
    let output = scratch
        .korral()
        .args(["keys", "list", "-o", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice::<Value>(&output.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// gpg's fingerprint line for a key, as `gpg --fingerprint` prints it.
fn gpg_fingerprint_line(scratch: &Scratch, fingerprint: &str) -> String {
    let listing = scratch.gpg_ok(&["--fingerprint", fingerprint]);
    listing.lines().nth(1).unwrap().trim().to_owned()
}

#[test]
fn gpg_keys_import_into_korral_with_the_same_fingerprint() {
    for algorithm in ["ed25519", "rsa2048"] {
        let scratch = Scratch::new();
        let uid = format!("Gpg {algorithm} <gpg@example.com>");
        let fingerprint = scratch.gpg_key(&uid, algorithm);
        let public = scratch.gpg_ok(&["--export", "--armor", &fingerprint]);
        fs::write(scratch.path("public.asc"), public).unwrap();
        let output = scratch
            .korral()
            .args(["keys", "import", "public.asc"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            stderr(&output).contains("not trusted until"),
            "{}",
            stderr(&output)
        );

        let keys = list(&scratch);
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0]["fingerprint"], fingerprint.as_str());
        assert_eq!(keys[0]["algorithm"], algorithm);
        assert_eq!(keys[0]["userIds"][0], uid.as_str());
        assert_eq!(keys[0]["secret"], false);
        assert_eq!(keys[0]["trusted"], false);

        // The table shows the fingerprint exactly as gpg does.
        let table = scratch.korral().args(["keys", "list"]).output().unwrap();
        let table = String::from_utf8(table.stdout).unwrap();
        let gpg_line = gpg_fingerprint_line(&scratch, &fingerprint);
        assert!(table.contains(&gpg_line), "{table}\nvs gpg: {gpg_line}");

        // A secret key exported from gpg signs bundles in korral.
        let secret = scratch.gpg_ok(&["--export-secret-keys", "--armor", &fingerprint]);
        fs::write(scratch.path("secret.asc"), secret).unwrap();
        scratch
            .korral()
            .args(["keys", "import", "--trust", "secret.asc"])
            .assert()
            .success();
        let keys = list(&scratch);
        assert_eq!(keys[0]["secret"], true);
        assert_eq!(keys[0]["protected"], false);
        assert_eq!(keys[0]["trusted"], true);
        let archive = scratch.create("tar.zst", Some(&fingerprint));
        let (code, report) = scratch.verify_json(&archive, &["--require-signature"]);
        assert_eq!(code, 0, "{report:#}");
    }
}

#[test]
fn korral_keys_import_into_gpg_with_the_same_fingerprint() {
    for algorithm in ["ed25519", "rsa2048"] {
        let scratch = Scratch::new();
        let fingerprint = scratch.korral_key("Ops", algorithm);
        assert_eq!(fingerprint.len(), 40);
        scratch
            .korral()
            .args(["keys", "export", &fingerprint, "--out", "ops.asc"])
            .assert()
            .success();
        let text = fs::read_to_string(scratch.path("ops.asc")).unwrap();
        assert!(
            text.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
            "{text}"
        );
        scratch.gpg_ok(&["--import", "ops.asc"]);
        let listing = scratch.gpg_ok(&["--with-colons", "--list-keys", "ops@example.com"]);
        assert!(
            listing.contains(&format!("fpr:::::::::{fingerprint}:")),
            "{listing}"
        );
        let expected = if algorithm == "ed25519" {
            ":22:"
        } else {
            ":1:"
        };
        let primary = listing.lines().find(|l| l.starts_with("pub:")).unwrap();
        assert!(primary.contains(expected), "{listing}");

        // The secret key too, for signing elsewhere.
        scratch
            .korral()
            .args([
                "keys",
                "export",
                "--secret",
                &fingerprint,
                "--out",
                "ops-secret.asc",
            ])
            .assert()
            .success();
        scratch.gpg_ok(&["--import", "ops-secret.asc"]);
        let secrets = scratch.gpg_ok(&["--with-colons", "--list-secret-keys"]);
        assert!(secrets.contains(&fingerprint), "{secrets}");
    }
}

#[test]
fn generated_keys_are_trusted_and_protected_by_their_passphrase() {
    let scratch = Scratch::new();
    let output = scratch
        .korral()
        .args([
            "keys",
            "generate",
            "--name",
            "Site Ops",
            "--email",
            "ops@example.com",
        ])
        .env("KORRAL_PASSPHRASE", "s3cret")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let keys = list(&scratch);
    assert_eq!(keys[0]["userIds"][0], "Site Ops <ops@example.com>");
    assert_eq!(keys[0]["algorithm"], "ed25519");
    assert_eq!(keys[0]["trusted"], true);
    assert_eq!(keys[0]["protected"], true);
    // The exported secret key is still locked: gpg needs the passphrase to use it.
    let fingerprint = keys[0]["fingerprint"].as_str().unwrap().to_owned();
    let secret = scratch
        .korral()
        .args(["keys", "export", "--secret", &fingerprint])
        .output()
        .unwrap();
    let text = String::from_utf8(secret.stdout).unwrap();
    assert!(!text.contains("s3cret"));
    fs::write(scratch.path("secret.asc"), &text).unwrap();
    scratch.gpg_ok(&["--import", "secret.asc"]);
    fs::write(scratch.path("data"), "x").unwrap();
    let wrong = scratch
        .gpg()
        .args(["--local-user", &fingerprint, "--detach-sign", "data"])
        .output()
        .unwrap();
    assert!(!wrong.status.success(), "gpg signed without the passphrase");
    let right = std::process::Command::new("gpg")
        .arg("--homedir")
        .arg(scratch.gnupg())
        .args([
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "s3cret",
        ])
        .args([
            "--local-user",
            &fingerprint,
            "--output",
            "data.sig",
            "--detach-sign",
            "data",
        ])
        .current_dir(scratch.dir.path())
        .output()
        .unwrap();
    assert!(
        right.status.success(),
        "{}",
        String::from_utf8_lossy(&right.stderr)
    );

    // Without a terminal or a passphrase source, generate says where to put it.
    let output = scratch
        .korral()
        .args(["keys", "generate", "--name", "Other"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("KORRAL_PASSPHRASE"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn trust_remove_and_lookups_by_id_or_name() {
    let scratch = Scratch::new();
    let a = scratch.korral_key("Alice", "ed25519");
    let b = scratch.korral_key("Bob", "ed25519");
    // By key id, spaced fingerprint, or user id.
    let spaced = {
        let groups: Vec<&str> = (0..10).map(|i| &b[i * 4..i * 4 + 4]).collect();
        format!("{}  {}", groups[..5].join(" "), groups[5..].join(" "))
    };
    scratch
        .korral()
        .args(["keys", "trust", "--revoke", &spaced])
        .assert()
        .success();
    scratch
        .korral()
        .args(["keys", "trust", "--revoke", &a[24..]])
        .assert()
        .success();
    assert!(list(&scratch).iter().all(|k| k["trusted"] == false));
    scratch
        .korral()
        .args(["keys", "trust", "alice"])
        .assert()
        .success();
    let keys = list(&scratch);
    assert_eq!(
        keys.iter()
            .find(|k| k["fingerprint"] == a.as_str())
            .unwrap()["trusted"],
        true
    );

    let ambiguous = scratch
        .korral()
        .args(["keys", "export", "example.com"])
        .output()
        .unwrap();
    assert_eq!(ambiguous.status.code(), Some(2));
    assert!(
        stderr(&ambiguous).contains("matches 2 keys"),
        "{}",
        stderr(&ambiguous)
    );
    let missing = scratch
        .korral()
        .args(["keys", "export", "carol"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no key matches `carol`"),
        "{}",
        stderr(&missing)
    );

    // A key with a secret part is removed only with --secret.
    let refused = scratch
        .korral()
        .args(["keys", "remove", "bob"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("--secret"),
        "{}",
        stderr(&refused)
    );
    scratch
        .korral()
        .args(["keys", "remove", "--secret", "bob"])
        .assert()
        .success();
    let keys = list(&scratch);
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["fingerprint"], a.as_str());
}

#[test]
fn garbage_is_not_imported() {
    let scratch = Scratch::new();
    fs::write(
        scratch.path("junk.asc"),
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnope\n",
    )
    .unwrap();
    let output = scratch
        .korral()
        .args(["keys", "import", "junk.asc"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("junk.asc"), "{}", stderr(&output));
    assert!(list(&scratch).is_empty());
}
