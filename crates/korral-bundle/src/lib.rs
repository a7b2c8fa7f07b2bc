//! Signed airgap bundles and OpenPGP keys.
//!
//! A bundle is an archive (tar.zst, tar.gz or zip; plain tar is read too) whose first
//! entries are its [`Manifest`] (`korral-bundle.yaml`: every entry's path, size, mode and
//! digests, plus metadata) and the manifest's detached, ASCII-armoured OpenPGP
//! signature (`korral-bundle.yaml.asc`). The rest is the payload.
//!
//! - [`create`] walks files and folders into a bundle, signing the manifest with a key
//!   from the [`Keyring`].
//! - [`verify`] streams a bundle once, hashing while it reads, and returns a [`Report`]
//!   of every problem: entries missing, unexpected, of the wrong size or digest; the
//!   structure; the signature.
//! - [`extract`] verifies and writes in that same single pass over one open file (or
//!   a stream, [`extract_stream`]), into a temporary directory beside the destination
//!   renamed into place only when everything verified; it refuses anything that could
//!   escape it, symlinks judged by where they lead through the links before them.
//! - [`inspect`] reads the manifest without hashing the payload; [`read_entry`] one
//!   payload file, unverified.
//! - [`Keyring`] keeps public and secret keys (Ed25519 and RSA), and which are trusted;
//!   it encrypts data to keys ([`Keyring::encrypt`], [`Recipients`]) and decrypts it.
//!
//! ```no_run
//! use korral_bundle::{Keyring, Limits, verify};
//!
//! let keyring = Keyring::open(Keyring::default_dir().unwrap());
//! let report = verify("site.tar.zst".as_ref(), &keyring, &Limits::default(), false).unwrap();
//! assert!(report.ok());
//! ```

mod archive;
mod create;
mod digest;
mod error;
mod extract;
mod keyring;
mod links;
mod manifest;
mod progress;
mod verify;

pub use archive::{Format, Limits};
pub use create::{CreateOptions, Signer, create};
pub use digest::{Digests, HashAlgorithm};
pub use error::{Error, Result};
pub use extract::{ExtractOptions, extract, extract_stream};
pub use keyring::{
    GenerateOptions, KeyAlgorithm, KeyInfo, Keyring, Recipients, SignatureCheck, format_fingerprint,
};
pub use manifest::{API_VERSION, Entry, EntryType, KIND, MANIFEST, Manifest, Metadata, SIGNATURE};
pub use progress::{NoProgress, Progress};
pub use verify::{
    EntryProblem, Inspection, Report, inspect, read_entry, verify, verify_stream,
    verify_with_progress,
};

/// The environment variable naming the keyring directory (else the user's config
/// directory, `$XDG_CONFIG_HOME/korral/keyring` on Linux).
pub const KEYRING_ENV: &str = "KORRAL_KEYRING";

/// The environment variable holding the passphrase of a secret key, for scripts and CI.
pub const PASSPHRASE_ENV: &str = "KORRAL_PASSPHRASE";

/// Fuzzing entry points: parse untrusted bytes as the readers do. Not a stable API.
#[doc(hidden)]
pub mod fuzz {
    /// Parses `data` as a manifest.
    pub fn manifest(data: &[u8]) {
        let _ = crate::Manifest::parse(data);
    }

    /// Reads `data` as an archive of any supported format, hashing every entry.
    pub fn archive(data: &[u8]) {
        let _ = crate::verify::verify_bytes(data);
    }
}
