//! The keyring: armoured public and secret keys in a directory, and which are trusted.
//!
//! ```text
//! DIR/public/<FINGERPRINT>.asc   every known key, public part
//! DIR/secret/<FINGERPRINT>.asc   secret keys (passphrase-protected unless generated without)
//! DIR/trusted                    fingerprints trusted to sign bundles, one a line
//! ```

use std::fs;
use std::io::{BufReader, Cursor};
use std::path::{Path, PathBuf};

use pgp::composed::{
    ArmorOptions, Deserializable, DetachedSignature, EncryptionCaps, KeyType, Message,
    MessageBuilder, PublicOrSecret, SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey,
    SubkeyParamsBuilder,
};
use pgp::crypto::ecc_curve::ECCCurve;
use pgp::crypto::hash::HashAlgorithm as PgpHash;
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::Signature;
use pgp::ser::Serialize as _;
use pgp::types::{KeyDetails, Password, Timestamp, VerifyingKey};
use serde::Serialize;

use crate::error::{Error, Result};

/// A key algorithm `keys generate` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// EdDSA over Curve25519 (what gpg calls `ed25519`): small and fast; the default.
    Ed25519,
    /// RSA with this many bits (2048, 3072 or 4096).
    Rsa(u32),
}

/// What `keys generate` makes.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// `Name <email>`.
    pub user_id: String,
    pub algorithm: KeyAlgorithm,
    /// `None` leaves the secret key unprotected.
    pub passphrase: Option<String>,
}

/// A key in the keyring, as `keys list` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    /// Uppercase hex, no spaces.
    pub fingerprint: String,
    /// The last 16 hex digits.
    pub key_id: String,
    /// As gpg names it: `ed25519`, `rsa4096`.
    pub algorithm: String,
    pub user_ids: Vec<String>,
    /// RFC 3339.
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub expired: bool,
    pub revoked: bool,
    pub secret: bool,
    /// Whether the secret key needs a passphrase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected: Option<bool>,
    pub trusted: bool,
}

/// The outcome of checking a manifest's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum SignatureCheck {
    /// The bundle has no signature.
    Unsigned,
    /// Good signature by a trusted key.
    #[serde(rename_all = "camelCase")]
    Valid {
        fingerprint: String,
        user_id: String,
    },
    /// Good signature by a key in the keyring that is not trusted (`keys trust`).
    #[serde(rename_all = "camelCase")]
    Untrusted {
        fingerprint: String,
        user_id: String,
    },
    /// Made by a key the keyring does not hold.
    #[serde(rename_all = "camelCase")]
    UnknownKey { issuer: String },
    /// The signature does not match the manifest: tampered or wrong file.
    #[serde(rename_all = "camelCase")]
    Bad {
        fingerprint: String,
        user_id: String,
    },
    /// Good signature, but the key (or the signature) has expired or was revoked.
    #[serde(rename_all = "camelCase")]
    Expired {
        fingerprint: String,
        user_id: String,
        reason: String,
    },
    /// `korral-bundle.yaml.asc` is not an OpenPGP signature.
    Malformed { error: String },
}

impl SignatureCheck {
    /// Whether the signature is good and by a trusted key.
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid { .. })
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            Self::Unsigned => "unsigned".into(),
            Self::Valid {
                fingerprint,
                user_id,
            } => format!(
                "good signature by {user_id} ({})",
                format_fingerprint(fingerprint)
            ),
            Self::Untrusted {
                fingerprint,
                user_id,
            } => format!(
                "good signature by {user_id} ({}), but the key is not trusted; check its fingerprint with the signer, then run `korral keys trust {fingerprint}`",
                format_fingerprint(fingerprint)
            ),
            Self::UnknownKey { issuer } => format!(
                "signed by key {issuer}, which is not in the keyring; import the signer's public key with `korral keys import`"
            ),
            Self::Bad {
                fingerprint,
                user_id,
            } => format!(
                "BAD signature by {user_id} ({}): the manifest was changed after signing",
                format_fingerprint(fingerprint)
            ),
            Self::Expired {
                fingerprint,
                user_id,
                reason,
            } => format!(
                "signature by {user_id} ({}) no longer counts: {reason}",
                format_fingerprint(fingerprint)
            ),
            Self::Malformed { error } => {
                format!("`korral-bundle.yaml.asc` is not an OpenPGP signature: {error}")
            }
        }
    }
}

/// A fingerprint as gpg shows it: groups of four, two spaces in the middle.
pub fn format_fingerprint(hex: &str) -> String {
    let groups: Vec<&str> = hex
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    let half = groups.len() / 2;
    if groups.len() == 10 {
        format!("{}  {}", groups[..half].join(" "), groups[half..].join(" "))
    } else {
        groups.join(" ")
    }
}

/// A directory of keys.
#[derive(Debug, Clone)]
pub struct Keyring {
    dir: PathBuf,
}

impl Keyring {
    /// The keyring at `dir` (created on first write).
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$XDG_CONFIG_HOME/korral/keyring` (Linux), the platform's config directory
    /// elsewhere.
    pub fn default_dir() -> Option<PathBuf> {
        dirs::config_dir().map(|dir| dir.join("korral").join("keyring"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn public_dir(&self) -> PathBuf {
        self.dir.join("public")
    }

    fn secret_dir(&self) -> PathBuf {
        self.dir.join("secret")
    }

    fn trusted_file(&self) -> PathBuf {
        self.dir.join("trusted")
    }

    /// Every key, sorted by user id.
    pub fn list(&self) -> Result<Vec<KeyInfo>> {
        let trusted = self.trusted()?;
        let mut keys = Vec::new();
        for (fingerprint, key) in self.public_keys()? {
            let secret = self.secret_key(&fingerprint).ok();
            keys.push(info(&key, secret.as_ref(), trusted.contains(&fingerprint)));
        }
        keys.sort_by(|a, b| {
            a.user_ids
                .cmp(&b.user_ids)
                .then(a.fingerprint.cmp(&b.fingerprint))
        });
        Ok(keys)
    }

    /// The one key `query` names: a fingerprint (spaces allowed), a key id (its last 16
    /// or 8 hex digits), or part of a user id.
    pub fn find(&self, query: &str) -> Result<KeyInfo> {
        let keys = self.list()?;
        let compact: String = query
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .trim_start_matches("0x")
            .to_ascii_uppercase();
        let hex = compact.len() >= 8 && compact.chars().all(|c| c.is_ascii_hexdigit());
        let needle = query.to_lowercase();
        let matches: Vec<&KeyInfo> = keys
            .iter()
            .filter(|key| {
                if hex {
                    key.fingerprint.ends_with(&compact)
                } else {
                    key.user_ids
                        .iter()
                        .any(|uid| uid.to_lowercase().contains(&needle))
                }
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::Key(format!(
                "no key matches `{query}` in `{}`; `korral keys list` shows them",
                self.dir.display()
            ))),
            many => Err(Error::Key(format!(
                "`{query}` matches {} keys ({}); give the fingerprint",
                many.len(),
                many.iter()
                    .map(|k| k.key_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Makes a key that can certify and sign, with a subkey that can encrypt (for
    /// encrypted backups), stores it, and trusts it (it is yours).
    pub fn generate(&self, options: &GenerateOptions) -> Result<KeyInfo> {
        let (key_type, encryption_type) = match options.algorithm {
            // Curve25519 ECDH beside an Ed25519 primary, as gpg's default key is.
            KeyAlgorithm::Ed25519 => (
                KeyType::Ed25519Legacy,
                KeyType::ECDH(ECCCurve::Curve25519Legacy),
            ),
            KeyAlgorithm::Rsa(bits) => {
                if !matches!(bits, 2048 | 3072 | 4096) {
                    return Err(Error::Key(format!(
                        "RSA keys have 2048, 3072 or 4096 bits, not {bits}"
                    )));
                }
                (KeyType::Rsa(bits), KeyType::Rsa(bits))
            }
        };
        let subkey = SubkeyParamsBuilder::default()
            .key_type(encryption_type)
            .can_encrypt(EncryptionCaps::All)
            .passphrase(options.passphrase.clone())
            .build()
            .map_err(|err| Error::Key(format!("cannot generate the key: {err}")))?;
        let mut params = SecretKeyParamsBuilder::default();
        params
            .key_type(key_type)
            .can_certify(true)
            .can_sign(true)
            .primary_user_id(options.user_id.clone())
            .preferred_hash_algorithms([PgpHash::Sha256, PgpHash::Sha512].into_iter().collect())
            .subkey(subkey)
            .passphrase(options.passphrase.clone());
        let params = params
            .build()
            .map_err(|err| Error::Key(format!("cannot generate the key: {err}")))?;
        let key = params
            .generate(rand::thread_rng())
            .map_err(|err| Error::Key(format!("cannot generate the key: {err}")))?;
        let fingerprint = fingerprint_of(&key.primary_key);
        self.store_secret(&key)?;
        self.store_public(&key.to_public_key())?;
        self.set_trust(&fingerprint, true)?;
        self.find(&fingerprint)
    }

    /// Imports every key in `data` (armoured or binary; public or secret). Returns what
    /// was imported. Imported keys are not trusted until `keys trust`.
    pub fn import(&self, data: &[u8]) -> Result<Vec<KeyInfo>> {
        let parsed = parse_keys(data)?;
        if parsed.is_empty() {
            return Err(Error::Key("no OpenPGP key found in the input".into()));
        }
        let mut fingerprints = Vec::new();
        for key in parsed {
            match key {
                PublicOrSecret::Public(public) => {
                    public.verify_bindings().map_err(|err| {
                        Error::Key(format!("the key's self-signatures do not verify: {err}"))
                    })?;
                    fingerprints.push(fingerprint_of(&public.primary_key));
                    self.store_public(&public)?;
                }
                PublicOrSecret::Secret(secret) => {
                    secret.verify_bindings().map_err(|err| {
                        Error::Key(format!("the key's self-signatures do not verify: {err}"))
                    })?;
                    fingerprints.push(fingerprint_of(&secret.primary_key));
                    self.store_secret(&secret)?;
                    self.store_public(&secret.to_public_key())?;
                }
            }
        }
        fingerprints.iter().map(|f| self.find(f)).collect()
    }

    /// The public key, armoured.
    pub fn export_public(&self, fingerprint: &str) -> Result<String> {
        let key = self.public_key(fingerprint)?;
        key.to_armored_string(ArmorOptions::default())
            .map_err(|err| Error::Key(err.to_string()))
    }

    /// The secret key, armoured, as stored (still passphrase-protected if it was).
    pub fn export_secret(&self, fingerprint: &str) -> Result<String> {
        let key = self.secret_key(fingerprint)?;
        key.to_armored_string(ArmorOptions::default())
            .map_err(|err| Error::Key(err.to_string()))
    }

    /// Removes a key. Its secret part goes only with `secret`; a public key whose secret
    /// is kept is refused so that a secret key is never lost by accident.
    pub fn remove(&self, fingerprint: &str, secret: bool) -> Result<()> {
        let secret_path = self.secret_dir().join(format!("{fingerprint}.asc"));
        if secret_path.exists() {
            if !secret {
                return Err(Error::Key(format!(
                    "`{fingerprint}` has a secret key; add --secret to remove it too"
                )));
            }
            fs::remove_file(&secret_path).map_err(|err| Error::io(&secret_path, err))?;
        }
        let public_path = self.public_dir().join(format!("{fingerprint}.asc"));
        fs::remove_file(&public_path).map_err(|err| Error::io(&public_path, err))?;
        self.set_trust(fingerprint, false)
    }

    /// Marks a key trusted (or not) to sign bundles.
    pub fn set_trust(&self, fingerprint: &str, trusted: bool) -> Result<()> {
        let mut all = self.trusted()?;
        all.retain(|f| f != fingerprint);
        if trusted {
            all.push(fingerprint.to_owned());
        }
        all.sort();
        let mut text = String::from("# Fingerprints of keys trusted to sign bundles.\n");
        for f in &all {
            text.push_str(f);
            text.push('\n');
        }
        write_private(&self.trusted_file(), text.as_bytes())
    }

    fn trusted(&self) -> Result<Vec<String>> {
        match fs::read_to_string(self.trusted_file()) {
            Ok(text) => Ok(text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_ascii_uppercase)
                .collect()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(err) => Err(Error::keyring(self.trusted_file(), err)),
        }
    }

    fn public_keys(&self) -> Result<Vec<(String, SignedPublicKey)>> {
        let dir = self.public_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(Error::keyring(&dir, err)),
        };
        let mut keys = Vec::new();
        for entry in entries {
            let path = entry.map_err(|err| Error::keyring(&dir, err))?.path();
            if path.extension().is_none_or(|e| e != "asc") {
                continue;
            }
            let data = fs::read(&path).map_err(|err| Error::keyring(&path, err))?;
            let (key, _) =
                SignedPublicKey::from_armor_single(Cursor::new(data)).map_err(|err| {
                    Error::Key(format!("`{}` is not a public key: {err}", path.display()))
                })?;
            keys.push((fingerprint_of(&key.primary_key), key));
        }
        Ok(keys)
    }

    fn public_key(&self, fingerprint: &str) -> Result<SignedPublicKey> {
        let path = self.public_dir().join(format!("{fingerprint}.asc"));
        let data = fs::read(&path).map_err(|err| Error::io(&path, err))?;
        SignedPublicKey::from_armor_single(Cursor::new(data))
            .map(|(key, _)| key)
            .map_err(|err| Error::Key(format!("`{}`: {err}", path.display())))
    }

    /// The secret key of `fingerprint`.
    pub fn secret_key(&self, fingerprint: &str) -> Result<SignedSecretKey> {
        let path = self.secret_dir().join(format!("{fingerprint}.asc"));
        let data = match fs::read(&path) {
            Ok(data) => data,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Key(format!(
                    "there is no secret key for `{fingerprint}`; generate one or import it with `korral keys import`"
                )));
            }
            Err(err) => return Err(Error::io(&path, err)),
        };
        SignedSecretKey::from_armor_single(Cursor::new(data))
            .map(|(key, _)| key)
            .map_err(|err| Error::Key(format!("`{}`: {err}", path.display())))
    }

    fn store_public(&self, key: &SignedPublicKey) -> Result<()> {
        let text = key
            .to_armored_string(ArmorOptions::default())
            .map_err(|err| Error::Key(err.to_string()))?;
        let path = self
            .public_dir()
            .join(format!("{}.asc", fingerprint_of(&key.primary_key)));
        write_private(&path, text.as_bytes())
    }

    fn store_secret(&self, key: &SignedSecretKey) -> Result<()> {
        let text = key
            .to_armored_string(ArmorOptions::default())
            .map_err(|err| Error::Key(err.to_string()))?;
        let path = self
            .secret_dir()
            .join(format!("{}.asc", fingerprint_of(&key.primary_key)));
        write_private(&path, text.as_bytes())
    }

    /// Checks a detached signature over `data` against the keyring.
    pub fn check_signature(&self, data: &[u8], armoured: &[u8]) -> Result<SignatureCheck> {
        let signature = match DetachedSignature::from_reader_single(Cursor::new(armoured)) {
            Ok((signature, _)) => signature.signature,
            Err(err) => {
                return Ok(SignatureCheck::Malformed {
                    error: err.to_string(),
                });
            }
        };
        let issuers: Vec<String> = signature
            .issuer_fingerprint()
            .iter()
            .map(|f| format!("{f:X}"))
            .collect();
        let key_ids: Vec<String> = signature
            .issuer_key_id()
            .iter()
            .map(|k| crate::digest::hex(k.as_ref()).to_ascii_uppercase())
            .collect();
        let trusted = self.trusted()?;
        for (fingerprint, key) in self.public_keys()? {
            let Some(component) = signing_component(&key, &issuers, &key_ids) else {
                continue;
            };
            let user_id = primary_user_id(&key);
            let verified = match component {
                Component::Primary => signature.verify(&key.primary_key, data),
                Component::Subkey(index) => signature.verify(&key.public_subkeys[index].key, data),
            };
            if verified.is_err() {
                return Ok(SignatureCheck::Bad {
                    fingerprint,
                    user_id,
                });
            }
            if let Some(reason) = lapsed(&key, component, &signature) {
                return Ok(SignatureCheck::Expired {
                    fingerprint,
                    user_id,
                    reason,
                });
            }
            return Ok(if trusted.contains(&fingerprint) {
                SignatureCheck::Valid {
                    fingerprint,
                    user_id,
                }
            } else {
                SignatureCheck::Untrusted {
                    fingerprint,
                    user_id,
                }
            });
        }
        let issuer = issuers
            .first()
            .or(key_ids.first())
            .cloned()
            .unwrap_or_else(|| "(no issuer in the signature)".into());
        Ok(SignatureCheck::UnknownKey { issuer })
    }
}

impl Keyring {
    /// Encrypts `data` to every key `recipients` names (a fingerprint, key id or part
    /// of a user id, as [`Keyring::find`] takes them): an ASCII-armoured OpenPGP message
    /// (SEIPD v1, AES-256) that any one of their secret keys decrypts, gpg's included.
    /// Each key is used through its encryption subkey (or its primary key, when that
    /// may encrypt); a key that has neither, or that expired or was revoked, is an error.
    pub fn encrypt(&self, data: &[u8], recipients: &[String]) -> Result<String> {
        self.recipients(recipients)?.encrypt(data)
    }

    /// The public keys `recipients` name, each checked that it can encrypt: resolve
    /// them once, then [`Recipients::encrypt`] each of many messages.
    pub fn recipients(&self, recipients: &[String]) -> Result<Recipients> {
        if recipients.is_empty() {
            return Err(Error::Key("no recipient to encrypt to".into()));
        }
        let mut keys = Vec::with_capacity(recipients.len());
        for query in recipients {
            let info = self.find(query)?;
            if info.revoked || info.expired {
                return Err(Error::Key(format!(
                    "`{query}` ({}) has {}; encrypt to a current key",
                    info.key_id,
                    if info.revoked {
                        "been revoked"
                    } else {
                        "expired"
                    }
                )));
            }
            let key = self.public_key(&info.fingerprint)?;
            if encryption_target(&key).is_none() {
                return Err(Error::Key(format!(
                    "`{query}` ({}) has no key that may encrypt; generate a new key with `korral keys generate`, or import one with an encryption subkey",
                    info.key_id
                )));
            }
            keys.push(key);
        }
        Ok(Recipients { keys })
    }

    /// Decrypts an ASCII-armoured (or binary) OpenPGP message with whichever secret key
    /// in the keyring it was encrypted to; `passphrase` unlocks a protected key (empty
    /// for one without).
    pub fn decrypt(&self, armoured: &[u8], passphrase: &str) -> Result<Vec<u8>> {
        let message = if armoured.trim_ascii_start().starts_with(b"-----") {
            Message::from_armor(BufReader::new(Cursor::new(armoured.to_vec()))).map(|(m, _)| m)
        } else {
            Message::from_bytes(BufReader::new(Cursor::new(armoured.to_vec())))
        }
        .map_err(|err| Error::Key(format!("not an OpenPGP message: {err}")))?;
        let secrets = self.secret_keys()?;
        if secrets.is_empty() {
            return Err(Error::Key(format!(
                "there is no secret key in `{}` to decrypt with; import the key the data was encrypted to with `korral keys import`",
                self.dir.display()
            )));
        }
        let password = Password::from(passphrase);
        let unprotected = Password::empty();
        let message = message
            .decrypt_with_keys(vec![&password, &unprotected], secrets.iter().collect())
            .map_err(|err| {
                Error::Key(format!(
                    "cannot decrypt: {err}; the data was encrypted to a key whose secret part is not in the keyring, or the passphrase is wrong"
                ))
            })?;
        let mut message = if message.is_compressed() {
            message
                .decompress()
                .map_err(|err| Error::Key(format!("cannot decompress: {err}")))?
        } else {
            message
        };
        message
            .as_data_vec()
            .map_err(|err| Error::Key(format!("cannot decrypt: {err}")))
    }

    fn secret_keys(&self) -> Result<Vec<SignedSecretKey>> {
        let dir = self.secret_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(Error::keyring(&dir, err)),
        };
        let mut keys = Vec::new();
        for entry in entries {
            let path = entry.map_err(|err| Error::keyring(&dir, err))?.path();
            if path.extension().is_none_or(|e| e != "asc") {
                continue;
            }
            let data = fs::read(&path).map_err(|err| Error::keyring(&path, err))?;
            if let Ok((key, _)) = SignedSecretKey::from_armor_single(Cursor::new(data)) {
                keys.push(key);
            }
        }
        Ok(keys)
    }
}

/// The keys to encrypt to, from [`Keyring::recipients`].
#[derive(Debug, Clone)]
pub struct Recipients {
    keys: Vec<SignedPublicKey>,
}

impl Recipients {
    /// The primary keys' fingerprints (uppercase hex), in the order given.
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|key| fingerprint_of(&key.primary_key))
            .collect()
    }

    /// `data` as an ASCII-armoured OpenPGP message to every recipient (see
    /// [`Keyring::encrypt`]).
    pub fn encrypt(&self, data: &[u8]) -> Result<String> {
        encrypt_to(data, &self.keys)
    }
}

fn encrypt_to(data: &[u8], keys: &[SignedPublicKey]) -> Result<String> {
    let mut rng = rand::thread_rng();
    let mut builder = MessageBuilder::from_bytes("", data.to_vec())
        .seipd_v1(&mut rng, SymmetricKeyAlgorithm::AES256);
    for key in keys {
        let fingerprint = fingerprint_of(&key.primary_key);
        let result = match encryption_target(key) {
            Some(Component::Subkey(index)) => {
                builder.encrypt_to_key(&mut rng, &key.public_subkeys[index].key)
            }
            Some(Component::Primary) => builder.encrypt_to_key(&mut rng, &key.primary_key),
            None => {
                return Err(Error::Key(format!(
                    "`{fingerprint}` has no key that may encrypt"
                )));
            }
        };
        result.map_err(|err| Error::Key(format!("cannot encrypt to `{fingerprint}`: {err}")))?;
    }
    builder
        .to_armored_string(&mut rng, ArmorOptions::default())
        .map_err(|err| Error::Key(format!("cannot encrypt: {err}")))
}

/// The part of `key` to encrypt to: the newest subkey whose flags allow encryption,
/// else the primary key when its flags do (an RSA key made by some tools).
fn encryption_target(key: &SignedPublicKey) -> Option<Component> {
    fn encrypts<'a>(mut sigs: impl Iterator<Item = &'a Signature>) -> bool {
        sigs.any(|s| s.key_flags().encrypt_comms() || s.key_flags().encrypt_storage())
    }
    let now = Timestamp::now().as_secs();
    let subkey = key
        .public_subkeys
        .iter()
        .enumerate()
        .filter(|(_, sub)| encrypts(sub.signatures.iter()))
        .filter(|(_, sub)| {
            // A subkey whose binding says it has expired is passed over.
            !sub.signatures.iter().any(|s| {
                s.key_expiration_time().is_some_and(|valid| {
                    valid.as_secs() > 0
                        && sub
                            .key
                            .created_at()
                            .as_secs()
                            .saturating_add(valid.as_secs())
                            < now
                })
            })
        })
        .max_by_key(|(_, sub)| sub.key.created_at().as_secs())
        .map(|(index, _)| Component::Subkey(index));
    subkey.or_else(|| {
        encrypts(key.details.users.iter().flat_map(|u| u.signatures.iter()))
            .then_some(Component::Primary)
    })
}

/// Signs with a secret key.
pub(crate) fn sign_detached(
    key: &SignedSecretKey,
    passphrase: &Password,
    data: &[u8],
) -> Result<String> {
    let fingerprint = fingerprint_of(&key.primary_key);
    let primary_signs = key
        .details
        .users
        .iter()
        .flat_map(|u| &u.signatures)
        .any(|s| s.key_flags().sign());
    let signing_subkey = key
        .secret_subkeys
        .iter()
        .find(|sub| sub.signatures.iter().any(|s| s.key_flags().sign()));
    let result = match (primary_signs, signing_subkey) {
        (true, _) | (false, None) => DetachedSignature::sign_binary_data(
            rand::thread_rng(),
            &key.primary_key,
            passphrase,
            PgpHash::Sha256,
            data,
        ),
        (false, Some(sub)) => DetachedSignature::sign_binary_data(
            rand::thread_rng(),
            &sub.key,
            passphrase,
            PgpHash::Sha256,
            data,
        ),
    };
    let signature = result.map_err(|err| {
        Error::Key(format!(
            "cannot sign with `{fingerprint}` (wrong passphrase?): {err}"
        ))
    })?;
    signature
        .to_armored_string(ArmorOptions::default())
        .map_err(|err| Error::Key(err.to_string()))
}

/// Whether the secret key needs a passphrase.
pub(crate) fn is_protected(key: &SignedSecretKey) -> bool {
    key.primary_key.secret_params().is_encrypted()
        || key
            .secret_subkeys
            .iter()
            .any(|s| s.key.secret_params().is_encrypted())
}

#[derive(Clone, Copy)]
enum Component {
    Primary,
    Subkey(usize),
}

fn signing_component(
    key: &SignedPublicKey,
    issuers: &[String],
    key_ids: &[String],
) -> Option<Component> {
    let matches = |details: &dyn KeyDetails| {
        let fingerprint = format!("{:X}", details.fingerprint());
        let key_id = crate::digest::hex(details.legacy_key_id().as_ref()).to_ascii_uppercase();
        issuers.contains(&fingerprint) || (issuers.is_empty() && key_ids.contains(&key_id))
    };
    if matches(&key.primary_key) {
        return Some(Component::Primary);
    }
    key.public_subkeys
        .iter()
        .position(|sub| matches(&sub.key))
        .map(Component::Subkey)
}

/// Why a good signature no longer counts: an expired or revoked key, an expired
/// signature.
fn lapsed(key: &SignedPublicKey, component: Component, signature: &Signature) -> Option<String> {
    let now = Timestamp::now().as_secs();
    if !key.details.revocation_signatures.is_empty() {
        return Some("the key was revoked".into());
    }
    if let (Some(created), Some(valid_for)) =
        (signature.created(), signature.signature_expiration_time())
        && valid_for.as_secs() > 0
        && created.as_secs().saturating_add(valid_for.as_secs()) < now
    {
        return Some("the signature has expired".into());
    }
    let check = |created: Timestamp, sigs: &mut dyn Iterator<Item = &Signature>| {
        let newest = sigs.max_by_key(|s| s.created().map(Timestamp::as_secs))?;
        let valid_for = newest.key_expiration_time()?.as_secs();
        let until = created.as_secs().saturating_add(valid_for);
        (valid_for > 0 && until < now).then(|| format!("the key expired on {}", rfc3339(until)))
    };
    let primary = check(
        key.primary_key.created_at(),
        &mut key.details.users.iter().flat_map(|u| u.signatures.iter()),
    );
    if primary.is_some() {
        return primary;
    }
    if let Component::Subkey(index) = component {
        let sub = &key.public_subkeys[index];
        return check(sub.key.created_at(), &mut sub.signatures.iter());
    }
    None
}

fn primary_user_id(key: &SignedPublicKey) -> String {
    key.details
        .users
        .iter()
        .find(|u| u.signatures.iter().any(Signature::is_primary))
        .or(key.details.users.first())
        .map_or_else(
            || "(no user id)".into(),
            |u| String::from_utf8_lossy(u.id.id()).into_owned(),
        )
}

fn info(key: &SignedPublicKey, secret: Option<&SignedSecretKey>, trusted: bool) -> KeyInfo {
    let fingerprint = fingerprint_of(&key.primary_key);
    let created = key.primary_key.created_at();
    let expiry = key
        .details
        .users
        .iter()
        .flat_map(|u| u.signatures.iter())
        .max_by_key(|s| s.created().map(Timestamp::as_secs))
        .and_then(Signature::key_expiration_time)
        .filter(|d| d.as_secs() > 0)
        .map(|d| created.as_secs().saturating_add(d.as_secs()));
    KeyInfo {
        key_id: fingerprint[fingerprint.len().saturating_sub(16)..].to_owned(),
        fingerprint,
        algorithm: algorithm_name(&key.primary_key),
        user_ids: key
            .details
            .users
            .iter()
            .map(|u| String::from_utf8_lossy(u.id.id()).into_owned())
            .collect(),
        created: rfc3339(created.as_secs()),
        expires: expiry.map(rfc3339),
        expired: expiry.is_some_and(|until| until < Timestamp::now().as_secs()),
        revoked: !key.details.revocation_signatures.is_empty(),
        secret: secret.is_some(),
        protected: secret.map(is_protected),
        trusted,
    }
}

fn algorithm_name(key: &impl VerifyingKey) -> String {
    match key.algorithm() {
        PublicKeyAlgorithm::RSA | PublicKeyAlgorithm::RSASign | PublicKeyAlgorithm::RSAEncrypt => {
            // RSA public parameters begin with n as an MPI: two bytes of bit count.
            let mut bytes = Vec::new();
            let bits = key
                .public_params()
                .to_writer(&mut bytes)
                .ok()
                .and_then(|()| bytes.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]])));
            bits.map_or_else(|| "rsa".into(), |bits| format!("rsa{bits}"))
        }
        PublicKeyAlgorithm::EdDSALegacy | PublicKeyAlgorithm::Ed25519 => "ed25519".into(),
        PublicKeyAlgorithm::Ed448 => "ed448".into(),
        PublicKeyAlgorithm::ECDSA => "ecdsa".into(),
        PublicKeyAlgorithm::DSA => "dsa".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

pub(crate) fn fingerprint_of(key: &impl KeyDetails) -> String {
    format!("{:X}", key.fingerprint())
}

fn rfc3339(secs: u32) -> String {
    jiff::Timestamp::from_second(i64::from(secs))
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn parse_keys(data: &[u8]) -> Result<Vec<PublicOrSecret>> {
    let (keys, _) = PublicOrSecret::from_reader_many(BufReader::new(Cursor::new(data.to_vec())))
        .map_err(|err| Error::Key(format!("not an OpenPGP key: {err}")))?;
    keys.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|err| Error::Key(format!("not an OpenPGP key: {err}")))
}

/// Writes a file readable only by its owner, whole or not at all.
fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|err| Error::io(dir, err))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    }
    let mut file = tempfile::Builder::new()
        .prefix(".korral-")
        .tempfile_in(dir)
        .map_err(|err| Error::io(dir, err))?;
    std::io::Write::write_all(&mut file, data).map_err(|err| Error::io(path, err))?;
    file.persist(path)
        .map_err(|err| Error::io(path, err.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring(user_id: &str, passphrase: Option<&str>) -> (tempfile::TempDir, Keyring, KeyInfo) {
        let dir = tempfile::tempdir().unwrap();
        let keyring = Keyring::open(dir.path().join("keyring"));
        let key = keyring
            .generate(&GenerateOptions {
                user_id: user_id.to_owned(),
                algorithm: KeyAlgorithm::Ed25519,
                passphrase: passphrase.map(str::to_owned),
            })
            .unwrap();
        (dir, keyring, key)
    }

    #[test]
    fn data_encrypted_to_a_generated_key_decrypts_with_its_passphrase_only() {
        let (_dir, keyring, key) = keyring("Ops <ops@example.com>", Some("s3cret"));
        let armoured = keyring
            .encrypt(b"password: hunter2", std::slice::from_ref(&key.fingerprint))
            .unwrap();
        assert!(
            armoured.starts_with("-----BEGIN PGP MESSAGE-----"),
            "{armoured}"
        );
        assert!(!armoured.contains("hunter2"));
        let plain = keyring.decrypt(armoured.as_bytes(), "s3cret").unwrap();
        assert_eq!(plain, b"password: hunter2");
        assert!(keyring.decrypt(armoured.as_bytes(), "wrong").is_err());
    }

    #[test]
    fn a_message_to_two_keys_decrypts_with_either() {
        let (_a, first, first_key) = keyring("A <a@example.com>", None);
        let (_b, second, second_key) = keyring("B <b@example.com>", None);
        // The first keyring learns the second's public key.
        first
            .import(
                second
                    .export_public(&second_key.fingerprint)
                    .unwrap()
                    .as_bytes(),
            )
            .unwrap();
        let recipients = first
            .recipients(&["a@example.com".into(), "b@example.com".into()])
            .unwrap();
        assert_eq!(
            recipients.fingerprints(),
            [
                first_key.fingerprint.clone(),
                second_key.fingerprint.clone()
            ]
        );
        let armoured = recipients.encrypt(b"data").unwrap();
        assert_eq!(first.decrypt(armoured.as_bytes(), "").unwrap(), b"data");
        assert_eq!(second.decrypt(armoured.as_bytes(), "").unwrap(), b"data");
        let (_c, third, _) = keyring("C <c@example.com>", None);
        assert!(third.decrypt(armoured.as_bytes(), "").is_err());
    }

    #[test]
    fn no_recipient_or_an_unknown_one_is_an_error() {
        let (_dir, keyring, _) = keyring("Ops <ops@example.com>", None);
        assert!(keyring.encrypt(b"x", &[]).is_err());
        assert!(
            keyring
                .encrypt(b"x", &["nobody@example.com".into()])
                .is_err()
        );
        assert!(keyring.decrypt(b"not a message", "").is_err());
    }
}
