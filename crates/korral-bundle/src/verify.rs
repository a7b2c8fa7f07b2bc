//! `verify` and `inspect`: one streaming pass, nothing written.

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::Path;

use serde::Serialize;

use crate::archive::{self, Allowance, Format, Header, Kind, Limits};
use crate::digest::{Digests, HashAlgorithm, Hasher};
use crate::error::{Error, Result};
use crate::extract::{Extractor, Output};
use crate::keyring::{Keyring, SignatureCheck};
use crate::manifest::{self, EntryType, MANIFEST, MAX_MANIFEST, Manifest, Metadata, SIGNATURE};
use crate::progress::{NoProgress, Progress};

/// A signature file larger than this is not a detached signature.
const MAX_SIGNATURE: u64 = 1 << 20;

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Payload entries in the manifest.
    pub entries: usize,
    /// Payload bytes read and hashed.
    pub bytes: u64,
    /// Problems with the archive or manifest as a whole.
    pub structure: Vec<String>,
    /// Problems with single entries.
    pub problems: Vec<EntryProblem>,
    pub signature: SignatureCheck,
    pub signature_required: bool,
    /// Things worth knowing that do not fail verification.
    pub notes: Vec<String>,
    pub verified: bool,
}

impl Report {
    /// Whether the bundle passed: structure sound, every entry as listed, and the
    /// signature good and trusted (or absent, when not required).
    pub fn ok(&self) -> bool {
        self.verified
    }

    fn conclude(&mut self) {
        let signature_ok = match self.signature {
            SignatureCheck::Valid { .. } => true,
            SignatureCheck::Unsigned => !self.signature_required,
            _ => false,
        };
        self.verified = self.structure.is_empty() && self.problems.is_empty() && signature_ok;
    }
}

/// A problem with one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "camelCase")]
pub enum EntryProblem {
    /// Listed in the manifest, absent from the archive.
    Missing { path: String },
    /// In the archive, not listed in the manifest.
    Unexpected { path: String },
    /// In the archive twice.
    Duplicate { path: String },
    #[serde(rename_all = "camelCase")]
    TypeMismatch {
        path: String,
        expected: String,
        actual: String,
    },
    #[serde(rename_all = "camelCase")]
    SizeMismatch {
        path: String,
        expected: u64,
        actual: u64,
    },
    #[serde(rename_all = "camelCase")]
    DigestMismatch {
        path: String,
        algorithm: HashAlgorithm,
        expected: String,
        actual: String,
    },
    #[serde(rename_all = "camelCase")]
    ModeMismatch {
        path: String,
        expected: String,
        actual: String,
    },
    #[serde(rename_all = "camelCase")]
    TargetMismatch {
        path: String,
        expected: String,
        actual: String,
    },
}

impl std::fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing { path } => write!(f, "{path}: missing (listed in the manifest)"),
            Self::Unexpected { path } => {
                write!(f, "{path}: unexpected (not listed in the manifest)")
            }
            Self::Duplicate { path } => write!(f, "{path}: in the archive more than once"),
            Self::TypeMismatch {
                path,
                expected,
                actual,
            } => write!(f, "{path}: is a {actual}, the manifest says {expected}"),
            Self::SizeMismatch {
                path,
                expected,
                actual,
            } => write!(
                f,
                "{path}: size mismatch: {actual} bytes, expected {expected}"
            ),
            Self::DigestMismatch {
                path,
                algorithm,
                expected,
                actual,
            } => write!(
                f,
                "{path}: {algorithm} mismatch: got {actual}, expected {expected}"
            ),
            Self::ModeMismatch {
                path,
                expected,
                actual,
            } => write!(f, "{path}: mode {actual}, expected {expected}"),
            Self::TargetMismatch {
                path,
                expected,
                actual,
            } => write!(f, "{path}: points to `{actual}`, expected `{expected}`"),
        }
    }
}

/// An entry as read from the archive.
struct Seen {
    kind: &'static str,
    size: u64,
    mode: u32,
    target: Option<String>,
    digests: Digests,
}

/// Streams the bundle at `path` once and checks it against its manifest and signature.
/// `Err` only when the file cannot be opened or is not an archive at all; damage is in
/// the report.
pub fn verify(
    path: &Path,
    keyring: &Keyring,
    limits: &Limits,
    require_signature: bool,
) -> Result<Report> {
    verify_with_progress(path, keyring, limits, require_signature, &NoProgress)
}

/// [`verify`], reporting progress.
pub fn verify_with_progress(
    path: &Path,
    keyring: &Keyring,
    limits: &Limits,
    require_signature: bool,
    progress: &dyn Progress,
) -> Result<Report> {
    let file = std::fs::File::open(path).map_err(|err| Error::io(path, err))?;
    let total = file.metadata().map_err(|err| Error::io(path, err))?.len();
    progress.start("verifying", total);
    let mut scan = Scan::new(Some(keyring), progress);
    let allowance = scan.allowance.clone();
    let result = archive::read_open_file(file, path, limits, &allowance, &mut |header, reader| {
        scan.visit(header, reader)
    });
    progress.finish();
    scan.finish(path.display().to_string(), result, require_signature)
}

/// [`verify_with_progress`] of a stream that cannot seek, such as standard input
/// (`curl … | korral bundle verify -`): one pass, nothing written. `name` stands for
/// the stream in messages. Zip bundles need a file.
pub fn verify_stream(
    source: Box<dyn Read + Send>,
    name: &str,
    keyring: &Keyring,
    limits: &Limits,
    require_signature: bool,
    progress: &dyn Progress,
) -> Result<Report> {
    progress.start("verifying", 0);
    let mut scan = Scan::new(Some(keyring), progress);
    let allowance = scan.allowance.clone();
    let result = archive::read_stream(source, name, limits, &allowance, &mut |header, reader| {
        scan.visit(header, reader)
    });
    progress.finish();
    scan.finish(name.to_owned(), result, require_signature)
}

/// The fuzz target's entry: verify an in-memory archive with an empty keyring.
pub(crate) fn verify_bytes(data: &[u8]) -> Result<Report> {
    let mut scan = Scan::new(None, &NoProgress);
    let limits = Limits {
        max_size: 64 << 20,
        max_ratio: 100,
    };
    let allowance = scan.allowance.clone();
    let result = archive::read_any(
        Cursor::new(data.to_vec()),
        data.len() as u64,
        &limits,
        &allowance,
        &mut |header, reader| scan.visit(header, reader),
    );
    scan.finish("<input>".into(), result, false)
}

/// One streaming pass over an archive: every entry checked (and hashed) as it passes,
/// and, when extracting, written as it passes, so that what is extracted is exactly
/// what was verified.
pub(crate) struct Scan<'a> {
    keyring: Option<&'a Keyring>,
    progress: &'a dyn Progress,
    index: usize,
    manifest_raw: Option<Vec<u8>>,
    manifest: Option<Manifest>,
    signature_raw: Option<Vec<u8>>,
    signature: Option<SignatureCheck>,
    seen: HashMap<String, Seen>,
    order: Vec<String>,
    structure: Vec<String>,
    problems: Vec<EntryProblem>,
    notes: Vec<String>,
    bytes: u64,
    buffer: Vec<u8>,
    /// What the manifest declares, for the decompression cap.
    pub(crate) allowance: Allowance,
    /// Where entries are written as they pass, when extracting.
    pub(crate) sink: Option<Extractor>,
    /// Set when the pass stopped at a signature that is not accepted (extracting:
    /// nothing of the payload is written).
    pub(crate) stopped: bool,
}

impl<'a> Scan<'a> {
    pub(crate) fn new(keyring: Option<&'a Keyring>, progress: &'a dyn Progress) -> Self {
        Self {
            keyring,
            progress,
            index: 0,
            manifest_raw: None,
            manifest: None,
            signature_raw: None,
            signature: None,
            seen: HashMap::new(),
            order: Vec::new(),
            structure: Vec::new(),
            problems: Vec::new(),
            notes: Vec::new(),
            bytes: 0,
            buffer: vec![0; 256 << 10],
            allowance: Allowance::default(),
            sink: None,
            stopped: false,
        }
    }

    #[allow(clippy::too_many_lines)] // one match over entry types reads best whole
    pub(crate) fn visit(&mut self, header: &Header, reader: &mut dyn Read) -> Result<()> {
        let index = self.index;
        self.index += 1;
        // The extractor refuses what it may not write before anything is read.
        let output = match &mut self.sink {
            Some(sink) => sink.begin(header)?,
            None => None,
        };
        let path = normalize(&header.path);
        if header.kind == Kind::Dir {
            if path.is_empty() {
                return Ok(());
            }
            if let Err(reason) = manifest::check_path(path) {
                self.structure
                    .push(format!("entry `{}`: {reason}", header.path));
                return Ok(());
            }
            // Hand-made tars may list a folder more than once; that is no conflict.
            match self.seen.get(path) {
                Some(seen) if seen.kind == "directory" => {}
                Some(_) => self.problems.push(EntryProblem::Duplicate {
                    path: path.to_owned(),
                }),
                None => {
                    self.order.push(path.to_owned());
                    self.seen.insert(
                        path.to_owned(),
                        Seen {
                            kind: "directory",
                            size: 0,
                            mode: header.mode & 0o7777,
                            target: None,
                            digests: Digests::default(),
                        },
                    );
                }
            }
            return Ok(());
        }
        if let Err(reason) = manifest::check_path(path) {
            self.structure
                .push(format!("entry `{}`: {reason}", header.path));
            return Ok(());
        }
        if path == MANIFEST || path == SIGNATURE {
            return self.read_meta(path, index, header, reader, output);
        }
        if self.seen.contains_key(path) {
            self.problems.push(EntryProblem::Duplicate {
                path: path.to_owned(),
            });
            return Ok(());
        }
        let seen = match &header.kind {
            Kind::File => {
                let algorithms: &[HashAlgorithm] = match &self.manifest {
                    Some(manifest) => &manifest.hashes,
                    None => &HashAlgorithm::ALL,
                };
                let mut hasher = Hasher::new(algorithms);
                let progress = self.progress;
                let mut output = output;
                let size = archive::for_each_chunk(reader, &mut self.buffer, |chunk| {
                    hasher.update(chunk);
                    if let Some(output) = &mut output {
                        output.write(chunk)?;
                    }
                    progress.advance(chunk.len() as u64);
                    Ok(())
                })?;
                if let (Some(sink), Some(output)) = (&mut self.sink, output) {
                    sink.end(output)?;
                }
                self.bytes += size;
                Seen {
                    kind: "file",
                    size,
                    mode: header.mode,
                    target: None,
                    digests: hasher.finish(),
                }
            }
            Kind::Symlink(target) => Seen {
                kind: "symlink",
                size: 0,
                mode: header.mode,
                target: Some(target.clone()),
                digests: Digests::default(),
            },
            Kind::Hardlink(target) => Seen {
                kind: "hard link",
                size: 0,
                mode: header.mode,
                target: Some(target.clone()),
                digests: Digests::default(),
            },
            Kind::Special(what) => {
                self.structure.push(format!(
                    "entry `{path}` is {what}; bundles hold files and symlinks"
                ));
                return Ok(());
            }
            Kind::Dir => unreachable!("handled above"),
        };
        self.order.push(path.to_owned());
        self.seen.insert(path.to_owned(), seen);
        Ok(())
    }

    /// Reads the manifest or its signature into memory.
    fn read_meta(
        &mut self,
        path: &str,
        index: usize,
        header: &Header,
        reader: &mut dyn Read,
        output: Option<Output>,
    ) -> Result<()> {
        let limit = if path == MANIFEST {
            MAX_MANIFEST
        } else {
            MAX_SIGNATURE
        };
        if header.kind != Kind::File {
            self.structure
                .push(format!("`{path}` is not a regular file"));
            return Ok(());
        }
        let mut data = Vec::new();
        reader
            .take(limit + 1)
            .read_to_end(&mut data)
            .map_err(archive::archive_error)?;
        if data.len() as u64 > limit {
            self.structure
                .push(format!("`{path}` is larger than {limit} bytes"));
            return Ok(());
        }
        if let (Some(sink), Some(mut output)) = (&mut self.sink, output) {
            output.write(&data)?;
            sink.end(output)?;
        }
        let duplicate = if path == MANIFEST {
            self.manifest_raw.replace(data).is_some()
        } else {
            self.signature_raw.replace(data).is_some()
        };
        if duplicate {
            self.structure
                .push(format!("`{path}` is in the archive more than once"));
        }
        if path == MANIFEST {
            if index > 1 {
                self.notes.push(format!(
                    "`{MANIFEST}` is not at the start of the archive (repacked?); entries before it were hashed with every digest"
                ));
            }
            let raw = self.manifest_raw.as_deref().unwrap_or_default();
            match Manifest::parse(raw) {
                Ok(manifest) => {
                    self.allowance.declare(&manifest, raw.len() as u64);
                    self.manifest = Some(manifest);
                }
                Err(err) => self.structure.push(err.to_string()),
            }
        }
        self.check_signature_early()?;
        if self.sink.is_some()
            && self.keyring.is_some()
            && self.signature.as_ref().is_some_and(|s| !s.is_valid())
        {
            // Extracting: a signature that is not accepted ends the pass before a byte
            // of the payload is written.
            self.stopped = true;
            return Err(Error::Input("stopped at the signature".into()));
        }
        Ok(())
    }

    /// Checks the signature as soon as both the manifest and its signature are read,
    /// before the payload is hashed. A keyring that cannot be read is an error of its
    /// own, never a verdict on the signature.
    fn check_signature_early(&mut self) -> Result<()> {
        if self.signature.is_some() {
            return Ok(());
        }
        if let (Some(keyring), Some(data), Some(signature)) =
            (self.keyring, &self.manifest_raw, &self.signature_raw)
        {
            self.signature = Some(keyring.check_signature(data, signature)?);
        }
        Ok(())
    }

    pub(crate) fn finish(
        mut self,
        file: String,
        result: Result<Format>,
        require_signature: bool,
    ) -> Result<Report> {
        let format = match result {
            Ok(format) => Some(format),
            Err(_) if self.stopped => None,
            Err(err @ (Error::Archive(_) | Error::Limit(_) | Error::Unsafe { .. })) => {
                self.structure.push(err.to_string());
                None
            }
            Err(err) => return Err(err),
        };
        self.check_signature_early()?;
        let signature = match (&self.signature_raw, self.signature.take()) {
            (_, Some(check)) => check,
            (None, None) => SignatureCheck::Unsigned,
            (Some(_), None) => SignatureCheck::Malformed {
                error: "the signature could not be checked without the manifest".into(),
            },
        };
        if self.manifest_raw.is_none() && format.is_some() {
            self.structure.push(format!(
                "no `{MANIFEST}` in the archive: not a korral bundle, or the manifest was removed"
            ));
        }
        if signature == SignatureCheck::Unsigned && !require_signature {
            self.notes.push(
                "the bundle is unsigned: its content matches the manifest, but nothing says who made it (use --require-signature to refuse unsigned bundles)"
                    .into(),
            );
        }
        if self.stopped {
            self.notes.push(
                "the payload was not read: the signature is not accepted, so nothing was extracted"
                    .into(),
            );
        } else if let Some(manifest) = &self.manifest {
            compare(manifest, &self.seen, &self.order, &mut self.problems);
            check_images(manifest, &mut self.structure);
        }
        let mut report = Report {
            file,
            format,
            entries: self.manifest.as_ref().map_or(0, |m| m.entries.len()),
            metadata: self.manifest.map(|m| m.metadata),
            bytes: self.bytes,
            structure: self.structure,
            problems: self.problems,
            signature,
            signature_required: require_signature,
            notes: self.notes,
            verified: false,
        };
        report.conclude();
        Ok(report)
    }
}

fn compare(
    manifest: &Manifest,
    seen: &HashMap<String, Seen>,
    order: &[String],
    problems: &mut Vec<EntryProblem>,
) {
    for entry in &manifest.entries {
        let path = entry.path.clone();
        let Some(found) = seen.get(&entry.path) else {
            problems.push(EntryProblem::Missing { path });
            continue;
        };
        let expected_kind = match entry.entry_type {
            EntryType::File => "file",
            EntryType::Symlink => "symlink",
            EntryType::Directory => "directory",
        };
        if found.kind != expected_kind {
            problems.push(EntryProblem::TypeMismatch {
                path,
                expected: expected_kind.into(),
                actual: found.kind.into(),
            });
            continue;
        }
        // A symlink's mode means nothing; a file's and a folder's are checked.
        if entry.entry_type != EntryType::Symlink && found.mode != entry.mode_bits() {
            problems.push(EntryProblem::ModeMismatch {
                path: path.clone(),
                expected: entry.mode.clone(),
                actual: format!("{:04o}", found.mode),
            });
        }
        match entry.entry_type {
            EntryType::Directory => {}
            EntryType::Symlink => {
                if found.target != entry.target {
                    problems.push(EntryProblem::TargetMismatch {
                        path,
                        expected: entry.target.clone().unwrap_or_default(),
                        actual: found.target.clone().unwrap_or_default(),
                    });
                }
            }
            EntryType::File => {
                if found.size != entry.size {
                    problems.push(EntryProblem::SizeMismatch {
                        path,
                        expected: entry.size,
                        actual: found.size,
                    });
                    continue;
                }
                for algorithm in &manifest.hashes {
                    let expected = entry.digests.get(*algorithm).unwrap_or_default();
                    let actual = found.digests.get(*algorithm).unwrap_or_default();
                    if expected != actual {
                        problems.push(EntryProblem::DigestMismatch {
                            path: path.clone(),
                            algorithm: *algorithm,
                            expected: expected.into(),
                            actual: actual.into(),
                        });
                    }
                }
            }
        }
    }
    let listed: std::collections::HashSet<&str> =
        manifest.entries.iter().map(|e| e.path.as_str()).collect();
    // The folders that hold listed entries: archives may carry entries for them.
    let parents: std::collections::HashSet<&str> = manifest
        .entries
        .iter()
        .flat_map(|e| e.path.match_indices('/').map(|(i, _)| &e.path[..i]))
        .collect();
    for path in order {
        let parent = seen.get(path).is_some_and(|s| s.kind == "directory")
            && parents.contains(path.as_str());
        if !listed.contains(path.as_str()) && !parent {
            problems.push(EntryProblem::Unexpected { path: path.clone() });
        }
    }
}

/// Container images sit in an OCI image layout under `images/`: it needs `oci-layout`
/// and `index.json`, and every blob is named by its SHA-256 (checked against the
/// manifest's digest, which the payload was checked against).
fn check_images(manifest: &Manifest, structure: &mut Vec<String>) {
    let images: Vec<_> = manifest
        .entries
        .iter()
        .filter(|e| e.path.starts_with("images/"))
        .collect();
    if images.is_empty() {
        return;
    }
    for required in ["images/oci-layout", "images/index.json"] {
        if !images.iter().any(|e| e.path == required) {
            structure.push(format!(
                "`images/` is not an OCI image layout: `{required}` is missing"
            ));
        }
    }
    for entry in images {
        if let Some(name) = entry.path.strip_prefix("images/blobs/sha256/")
            && entry.entry_type == EntryType::File
            && entry.digests.sha256.as_deref() != Some(name)
        {
            structure.push(format!(
                "`{}`: an OCI blob must be named by its SHA-256, which is {}",
                entry.path,
                entry.digests.sha256.as_deref().unwrap_or_default()
            ));
        }
    }
}

/// `./a/b` → `a/b`; `dir/` → `dir`. Hand-made tars often carry both.
pub(crate) fn normalize(path: &str) -> &str {
    let mut path = path.trim_end_matches('/');
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    if path == "." { "" } else { path }
}

/// The content of one payload file, `name` (a path inside the bundle), read without
/// hashing or verifying anything: for a quick look (a backup's summary). `None` when
/// the bundle holds no such file; at most `max` bytes are read. Stops reading at the
/// entry, so an entry near the start is quick. Nothing read this way is verified:
/// use [`verify`] or [`extract`](crate::extract()) before trusting it.
pub fn read_entry(path: &Path, name: &str, max: u64, limits: &Limits) -> Result<Option<Vec<u8>>> {
    let mut found = None;
    let allowance = Allowance::default();
    let result = archive::read_file(path, limits, &allowance, &mut |header, reader| {
        if normalize(&header.path) != name || header.kind != Kind::File {
            return Ok(());
        }
        let mut data = Vec::new();
        reader
            .take(max)
            .read_to_end(&mut data)
            .map_err(archive::archive_error)?;
        found = Some(data);
        // Stop reading: what comes after is not wanted.
        Err(Error::Input(String::new()))
    });
    match result {
        Ok(_) => Ok(found),
        Err(_) if found.is_some() => Ok(found),
        Err(err) => Err(err),
    }
}

/// What `inspect` shows: the manifest and whether a signature travels with it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    pub file: String,
    pub format: Format,
    pub manifest: Manifest,
    pub signature: SignatureCheck,
    pub total_size: u64,
}

/// Reads the manifest (and checks its signature) without hashing the payload: quick when
/// the manifest comes first, as korral writes it.
pub fn inspect(path: &Path, keyring: &Keyring, limits: &Limits) -> Result<Inspection> {
    let mut manifest_raw = None;
    let mut signature_raw = None;
    let mut stop = false;
    let allowance = Allowance::default();
    let result = archive::read_file(path, limits, &allowance, &mut |header, reader| {
        let name = normalize(&header.path);
        // The signature, if any, follows the manifest: past both, there is nothing to read.
        if manifest_raw.is_some() && name != SIGNATURE {
            stop = true;
            return Err(Error::Input(String::new()));
        }
        let limit = if name == MANIFEST {
            MAX_MANIFEST
        } else {
            MAX_SIGNATURE
        };
        if (name == MANIFEST || name == SIGNATURE) && header.kind == Kind::File {
            let mut data = Vec::new();
            reader
                .take(limit)
                .read_to_end(&mut data)
                .map_err(archive::archive_error)?;
            if name == MANIFEST {
                manifest_raw = Some(data);
            } else {
                signature_raw = Some(data);
            }
        }
        if manifest_raw.is_some() && signature_raw.is_some() {
            stop = true;
            return Err(Error::Input(String::new()));
        }
        Ok(())
    });
    let format = match result {
        Ok(format) => format,
        Err(_) if stop => {
            let mut head = [0u8; 512];
            let mut file = std::fs::File::open(path).map_err(|err| Error::io(path, err))?;
            let n = file.read(&mut head).map_err(|err| Error::io(path, err))?;
            Format::sniff(&head[..n]).ok_or_else(|| Error::UnknownFormat(path.to_owned()))?
        }
        Err(err) => return Err(err),
    };
    let raw = manifest_raw
        .ok_or_else(|| Error::Manifest(format!("`{}` holds no `{MANIFEST}`", path.display())))?;
    let manifest = Manifest::parse(&raw)?;
    let signature = match &signature_raw {
        None => SignatureCheck::Unsigned,
        Some(signature) => keyring.check_signature(&raw, signature)?,
    };
    Ok(Inspection {
        file: path.display().to_string(),
        format,
        total_size: manifest.total_size(),
        manifest,
        signature,
    })
}
