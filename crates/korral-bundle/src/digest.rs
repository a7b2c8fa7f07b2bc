use std::fmt::Write as _;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// A digest algorithm of the manifest. SHA-256 is always computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlgorithm {
    Sha256,
    Sha512,
    Blake3,
}

impl HashAlgorithm {
    pub const ALL: [Self; 3] = [Self::Sha256, Self::Sha512, Self::Blake3];

    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
            Self::Blake3 => "blake3",
        }
    }
}

impl FromStr for HashAlgorithm {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "sha256" | "sha-256" => Ok(Self::Sha256),
            "sha512" | "sha-512" => Ok(Self::Sha512),
            "blake3" => Ok(Self::Blake3),
            _ => Err(format!(
                "`{text}` is not a digest korral computes; use sha256, sha512 or blake3"
            )),
        }
    }
}

impl std::fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The digests of one entry, lowercase hex.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digests {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha512: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blake3: Option<String>,
}

impl Digests {
    pub fn get(&self, algorithm: HashAlgorithm) -> Option<&str> {
        match algorithm {
            HashAlgorithm::Sha256 => self.sha256.as_deref(),
            HashAlgorithm::Sha512 => self.sha512.as_deref(),
            HashAlgorithm::Blake3 => self.blake3.as_deref(),
        }
    }
}

/// Computes the chosen digests over a stream of bytes.
pub(crate) struct Hasher {
    sha256: Option<sha2::Sha256>,
    sha512: Option<sha2::Sha512>,
    blake3: Option<Box<blake3::Hasher>>,
}

impl Hasher {
    pub(crate) fn new(algorithms: &[HashAlgorithm]) -> Self {
        let has = |a| algorithms.contains(&a);
        Self {
            sha256: has(HashAlgorithm::Sha256).then(sha2::Sha256::new),
            sha512: has(HashAlgorithm::Sha512).then(sha2::Sha512::new),
            blake3: has(HashAlgorithm::Blake3).then(|| Box::new(blake3::Hasher::new())),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        if let Some(h) = &mut self.sha256 {
            h.update(data);
        }
        if let Some(h) = &mut self.sha512 {
            h.update(data);
        }
        if let Some(h) = &mut self.blake3 {
            h.update(data);
        }
    }

    pub(crate) fn finish(self) -> Digests {
        Digests {
            sha256: self.sha256.map(|h| hex(&h.finalize())),
            sha512: self.sha512.map(|h| hex(&h.finalize())),
            blake3: self.blake3.map(|h| hex(h.finalize().as_bytes())),
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// SHA-256 of `data`, hex.
#[cfg(test)]
pub(crate) fn sha256(data: &[u8]) -> String {
    hex(&sha2::Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests_of_abc() {
        let mut hasher = Hasher::new(&HashAlgorithm::ALL);
        hasher.update(b"a");
        hasher.update(b"bc");
        let digests = hasher.finish();
        assert_eq!(
            digests.sha256.as_deref(),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert!(digests.sha512.unwrap().starts_with("ddaf35a193617aba"));
        assert_eq!(
            digests.blake3.as_deref(),
            Some("6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85")
        );
    }

    #[test]
    fn only_requested_digests_are_computed() {
        let digests = Hasher::new(&[HashAlgorithm::Sha256]).finish();
        assert!(digests.sha256.is_some() && digests.sha512.is_none() && digests.blake3.is_none());
    }
}
