//! `extract`: verify, then write into a temporary directory beside the destination and
//! rename it into place. Nothing is left behind on failure.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::archive::{self, Header, Kind, Limits};
use crate::digest::{HashAlgorithm, Hasher};
use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::manifest::{self, EntryType, MANIFEST, Manifest, SIGNATURE};
use crate::progress::Progress;
use crate::verify::{self, Report, normalize};

/// How to extract.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// The directory to create; it must not exist, or be empty.
    pub to: PathBuf,
    pub limits: Limits,
    pub require_signature: bool,
    /// Extract without verifying first. The safety rules still hold.
    pub insecure_skip_verify: bool,
}

/// Verifies the bundle (unless told not to), then extracts it. Returns the report of the
/// verification (`None` when skipped).
pub fn extract(
    path: &Path,
    keyring: &Keyring,
    options: &ExtractOptions,
    progress: &dyn Progress,
) -> Result<Option<Report>> {
    let to = &options.to;
    match fs::read_dir(to) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::Input(format!(
                    "`{}` exists and is not empty; extract into a new directory",
                    to.display()
                )));
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(Error::io(to, err)),
    }
    let report = if options.insecure_skip_verify {
        None
    } else {
        let report = verify::verify_with_progress(
            path,
            keyring,
            &options.limits,
            options.require_signature,
            progress,
        )?;
        if !report.ok() {
            return Err(Error::Verification(Box::new(report)));
        }
        Some(report)
    };

    let parent = match to.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|err| Error::io(&parent, err))?;
    let temp = tempfile::Builder::new()
        .prefix(".korral-extract-")
        .tempdir_in(&parent)
        .map_err(|err| Error::io(&parent, err))?;
    let total = fs::metadata(path)
        .map_err(|err| Error::io(path, err))?
        .len();
    progress.start("extracting", total);
    let mut writer = Extractor {
        root: temp.path().to_owned(),
        manifest: None,
        written: HashMap::new(),
        buffer: vec![0; 256 << 10],
        progress,
        verified: report.is_some(),
    };
    archive::read_file(path, &options.limits, &mut |header, reader| {
        writer.entry(header, reader)
    })?;
    writer.finish()?;
    progress.finish();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o755))
            .map_err(|err| Error::io(temp.path(), err))?;
    }
    if to.exists() {
        // Empty, checked above.
        fs::remove_dir(to).map_err(|err| Error::io(to, err))?;
    }
    let kept = temp.keep();
    fs::rename(&kept, to).map_err(|err| {
        let _ = fs::remove_dir_all(&kept);
        Error::io(to, err)
    })?;
    Ok(report)
}

struct Extractor<'a> {
    root: PathBuf,
    manifest: Option<Manifest>,
    /// Paths written so far (folders too), and whether each is a regular file.
    written: HashMap<String, bool>,
    buffer: Vec<u8>,
    progress: &'a dyn Progress,
    verified: bool,
}

impl Extractor<'_> {
    fn entry(&mut self, header: &Header, reader: &mut dyn Read) -> Result<()> {
        let path = normalize(&header.path);
        let unsafe_entry = |reason: String| Error::Unsafe {
            path: header.path.clone(),
            reason,
        };
        if path.is_empty() && header.kind == Kind::Dir {
            return Ok(());
        }
        manifest::check_path(path).map_err(unsafe_entry)?;
        if header.mode & 0o7000 != 0 && header.kind != Kind::Dir {
            return Err(unsafe_entry(format!(
                "mode {:04o} sets setuid, setgid or sticky bits",
                header.mode
            )));
        }
        // Hand-made tars may list a folder more than once; anything else twice is refused.
        if header.kind != Kind::Dir && self.written.contains_key(path) {
            return Err(unsafe_entry("it is in the archive twice".into()));
        }
        let dest = self.prepare_parent(path).map_err(|err| match err {
            Error::Unsafe { reason, .. } => unsafe_entry(reason),
            other => other,
        })?;
        match &header.kind {
            Kind::Dir => {
                match fs::symlink_metadata(&dest) {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => return Err(unsafe_entry("a directory over another entry".into())),
                    Err(_) => {
                        fs::create_dir(&dest).map_err(|err| Error::io(&dest, err))?;
                        // The owner keeps full access, so that what follows can be
                        // written into it.
                        set_dir_mode(&dest, header.mode & 0o777 | 0o700)?;
                    }
                }
                self.written.entry(path.to_owned()).or_insert(false);
                return Ok(());
            }
            Kind::Special(what) => {
                return Err(unsafe_entry(format!(
                    "it is {what}; korral extracts files and symlinks"
                )));
            }
            Kind::Symlink(target) => {
                manifest::check_link_target(path, target).map_err(unsafe_entry)?;
                #[cfg(unix)]
                std::os::unix::fs::symlink(target, &dest).map_err(|err| Error::io(&dest, err))?;
                #[cfg(not(unix))]
                return Err(unsafe_entry("symlinks are extracted on Unix only".into()));
                self.written.insert(path.to_owned(), false);
            }
            Kind::Hardlink(target) => {
                let target = normalize(target);
                manifest::check_path(target).map_err(|reason| {
                    unsafe_entry(format!("the hard link's target `{target}`: {reason}"))
                })?;
                if self.written.get(target) != Some(&true) {
                    return Err(unsafe_entry(format!(
                        "a hard link to `{target}`, which is not a file extracted before it"
                    )));
                }
                fs::hard_link(self.root.join(target), &dest)
                    .map_err(|err| Error::io(&dest, err))?;
                self.written.insert(path.to_owned(), true);
            }
            Kind::File => self.write_file(path, &dest, header.mode, reader)?,
        }
        Ok(())
    }

    /// Writes a regular file, hashing it to compare with the verified manifest.
    fn write_file(
        &mut self,
        path: &str,
        dest: &Path,
        mode: u32,
        reader: &mut dyn Read,
    ) -> Result<()> {
        let is_meta = path == MANIFEST || path == SIGNATURE;
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
            .map_err(|err| Error::io(dest, err))?;
        let expected = self
            .manifest
            .as_ref()
            .filter(|_| self.verified && !is_meta)
            .and_then(|m| m.entries.iter().find(|e| e.path == path))
            .filter(|e| e.entry_type == EntryType::File)
            .and_then(|e| e.digests.sha256.clone());
        let mut hasher = Hasher::new(&[HashAlgorithm::Sha256]);
        let mut kept = Vec::new();
        let progress = self.progress;
        archive::for_each_chunk(reader, &mut self.buffer, |chunk| {
            hasher.update(chunk);
            if path == MANIFEST {
                kept.extend_from_slice(chunk);
            }
            file.write_all(chunk).map_err(|err| Error::io(dest, err))?;
            progress.advance(chunk.len() as u64);
            Ok(())
        })?;
        file.flush().map_err(|err| Error::io(dest, err))?;
        set_mode(&file, dest, mode & 0o777)?;
        if path == MANIFEST && self.verified {
            self.manifest = Manifest::parse(&kept).ok();
        }
        // The archive was verified in a first pass; this guards against it
        // changing between the passes.
        if self.verified
            && !is_meta
            && expected.is_none_or(|want| hasher.finish().sha256 != Some(want))
        {
            return Err(Error::Archive(format!(
                "`{path}` differs from what was verified (was the file changed during extraction?)"
            )));
        }
        self.written.insert(path.to_owned(), true);
        Ok(())
    }

    /// Creates the parent directories of `path` inside the root, refusing to pass
    /// through anything that is not a real directory (a symlink extracted earlier could
    /// otherwise lead outside).
    fn prepare_parent(&self, path: &str) -> Result<PathBuf> {
        let mut dir = self.root.clone();
        let mut parts: Vec<&str> = path.split('/').collect();
        let last = parts.pop().unwrap_or_default();
        for part in parts {
            dir.push(part);
            match fs::symlink_metadata(&dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(Error::Unsafe {
                        path: path.into(),
                        reason: format!("`{part}` on its way is not a directory (a symlink?)"),
                    });
                }
                Err(_) => fs::create_dir(&dir).map_err(|err| Error::io(&dir, err))?,
            }
        }
        Ok(dir.join(last))
    }

    fn finish(&self) -> Result<()> {
        if let Some(manifest) = &self.manifest {
            for entry in &manifest.entries {
                if !self.written.contains_key(&entry.path) {
                    return Err(Error::Archive(format!(
                        "`{}` is missing from the archive",
                        entry.path
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(unix)]
fn set_mode(file: &File, path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(|err| Error::io(path, err))
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _path: &Path, _mode: u32) -> Result<()> {
    Ok(())
}

#[cfg(unix)]
fn set_dir_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|err| Error::io(path, err))
}

#[cfg(not(unix))]
fn set_dir_mode(_path: &Path, _mode: u32) -> Result<()> {
    Ok(())
}
