//! `create`: walk the inputs, hash them, write the manifest and its signature first,
//! then the payload.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use pgp::types::Password;

use crate::archive::{Format, Writer};
use crate::digest::{HashAlgorithm, Hasher};
use crate::error::{Error, Result};
use crate::keyring::{self, Keyring};
use crate::manifest::{
    self, API_VERSION, Entry, EntryType, KIND, MANIFEST, Manifest, Metadata, SIGNATURE,
};
use crate::progress::Progress;

/// What to bundle, and how.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    pub name: String,
    pub version: String,
    /// Files and folders. A folder keeps its name in the bundle (`charts/` holds
    /// `charts/…`), except `.`, whose contents go at the top. A folder holding an OCI
    /// image layout (an `oci-layout` file) goes under `images/`.
    pub paths: Vec<PathBuf>,
    pub output: PathBuf,
    pub format: Format,
    /// Extra digests beside SHA-256.
    pub hashes: Vec<HashAlgorithm>,
    /// Who made it (the signer's user id, else the login name).
    pub creator: String,
}

/// The key that signs the manifest.
pub struct Signer<'a> {
    pub keyring: &'a Keyring,
    /// The key's fingerprint.
    pub fingerprint: String,
    /// The secret key's passphrase (empty for an unprotected key).
    pub passphrase: String,
}

/// A file, symlink or empty folder to bundle.
struct Input {
    source: PathBuf,
    path: String,
    kind: InputKind,
}

/// What an input is.
enum InputKind {
    File,
    /// A symlink, with its target.
    Symlink(String),
    /// An empty folder (others are implied by their content's paths).
    Dir,
}

/// Creates the bundle; returns its manifest.
pub fn create(
    options: &CreateOptions,
    signer: Option<&Signer<'_>>,
    progress: &dyn Progress,
) -> Result<Manifest> {
    if options.format == Format::Tar {
        return Err(Error::Input(
            "korral reads plain tar but writes tar.zst, tar.gz or zip".into(),
        ));
    }
    for (field, value) in [("--name", &options.name), ("--version", &options.version)] {
        manifest::check_component(field, value).map_err(Error::Input)?;
    }
    let inputs = collect(&options.paths, &options.output)?;
    let mut algorithms = vec![HashAlgorithm::Sha256];
    for algorithm in &options.hashes {
        if !algorithms.contains(algorithm) {
            algorithms.push(*algorithm);
        }
    }
    algorithms.sort();

    // First pass: digests, so the manifest can lead the archive.
    let total: u64 = inputs
        .iter()
        .filter(|i| matches!(i.kind, InputKind::File))
        .map(|i| fs::metadata(&i.source).map_or(0, |m| m.len()))
        .sum();
    let entries = hash_entries(&inputs, &algorithms, total, progress)?;

    let now = jiff::Timestamp::now();
    let manifest = Manifest {
        api_version: API_VERSION.into(),
        kind: KIND.into(),
        metadata: Metadata {
            name: options.name.clone(),
            version: options.version.clone(),
            created: now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            creator: options.creator.clone(),
            korral_version: env!("CARGO_PKG_VERSION").into(),
        },
        hashes: algorithms,
        entries,
    };
    let yaml = manifest.to_yaml()?;
    let signature = match signer {
        None => None,
        Some(signer) => {
            let key = signer.keyring.secret_key(&signer.fingerprint)?;
            let passphrase = Password::from(signer.passphrase.as_str());
            Some(keyring::sign_detached(&key, &passphrase, yaml.as_bytes())?)
        }
    };

    write_archive(
        options,
        &inputs,
        &manifest,
        &yaml,
        signature.as_deref(),
        total,
        progress,
    )?;
    Ok(manifest)
}

/// The first pass: each input's manifest entry, files hashed with `algorithms`.
fn hash_entries(
    inputs: &[Input],
    algorithms: &[HashAlgorithm],
    total: u64,
    progress: &dyn Progress,
) -> Result<Vec<Entry>> {
    progress.start("hashing", total);
    let mut entries = Vec::with_capacity(inputs.len());
    let mut buffer = vec![0u8; 256 << 10];
    for input in inputs {
        if let InputKind::Symlink(target) = &input.kind {
            entries.push(Entry {
                path: input.path.clone(),
                entry_type: EntryType::Symlink,
                size: 0,
                mode: "0777".into(),
                target: Some(target.clone()),
                digests: crate::Digests::default(),
            });
            continue;
        }
        if let InputKind::Dir = input.kind {
            let dir = File::open(&input.source).map_err(|err| Error::io(&input.source, err))?;
            entries.push(Entry {
                path: input.path.clone(),
                entry_type: EntryType::Directory,
                size: 0,
                mode: format!("{:04o}", file_mode(&dir, &input.source)?),
                target: None,
                digests: crate::Digests::default(),
            });
            continue;
        }
        let mut file = File::open(&input.source).map_err(|err| Error::io(&input.source, err))?;
        let mode = file_mode(&file, &input.source)?;
        let mut hasher = Hasher::new(algorithms);
        let mut size = 0u64;
        loop {
            let n = file
                .read(&mut buffer)
                .map_err(|err| Error::io(&input.source, err))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            size += n as u64;
            progress.advance(n as u64);
        }
        entries.push(Entry {
            path: input.path.clone(),
            entry_type: EntryType::File,
            size,
            mode: format!("{mode:04o}"),
            target: None,
            digests: hasher.finish(),
        });
    }
    progress.finish();
    Ok(entries)
}

/// Second pass: the archive, manifest and signature first, into a temporary file
/// renamed at the end.
fn write_archive(
    options: &CreateOptions,
    inputs: &[Input],
    manifest: &Manifest,
    yaml: &str,
    signature: Option<&str>,
    total: u64,
    progress: &dyn Progress,
) -> Result<()> {
    let dir = match options.output.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".korral-bundle-")
        .tempfile_in(&dir)
        .map_err(|err| Error::io(&dir, err))?;
    let file = temp.reopen().map_err(|err| Error::io(temp.path(), err))?;
    let write_err = |err: io::Error| Error::io(&options.output, err);
    let mut writer = Writer::new(file, options.format).map_err(write_err)?;
    let mtime = manifest
        .metadata
        .created
        .parse::<jiff::Timestamp>()
        .map_or(0, jiff::Timestamp::as_second);
    for (name, text) in [(MANIFEST, Some(yaml)), (SIGNATURE, signature)] {
        if let Some(text) = text {
            writer
                .add_file(name, 0o644, text.len() as u64, mtime, &mut text.as_bytes())
                .map_err(write_err)?;
        }
    }
    progress.start("writing", total);
    for (input, entry) in inputs.iter().zip(&manifest.entries) {
        if let InputKind::Symlink(target) = &input.kind {
            writer
                .add_symlink(&entry.path, target, mtime)
                .map_err(write_err)?;
            continue;
        }
        if let InputKind::Dir = input.kind {
            writer
                .add_dir(&entry.path, entry.mode_bits(), mtime)
                .map_err(write_err)?;
            continue;
        }
        let file = File::open(&input.source).map_err(|err| Error::io(&input.source, err))?;
        // Exactly the bytes that were hashed, or an error: a file that changes while
        // bundling must not produce a bundle that fails verification later.
        let mut checked = Checked {
            inner: file.take(entry.size),
            hasher: Hasher::new(&[HashAlgorithm::Sha256]),
            read: 0,
            progress,
        };
        writer
            .add_file(
                &entry.path,
                entry.mode_bits(),
                entry.size,
                mtime,
                &mut checked,
            )
            .map_err(|err| Error::io(&input.source, err))?;
        let digest = checked.hasher.finish().sha256;
        if checked.read != entry.size || digest != entry.digests.sha256 {
            return Err(Error::Input(format!(
                "`{}` changed while it was being bundled; try again when nothing writes to it",
                input.source.display()
            )));
        }
    }
    writer.finish().map_err(write_err)?;
    progress.finish();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o644));
    }
    temp.persist(&options.output)
        .map_err(|err| Error::io(&options.output, err.error))?;
    Ok(())
}

struct Checked<'a, R> {
    inner: R,
    hasher: Hasher,
    read: u64,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for Checked<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

#[cfg(unix)]
fn file_mode(file: &File, path: &Path) -> Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = file.metadata().map_err(|err| Error::io(path, err))?;
    // Setuid, setgid and sticky bits are dropped: extract refuses them.
    Ok(metadata.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn file_mode(_file: &File, _path: &Path) -> Result<u32> {
    Ok(0o644)
}

/// The output file, if it exists already (a bundle made before, in a folder being
/// bundled): never packed into itself.
struct Output(Option<FileId>);

#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = PathBuf;

impl Output {
    fn new(path: &Path) -> Self {
        Self(fs::metadata(path).ok().and_then(|m| id(path, &m)))
    }

    fn is(&self, path: &Path, metadata: &fs::Metadata) -> bool {
        self.0.is_some() && id(path, metadata) == self.0
    }
}

#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)] // `None` on platforms without inode numbers
fn id(_path: &Path, metadata: &fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn id(path: &Path, _metadata: &fs::Metadata) -> Option<FileId> {
    path.canonicalize().ok()
}

/// Expands the inputs into files, symlinks and empty folders with their bundle paths,
/// sorted. The output file is left out wherever it is.
fn collect(paths: &[PathBuf], output: &Path) -> Result<Vec<Input>> {
    let output = Output::new(output);
    if paths.is_empty() {
        return Err(Error::Input(
            "give at least one file or folder to bundle".into(),
        ));
    }
    let mut inputs = Vec::new();
    let mut images = None;
    for path in paths {
        let metadata = fs::symlink_metadata(path).map_err(|err| Error::io(path, err))?;
        let at_top = path
            .components()
            .all(|c| matches!(c, std::path::Component::CurDir));
        if metadata.is_dir() {
            let prefix = if path.join("oci-layout").is_file() {
                check_oci_layout(path)?;
                if let Some(first) = images.replace(path.clone()) {
                    return Err(Error::Input(format!(
                        "`{}` and `{}` are both OCI image layouts; a bundle holds one under `images/` (copy the images into one layout, e.g. `skopeo copy … oci:layout:NAME`)",
                        first.display(),
                        path.display()
                    )));
                }
                "images".to_owned()
            } else if at_top {
                String::new()
            } else {
                name_of(path)?
            };
            walk(path, &prefix, &output, &mut inputs)?;
        } else if metadata.is_file() || metadata.file_type().is_symlink() {
            if !output.is(path, &metadata) {
                push(path, name_of(path)?, &mut inputs)?;
            }
        } else {
            return Err(Error::Input(format!(
                "`{}` is neither a file nor a folder; bundles hold files and symlinks",
                path.display()
            )));
        }
    }
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    for pair in inputs.windows(2) {
        if pair[0].path == pair[1].path {
            return Err(Error::Input(format!(
                "`{}` and `{}` would both be `{}` in the bundle",
                pair[0].source.display(),
                pair[1].source.display(),
                pair[0].path
            )));
        }
    }
    // Links judged by where they lead through the other links, as extract judges them:
    // a bundle korral makes is one it extracts.
    let tree = inputs.iter().map(|i| match &i.kind {
        InputKind::Symlink(target) => (i.path.as_str(), Some(target.as_str())),
        _ => (i.path.as_str(), None),
    });
    if let Err((path, reason)) = crate::links::check_tree(tree) {
        let source = inputs
            .iter()
            .find(|i| i.path == path)
            .map_or_else(|| path.clone(), |i| i.source.display().to_string());
        return Err(Error::Input(format!(
            "`{source}`: {reason}; bundles keep only symlinks that stay inside"
        )));
    }
    Ok(inputs)
}

fn walk(dir: &Path, prefix: &str, output: &Output, inputs: &mut Vec<Input>) -> Result<()> {
    let mut children: Vec<_> = fs::read_dir(dir)
        .map_err(|err| Error::io(dir, err))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|err| Error::io(dir, err))?;
    children.sort_by_key(fs::DirEntry::file_name);
    // An empty folder is kept as an entry of its own; others are implied by their
    // content's paths.
    if children.is_empty() && !prefix.is_empty() {
        manifest::check_path(prefix)
            .map_err(|reason| Error::Input(format!("`{}`: {reason}", dir.display())))?;
        inputs.push(Input {
            source: dir.to_owned(),
            path: prefix.to_owned(),
            kind: InputKind::Dir,
        });
        return Ok(());
    }
    for child in children {
        let path = child.path();
        let name = child
            .file_name()
            .into_string()
            .map_err(|_| Error::Input(format!("`{}`: file names must be UTF-8", path.display())))?;
        let bundle_path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let file_type = child.file_type().map_err(|err| Error::io(&path, err))?;
        if file_type.is_dir() {
            walk(&path, &bundle_path, output, inputs)?;
        } else if file_type.is_file() {
            let metadata = child.metadata().map_err(|err| Error::io(&path, err))?;
            if !output.is(&path, &metadata) {
                push(&path, bundle_path, inputs)?;
            }
        } else if file_type.is_symlink() {
            push(&path, bundle_path, inputs)?;
        } else {
            return Err(Error::Input(format!(
                "`{}` is a device, FIFO or socket; bundles hold files and symlinks",
                path.display()
            )));
        }
    }
    Ok(())
}

fn push(source: &Path, path: String, inputs: &mut Vec<Input>) -> Result<()> {
    if path == MANIFEST || path == SIGNATURE {
        return Err(Error::Input(format!(
            "`{}` would be `{path}` in the bundle, a name korral keeps for the manifest",
            source.display()
        )));
    }
    manifest::check_path(&path)
        .map_err(|reason| Error::Input(format!("`{}`: {reason}", source.display())))?;
    let metadata = fs::symlink_metadata(source).map_err(|err| Error::io(source, err))?;
    let kind = if metadata.file_type().is_symlink() {
        let target = fs::read_link(source).map_err(|err| Error::io(source, err))?;
        let target = target.to_str().map(str::to_owned).ok_or_else(|| {
            Error::Input(format!(
                "`{}`: the symlink target is not UTF-8",
                source.display()
            ))
        })?;
        manifest::check_link_target(&path, &target).map_err(|reason| {
            Error::Input(format!(
                "`{}`: {reason}; bundles keep only symlinks that stay inside",
                source.display()
            ))
        })?;
        InputKind::Symlink(target)
    } else {
        InputKind::File
    };
    inputs.push(Input {
        source: source.to_owned(),
        path,
        kind,
    });
    Ok(())
}

fn name_of(path: &Path) -> Result<String> {
    let canonical;
    let path = if path.file_name().is_none() {
        canonical = path.canonicalize().map_err(|err| Error::io(path, err))?;
        canonical.as_path()
    } else {
        path
    };
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| Error::Input(format!("`{}` has no UTF-8 file name", path.display())))
}

/// An OCI image layout has `oci-layout` (`{"imageLayoutVersion": "1.0.0"}`) and
/// `index.json`.
fn check_oci_layout(dir: &Path) -> Result<()> {
    let layout = dir.join("oci-layout");
    let text = fs::read_to_string(&layout).map_err(|err| Error::io(&layout, err))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| Error::Input(format!("`{}` is not JSON: {err}", layout.display())))?;
    if value
        .get("imageLayoutVersion")
        .and_then(|v| v.as_str())
        .is_none()
    {
        return Err(Error::Input(format!(
            "`{}` lacks `imageLayoutVersion`; is this an OCI image layout?",
            layout.display()
        )));
    }
    if !dir.join("index.json").is_file() {
        return Err(Error::Input(format!(
            "`{}` has `oci-layout` but no `index.json`; an OCI image layout needs both",
            dir.display()
        )));
    }
    Ok(())
}
