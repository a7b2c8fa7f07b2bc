//! `extract`: one pass over the archive that verifies and writes at once, into a
//! temporary directory beside the destination, renamed into place only when everything
//! verified. The bytes extracted are the bytes verified: the archive is opened once and
//! read once (it may as well be a pipe), so nothing can swap it between a check and a
//! use. Nothing is left behind on failure.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::archive::{self, Allowance, Format, Header, Kind, Limits};
use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::links::Links;
use crate::manifest;
use crate::progress::Progress;
use crate::verify::{Report, Scan, normalize};

/// How to extract.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// The directory to create; it must not exist, or be empty.
    pub to: PathBuf,
    pub limits: Limits,
    pub require_signature: bool,
    /// Extract without verifying. The safety rules still hold.
    pub insecure_skip_verify: bool,
}

/// Verifies the bundle at `path` while extracting it, in one pass over one open file.
/// Returns the report of the verification (`None` when skipped). A bundle that fails
/// verification is [`Error::Verification`], and nothing is left at the destination.
pub fn extract(
    path: &Path,
    keyring: &Keyring,
    options: &ExtractOptions,
    progress: &dyn Progress,
) -> Result<Option<Report>> {
    check_destination(&options.to)?;
    let file = File::open(path).map_err(|err| Error::io(path, err))?;
    let total = file
        .metadata()
        .map(|m| if m.is_file() { m.len() } else { 0 })
        .map_err(|err| Error::io(path, err))?;
    run(
        &path.display().to_string(),
        total,
        keyring,
        options,
        progress,
        |limits, allowance, visit| archive::read_open_file(file, path, limits, allowance, visit),
    )
}

/// [`extract`] from a stream that cannot seek, such as standard input
/// (`curl … | korral bundle extract - --to DIR`). `name` stands for it in messages.
pub fn extract_stream(
    source: Box<dyn Read + Send>,
    name: &str,
    keyring: &Keyring,
    options: &ExtractOptions,
    progress: &dyn Progress,
) -> Result<Option<Report>> {
    check_destination(&options.to)?;
    run(
        name,
        0,
        keyring,
        options,
        progress,
        |limits, allowance, visit| archive::read_stream(source, name, limits, allowance, visit),
    )
}

/// Reads the archive through `read`, once, verifying and writing every entry.
fn run(
    name: &str,
    total: u64,
    keyring: &Keyring,
    options: &ExtractOptions,
    progress: &dyn Progress,
    read: impl FnOnce(&Limits, &Allowance, &mut archive::Visit<'_>) -> Result<Format>,
) -> Result<Option<Report>> {
    let to = &options.to;
    let parent = match to.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|err| Error::io(&parent, err))?;
    let temp = tempfile::Builder::new()
        .prefix(".korral-extract-")
        .tempdir_in(&parent)
        .map_err(|err| Error::io(&parent, err))?;
    let verify = !options.insecure_skip_verify;
    let mut scan = Scan::new(verify.then_some(keyring), progress);
    scan.sink = Some(Extractor::new(temp.path()));
    let allowance = scan.allowance.clone();
    progress.start("extracting", total);
    let result = read(&options.limits, &allowance, &mut |header, reader| {
        scan.visit(header, reader)
    });
    progress.finish();
    let result = match result {
        // Damage and caps are part of the report when verifying.
        Err(Error::Archive(_) | Error::Limit(_)) if verify => result,
        Err(_) if scan.stopped => result,
        // What the extractor refused (an unsafe entry), what could not be written.
        Err(err) => return Err(err),
        Ok(_) => result,
    };
    let report = scan.finish(name.to_owned(), result, options.require_signature)?;
    if verify && !report.ok() {
        return Err(Error::Verification(Box::new(report)));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o755))
            .map_err(|err| Error::io(temp.path(), err))?;
    }
    if to.exists() {
        // Empty, checked before.
        fs::remove_dir(to).map_err(|err| Error::io(to, err))?;
    }
    let kept = temp.keep();
    fs::rename(&kept, to).map_err(|err| {
        let _ = fs::remove_dir_all(&kept);
        Error::io(to, err)
    })?;
    Ok(verify.then_some(report))
}

/// The destination must not exist, or be empty.
fn check_destination(to: &Path) -> Result<()> {
    match fs::read_dir(to) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::Input(format!(
                    "`{}` exists and is not empty; extract into a new directory",
                    to.display()
                )));
            }
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(Error::io(to, err)),
    }
}

/// A regular file being written.
pub(crate) struct Output {
    file: File,
    dest: PathBuf,
    path: String,
    mode: u32,
}

impl Output {
    pub(crate) fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.file
            .write_all(chunk)
            .map_err(|err| Error::io(&self.dest, err))
    }
}

/// Writes entries under a root, refusing anything that could leave it.
pub(crate) struct Extractor {
    root: PathBuf,
    /// Paths written so far (folders too), and whether each is a regular file.
    written: HashMap<String, bool>,
    /// The symlinks written so far, to judge new ones by where they lead.
    links: Links,
}

impl Extractor {
    pub(crate) fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
            written: HashMap::new(),
            links: Links::default(),
        }
    }

    /// Checks an entry before its content is read. Folders and links are made here; a
    /// regular file is opened, and its content goes to the returned [`Output`].
    pub(crate) fn begin(&mut self, header: &Header) -> Result<Option<Output>> {
        let path = normalize(&header.path);
        let unsafe_entry = |reason: String| Error::Unsafe {
            path: header.path.clone(),
            reason,
        };
        if path.is_empty() && header.kind == Kind::Dir {
            return Ok(None);
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
                Ok(None)
            }
            Kind::Special(what) => Err(unsafe_entry(format!(
                "it is {what}; korral extracts files and symlinks"
            ))),
            Kind::Symlink(target) => {
                // Where it leads through the links extracted so far, not its text.
                self.links.add(path, target).map_err(unsafe_entry)?;
                #[cfg(unix)]
                std::os::unix::fs::symlink(target, &dest).map_err(|err| Error::io(&dest, err))?;
                #[cfg(not(unix))]
                return Err(unsafe_entry("symlinks are extracted on Unix only".into()));
                self.written.insert(path.to_owned(), false);
                Ok(None)
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
                Ok(None)
            }
            Kind::File => {
                // `create_new` never follows a symlink at `dest`: it fails if anything
                // is there.
                let file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&dest)
                    .map_err(|err| Error::io(&dest, err))?;
                Ok(Some(Output {
                    file,
                    dest,
                    path: path.to_owned(),
                    mode: header.mode & 0o777,
                }))
            }
        }
    }

    /// Finishes a regular file: flushed, its mode set.
    pub(crate) fn end(&mut self, mut output: Output) -> Result<()> {
        output
            .file
            .flush()
            .map_err(|err| Error::io(&output.dest, err))?;
        set_mode(&output.file, &output.dest, output.mode)?;
        self.written.insert(output.path, true);
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
