//! Test helpers: a keyring with a trusted signing key, bundles made from folders.

use std::fs;
use std::path::{Path, PathBuf};

use korral_bundle::{
    CreateOptions, Format, GenerateOptions, KeyAlgorithm, Keyring, Manifest, NoProgress, Signer,
};
use tempfile::TempDir;

/// A scratch folder with a keyring holding one trusted Ed25519 key.
pub struct Scratch {
    pub dir: TempDir,
    pub keyring: Keyring,
    pub fingerprint: String,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keyring = Keyring::open(dir.path().join("keyring"));
        let key = keyring
            .generate(&GenerateOptions {
                user_id: "Ops <ops@example.com>".into(),
                algorithm: KeyAlgorithm::Ed25519,
                passphrase: None,
            })
            .unwrap();
        Self {
            dir,
            keyring,
            fingerprint: key.fingerprint,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A folder `name` holding `files` (path, content).
    pub fn folder(&self, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
        let root = self.path(name);
        for (path, content) in files {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        root
    }

    /// Bundles `folder` into `out` (tar.zst), signed when `signed`.
    pub fn bundle(&self, folder: &Path, out: &str, signed: bool) -> (PathBuf, Manifest) {
        let output = self.path(out);
        let options = CreateOptions {
            name: "site".into(),
            version: "1.0.0".into(),
            paths: vec![folder.to_owned()],
            output: output.clone(),
            format: Format::TarZst,
            hashes: Vec::new(),
            creator: "test".into(),
        };
        let signer = Signer {
            keyring: &self.keyring,
            fingerprint: self.fingerprint.clone(),
            passphrase: String::new(),
        };
        let manifest =
            korral_bundle::create(&options, signed.then_some(&signer), &NoProgress).unwrap();
        (output, manifest)
    }
}
