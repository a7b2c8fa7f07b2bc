//! Writing a generated tree: what changes on disk, what was edited by hand, and the
//! state file that tells them apart.
//!
//! `<out>/.korral/generated.json` holds the SHA-256 of every file as korral last wrote
//! it. A file on disk whose hash differs from that was edited by hand (or was not
//! written by korral) and is kept unless forced; so is a file korral no longer generates.
//!
//! The state file is committed with the output, so it is untrusted: a path in it that is
//! not a plain relative path inside the output folder (`../x`, `/tmp/x`, `a/../../x`) is
//! ignored and reported, never read or deleted. Nothing is read or written through a
//! symbolic link (the output folder, a folder in it, or a file), nor read from anything
//! but a regular file (a FIFO would block the read forever).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Tree;

/// The state file, relative to the output folder.
pub const STATE_FILE: &str = ".korral/generated.json";

/// What generating does to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// New file.
    Create,
    /// Same bytes on disk.
    Unchanged,
    /// Korral's previous version is replaced.
    Update,
    /// Edited by hand since the last generate (or not written by korral): kept, unless forced.
    HandEdited,
    /// No longer generated and not edited: removed.
    Delete,
    /// No longer generated but edited by hand: kept, unless forced.
    HandEditedOrphan,
}

/// One file of a plan.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: String,
    pub change: Change,
    /// On disk now (`None` when absent).
    pub current: Option<String>,
    /// What korral generates (`None` for a file no longer generated).
    pub generated: Option<String>,
}

/// A generated tree compared with the output folder.
#[derive(Debug)]
pub struct Plan {
    out: PathBuf,
    pub entries: Vec<Entry>,
    /// Paths of the state file that are not inside the output folder: ignored.
    pub ignored: Vec<String>,
    previous: State,
}

/// What was done.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<String>,
    pub unchanged: usize,
    pub deleted: Vec<String>,
    /// Edited by hand and left as they are.
    pub kept: Vec<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// Path → SHA-256 (hex) of the content korral wrote.
    files: BTreeMap<String, String>,
}

/// Why the output folder cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{path}`: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write `{path}`: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error(
        "`{path}` is not korral's state file ({message}); move it away and run korral generate --force"
    )]
    State { path: PathBuf, message: String },
    /// A symbolic link where korral reads or writes.
    #[error(
        "`{path}` is a symbolic link: korral generate does not read or write through links; remove it, or pass the folder it points to with --out"
    )]
    Link { path: PathBuf },
    /// Something other than a file or folder (a FIFO, a socket, a device) where korral
    /// reads or writes.
    #[error("`{path}` is not a regular file or folder; move it away and run korral generate again")]
    Special { path: PathBuf },
}

/// Whether `path` (from the state file) is a plain relative path inside the output
/// folder: only normal parts, no `..`, no root, no `.`, not the state file itself.
fn inside(path: &str) -> bool {
    !path.is_empty()
        && path != STATE_FILE
        && !path.contains('\\')
        && !path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        && Path::new(path)
            .components()
            .all(|component| matches!(component, Component::Normal(_)))
}

/// Refuses `relative` under `out` when `out`, a folder on the way or the entry itself is
/// a symbolic link, or something other than a folder (on the way) or a regular file (at
/// the end). Checked with `symlink_metadata`, which does not follow links.
fn check_path(out: &Path, relative: &str) -> Result<(), Error> {
    let parts: Vec<Component> = Path::new(relative).components().collect();
    let mut at = out.to_path_buf();
    for index in 0..=parts.len() {
        if index > 0 {
            at.push(parts[index - 1]);
        }
        let metadata = match std::fs::symlink_metadata(&at) {
            Ok(metadata) => metadata,
            // Absent: nothing below it exists either.
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(source) => return Err(Error::Read { path: at, source }),
        };
        let kind = metadata.file_type();
        if kind.is_symlink() {
            return Err(Error::Link { path: at });
        }
        let last = index == parts.len();
        if (last && !kind.is_file()) || (!last && !kind.is_dir()) {
            return Err(Error::Special { path: at });
        }
    }
    Ok(())
}

/// Reads `relative` under `out`, after [`check_path`].
fn read_inside(out: &Path, relative: &str) -> Result<Option<String>, Error> {
    check_path(out, relative)?;
    read(&out.join(relative))
}

fn sha256(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

fn read(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read(path) {
        // A file that is not UTF-8 is certainly not what korral wrote.
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

impl Plan {
    /// Compares `tree` with what is in `out`.
    pub fn new(tree: &Tree, out: &Path) -> Result<Self, Error> {
        let state_path = out.join(STATE_FILE);
        let previous: State = match read_inside(out, STATE_FILE)? {
            Some(text) => serde_json::from_str(&text).map_err(|err| Error::State {
                path: state_path.clone(),
                message: err.to_string(),
            })?,
            None => State::default(),
        };
        let (files, ignored): (BTreeMap<String, String>, BTreeMap<String, String>) = previous
            .files
            .into_iter()
            .partition(|(path, _)| inside(path));
        let previous = State { files };
        let mut entries = Vec::new();
        for (path, generated) in &tree.files {
            let current = read_inside(out, path)?;
            let change = match &current {
                None => Change::Create,
                Some(current) if current == generated => Change::Unchanged,
                Some(current) => {
                    if previous.files.get(path) == Some(&sha256(current)) {
                        Change::Update
                    } else {
                        Change::HandEdited
                    }
                }
            };
            entries.push(Entry {
                path: path.clone(),
                change,
                current,
                generated: Some(generated.clone()),
            });
        }
        for (path, hash) in &previous.files {
            if tree.files.contains_key(path) {
                continue;
            }
            let Some(current) = read_inside(out, path)? else {
                continue;
            };
            let change = if sha256(&current) == *hash {
                Change::Delete
            } else {
                Change::HandEditedOrphan
            };
            entries.push(Entry {
                path: path.clone(),
                change,
                current: Some(current),
                generated: None,
            });
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Self {
            out: out.to_owned(),
            entries,
            ignored: ignored.into_keys().collect(),
            previous,
        })
    }

    /// Whether writing would change anything on disk, `force` or not.
    pub fn has_changes(&self, force: bool) -> bool {
        self.entries.iter().any(|entry| match entry.change {
            Change::Unchanged => false,
            Change::HandEdited | Change::HandEditedOrphan => force,
            _ => true,
        })
    }

    /// A unified diff of every file that would change (with `force`, hand-edited ones
    /// too), paths as `a/PATH` and `b/PATH` as git writes them.
    pub fn diff(&self, force: bool) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            let applies = match entry.change {
                Change::Unchanged => false,
                Change::HandEdited | Change::HandEditedOrphan => force,
                _ => true,
            };
            if !applies {
                continue;
            }
            let old = entry.current.as_deref().unwrap_or("");
            let new = entry.generated.as_deref().unwrap_or("");
            let old_name = if entry.current.is_some() {
                format!("a/{}", entry.path)
            } else {
                "/dev/null".to_owned()
            };
            let new_name = if entry.generated.is_some() {
                format!("b/{}", entry.path)
            } else {
                "/dev/null".to_owned()
            };
            let diff = similar::TextDiff::from_lines(old, new);
            let _ = write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&old_name, &new_name)
            );
        }
        out
    }

    /// Paths edited by hand that writing keeps (without `force`).
    pub fn hand_edited(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|entry| matches!(entry.change, Change::HandEdited | Change::HandEditedOrphan))
    }

    /// Writes the plan: each file whole or not at all (a temporary file renamed over
    /// it), then the state file.
    pub fn write(&self, force: bool) -> Result<WriteReport, Error> {
        let mut report = WriteReport::default();
        let mut state = State::default();
        for entry in &self.entries {
            let target = self.out.join(&entry.path);
            // Again at the moment of writing: the folder may have changed since the plan.
            check_path(&self.out, &entry.path)?;
            match (&entry.change, &entry.generated) {
                (Change::Unchanged, Some(generated)) => {
                    report.unchanged += 1;
                    state.files.insert(entry.path.clone(), sha256(generated));
                }
                (Change::HandEdited, Some(_)) | (Change::HandEditedOrphan, None) if !force => {
                    report.kept.push(entry.path.clone());
                    if let Some(hash) = self.previous.files.get(&entry.path) {
                        state.files.insert(entry.path.clone(), hash.clone());
                    }
                }
                (_, Some(generated)) => {
                    write_atomically(&target, generated)?;
                    report.written.push(entry.path.clone());
                    state.files.insert(entry.path.clone(), sha256(generated));
                }
                (_, None) => {
                    std::fs::remove_file(&target).map_err(|source| Error::Write {
                        path: target.clone(),
                        source,
                    })?;
                    remove_empty_parents(&self.out, &target);
                    report.deleted.push(entry.path.clone());
                }
            }
        }
        let mut text = serde_json::to_string_pretty(&state).unwrap_or_default();
        text.push('\n');
        check_path(&self.out, STATE_FILE)?;
        write_atomically(&self.out.join(STATE_FILE), &text)?;
        Ok(report)
    }
}

fn write_atomically(path: &Path, content: &str) -> Result<(), Error> {
    let error = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(error)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".korral-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut file = builder.tempfile_in(dir).map_err(error)?;
    file.write_all(content.as_bytes()).map_err(error)?;
    file.persist(path).map_err(|err| error(err.error))?;
    Ok(())
}

/// Removes folders left empty by a deleted file, up to (not including) `root`.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(current) = dir {
        if current == root || !current.starts_with(root) {
            break;
        }
        if std::fs::remove_dir(current).is_err() {
            break;
        }
        dir = current.parent();
    }
}
