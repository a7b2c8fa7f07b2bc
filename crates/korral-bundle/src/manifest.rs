use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::digest::{Digests, HashAlgorithm};
use crate::error::{Error, Result};

/// The manifest's name in the archive (and after extraction).
pub const MANIFEST: &str = "korral-bundle.yaml";
/// The detached, ASCII-armoured OpenPGP signature of the manifest.
pub const SIGNATURE: &str = "korral-bundle.yaml.asc";
/// The manifest's `apiVersion`.
pub const API_VERSION: &str = "bundle.korral.dev/v1";
/// The manifest's `kind`.
pub const KIND: &str = "Bundle";

/// A manifest larger than this is refused (about 100,000 entries fit in 32 MiB).
pub(crate) const MAX_MANIFEST: u64 = 32 << 20;

/// `korral-bundle.yaml`: what the bundle holds, entry by entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    /// The digests every entry carries; always includes sha256.
    pub hashes: Vec<HashAlgorithm>,
    pub entries: Vec<Entry>,
}

/// Who made the bundle, what it is, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    pub name: String,
    pub version: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub creator: String,
    pub korral_version: String,
}

/// One payload entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Entry {
    /// Relative, `/`-separated, no `.` or `..` components.
    pub path: String,
    #[serde(rename = "type")]
    pub entry_type: EntryType,
    /// Bytes; 0 for symlinks and directories.
    pub size: u64,
    /// Permission bits in octal (`"0644"`); setuid, setgid and sticky bits are never set.
    pub mode: String,
    /// Where a symlink points, relative to the link's folder; inside the bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(flatten)]
    pub digests: Digests,
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryType {
    File,
    Symlink,
    /// An empty directory (directories with entries are implied by their paths).
    Directory,
}

impl Entry {
    /// The permission bits.
    pub fn mode_bits(&self) -> u32 {
        u32::from_str_radix(&self.mode, 8).unwrap_or(0o644)
    }
}

impl Manifest {
    /// Parses and checks a manifest: fields, paths, digests.
    pub fn parse(data: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(data)
            .map_err(|err| Error::Manifest(format!("not UTF-8 text ({err})")))?;
        let manifest: Manifest = serde_saphyr::from_str_with_options(text, options(text.len()))
            .map_err(|err| Error::Manifest(err.to_string()))?;
        manifest.check()?;
        Ok(manifest)
    }

    /// The manifest as YAML, as it is stored.
    pub fn to_yaml(&self) -> Result<String> {
        serde_saphyr::to_string(self).map_err(|err| Error::Manifest(err.to_string()))
    }

    /// The total payload size in bytes.
    pub fn total_size(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }

    fn check(&self) -> Result<()> {
        let bad = |message: String| Err(Error::Manifest(message));
        if self.api_version != API_VERSION {
            return bad(format!(
                "`apiVersion` is `{}`; this korral reads `{API_VERSION}`",
                self.api_version
            ));
        }
        if self.kind != KIND {
            return bad(format!("`kind` is `{}`; expected `{KIND}`", self.kind));
        }
        if !self.hashes.contains(&HashAlgorithm::Sha256) {
            return bad("`hashes` must include sha256".into());
        }
        let mut seen = HashSet::new();
        for (index, entry) in self.entries.iter().enumerate() {
            let at = format!("`entries[{index}]` (`{}`)", entry.path);
            if let Err(reason) = check_path(&entry.path) {
                return bad(format!("{at}: {reason}"));
            }
            if entry.path == MANIFEST || entry.path == SIGNATURE {
                return bad(format!("{at}: the name is reserved for the manifest"));
            }
            if !seen.insert(entry.path.as_str()) {
                return bad(format!("{at}: listed twice"));
            }
            match u32::from_str_radix(&entry.mode, 8) {
                Ok(mode) if mode <= 0o777 => {}
                _ => {
                    return bad(format!(
                        "{at}: `mode` must be octal permission bits up to 0777 (no setuid, setgid or sticky)"
                    ));
                }
            }
            match entry.entry_type {
                EntryType::File => {
                    for algorithm in &self.hashes {
                        let want = if *algorithm == HashAlgorithm::Sha512 {
                            128
                        } else {
                            64
                        };
                        match entry.digests.get(*algorithm) {
                            Some(d)
                                if d.len() == want
                                    && d.bytes().all(|b| {
                                        b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
                                    }) => {}
                            Some(_) => {
                                return bad(format!(
                                    "{at}: `{algorithm}` must be {want} lowercase hex digits"
                                ));
                            }
                            None => return bad(format!("{at}: `{algorithm}` is missing")),
                        }
                    }
                }
                EntryType::Directory => {
                    if entry.size != 0 || entry.target.is_some() {
                        return bad(format!("{at}: a directory has size 0 and no `target`"));
                    }
                }
                EntryType::Symlink => {
                    let Some(target) = &entry.target else {
                        return bad(format!("{at}: a symlink needs `target`"));
                    };
                    if let Err(reason) = check_link_target(&entry.path, target) {
                        return bad(format!("{at}: {reason}"));
                    }
                }
            }
        }
        let tree = self
            .entries
            .iter()
            .map(|e| (e.path.as_str(), e.target.as_deref()));
        crate::links::check_tree(tree)
            .map_err(|(path, reason)| Error::Manifest(format!("`entries` (`{path}`): {reason}")))
    }
}

/// The parser's budget, sized from the manifest's own length rather than a fixed node
/// count (the default 250,000 nodes refused korral's own 25,000-entry bundles). Every
/// node takes at least a byte of text once aliases are refused, so the length bounds
/// the work; the text itself is capped at [`MAX_MANIFEST`]. korral never writes anchors
/// or aliases, and an alias is how a small YAML text expands into a huge one.
fn options(len: usize) -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: len + 1024,
            max_events: 2 * len + 1024,
            max_aliases: 0,
            max_anchors: 0,
        },
    }
}

/// A bundle's name or version becomes a file name (`NAME-VERSION.tar.zst`) and is shown
/// on terminals: one plain component, printable.
pub(crate) fn check_component(field: &str, value: &str) -> Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "`{field}` {why}; use letters, digits, `.`, `-`, `_` or `+` (like `edge` or `1.4.0`)"
        ))
    };
    if value.trim().is_empty() {
        return bad("is empty");
    }
    if value == "." || value == ".." {
        return bad("is `.` or `..`");
    }
    if value.contains(['/', '\\']) {
        return bad("holds a `/` or `\\`, so it is not a file name");
    }
    if value.chars().any(char::is_control) {
        return bad("holds control characters");
    }
    if value.starts_with('-') {
        return bad("starts with `-`");
    }
    Ok(())
}

/// A safe relative path: not empty, not absolute, no `.`/`..`/empty components, no NUL
/// or backslash.
pub(crate) fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".into());
    }
    if path.starts_with('/') {
        return Err("the path is absolute".into());
    }
    if path.contains('\0') || path.contains('\\') {
        return Err("the path holds a NUL or backslash".into());
    }
    for part in path.split('/') {
        match part {
            ".." => return Err("the path climbs out with `..`".into()),
            "" | "." => return Err("the path has an empty or `.` component".into()),
            _ => {}
        }
    }
    Ok(())
}

/// A symlink target must stay inside the bundle once resolved from the link's folder.
pub(crate) fn check_link_target(path: &str, target: &str) -> Result<(), String> {
    if target.is_empty() {
        return Err("the symlink target is empty".into());
    }
    if target.starts_with('/') {
        return Err(format!(
            "the symlink points to the absolute path `{target}`"
        ));
    }
    let mut depth: Vec<&str> = path.split('/').collect();
    depth.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if depth.pop().is_none() {
                    return Err(format!(
                        "the symlink points to `{target}`, outside the bundle"
                    ));
                }
            }
            other => depth.push(other),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            api_version: API_VERSION.into(),
            kind: KIND.into(),
            metadata: Metadata {
                name: "site".into(),
                version: "1.0.0".into(),
                created: "2026-01-01T00:00:00Z".into(),
                creator: "ops".into(),
                korral_version: "0.1.0".into(),
            },
            hashes: vec![HashAlgorithm::Sha256],
            entries: vec![
                Entry {
                    path: "bin/k3s".into(),
                    entry_type: EntryType::File,
                    size: 3,
                    mode: "0755".into(),
                    target: None,
                    digests: Digests {
                        sha256: Some(crate::digest::sha256(b"abc")),
                        ..Digests::default()
                    },
                },
                Entry {
                    path: "bin/latest".into(),
                    entry_type: EntryType::Symlink,
                    size: 0,
                    mode: "0777".into(),
                    target: Some("k3s".into()),
                    digests: Digests::default(),
                },
            ],
        }
    }

    #[test]
    fn round_trips_through_yaml() {
        let manifest = sample();
        let yaml = manifest.to_yaml().unwrap();
        assert!(yaml.contains("apiVersion: bundle.korral.dev/v1"), "{yaml}");
        assert_eq!(Manifest::parse(yaml.as_bytes()).unwrap(), manifest);
    }

    #[test]
    fn refuses_unsafe_paths_and_targets() {
        for path in ["../x", "/etc/passwd", "a/../../b", "a//b", "./a", ""] {
            let mut manifest = sample();
            manifest.entries[0].path = path.into();
            let yaml = manifest.to_yaml().unwrap();
            assert!(Manifest::parse(yaml.as_bytes()).is_err(), "{path}");
        }
        for target in ["/etc", "../../x", "../.."] {
            let mut manifest = sample();
            manifest.entries[1].target = Some(target.into());
            let yaml = manifest.to_yaml().unwrap();
            assert!(Manifest::parse(yaml.as_bytes()).is_err(), "{target}");
        }
        assert!(check_link_target("a/b/c", "../d").is_ok());
        assert!(check_link_target("a/b", "../../d").is_err());
    }

    #[test]
    fn names_the_bad_field() {
        let mut manifest = sample();
        manifest.entries[0].mode = "4755".into();
        let err = Manifest::parse(manifest.to_yaml().unwrap().as_bytes()).unwrap_err();
        assert!(err.to_string().contains("entries[0]"), "{err}");
        let err = Manifest::parse(b"apiVersion: x\nkind: Bundle\n").unwrap_err();
        assert!(err.to_string().contains("korral-bundle.yaml"), "{err}");
    }

    #[test]
    fn a_directory_has_no_size_and_no_target() {
        let mut manifest = sample();
        manifest.entries.push(Entry {
            path: "cache".into(),
            entry_type: EntryType::Directory,
            size: 0,
            mode: "0755".into(),
            target: None,
            digests: Digests::default(),
        });
        let yaml = manifest.to_yaml().unwrap();
        assert!(yaml.contains("type: directory"), "{yaml}");
        assert_eq!(Manifest::parse(yaml.as_bytes()).unwrap(), manifest);
        let last = manifest.entries.len() - 1;
        manifest.entries[last].size = 10;
        let err = Manifest::parse(manifest.to_yaml().unwrap().as_bytes()).unwrap_err();
        assert!(err.to_string().contains("a directory has size 0"), "{err}");
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::{check_link_target, check_path};

    proptest! {
        /// A path that passes never escapes: no component is `..`, `.` or empty, and it
        /// is relative.
        #[test]
        fn accepted_paths_stay_inside(path in "[a-z./]{0,12}") {
            if check_path(&path).is_ok() {
                prop_assert!(!path.starts_with('/'));
                prop_assert!(path.split('/').all(|p| !p.is_empty() && p != "." && p != ".."));
            }
        }

        /// A link target that passes resolves, lexically, inside the bundle.
        #[test]
        fn accepted_link_targets_resolve_inside(
            path in "[a-c]{1,2}(/[a-c]{1,2}){0,3}",
            target in "(\\.\\.|[a-c]|\\.)(/(\\.\\.|[a-c]|\\.)){0,5}",
        ) {
            if check_link_target(&path, &target).is_ok() {
                let mut depth: i32 = path.split('/').count() as i32 - 1;
                for part in target.split('/') {
                    match part {
                        ".." => depth -= 1,
                        "." | "" => {}
                        _ => depth += 1,
                    }
                    prop_assert!(depth >= 0, "{path} -> {target}");
                }
            }
        }
    }
}
