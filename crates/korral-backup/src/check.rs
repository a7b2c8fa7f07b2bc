//! Reading a backup's layout back: which object a path holds, and whether every file of
//! an extracted backup is what its path says (`korral backup verify`, `inspect`).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::Serialize;

use crate::backup::{ENCRYPTED_SUFFIX, Summary, type_name};
use crate::error::{Error, Result};
use crate::layout::{CLUSTER_SCOPED, CORE_GROUP, RESOURCES, SUMMARY, safe_part};

/// The object a file of a backup holds, read from its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectFile {
    /// The API group; empty for the core group.
    pub group: String,
    pub kind: String,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    pub name: String,
    /// An OpenPGP message (`<name>.yaml.asc`) rather than YAML.
    pub encrypted: bool,
}

impl ObjectFile {
    /// Reads `resources/<group>/<kind>/<namespace>/<name>.yaml[.asc]` (`/`-separated,
    /// as a bundle's manifest names entries); `None` for any other path.
    pub fn parse(path: &str) -> Option<Self> {
        let mut parts = path.split('/');
        let (Some(RESOURCES), Some(group), Some(kind), Some(namespace), Some(file), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let (name, encrypted) = match file.strip_suffix(ENCRYPTED_SUFFIX) {
            Some(plain) => (plain.strip_suffix(".yaml")?, true),
            None => (file.strip_suffix(".yaml")?, false),
        };
        [group, kind, namespace, name]
            .iter()
            .all(|p| safe_part(p))
            .then(|| Self {
                group: if group == CORE_GROUP {
                    String::new()
                } else {
                    group.to_owned()
                },
                kind: kind.to_owned(),
                namespace: (namespace != CLUSTER_SCOPED).then(|| namespace.to_owned()),
                name: name.to_owned(),
                encrypted,
            })
    }

    /// Whether `data` is the object this path names: YAML of an object with that kind,
    /// group, namespace and name; or, encrypted, an ASCII-armoured OpenPGP message
    /// (which cannot be read without the key).
    pub fn check(&self, data: &[u8]) -> Result<(), String> {
        if self.encrypted {
            return if data
                .trim_ascii_start()
                .starts_with(b"-----BEGIN PGP MESSAGE-----")
            {
                Ok(())
            } else {
                Err("is not an ASCII-armoured OpenPGP message".to_owned())
            };
        }
        let text = std::str::from_utf8(data).map_err(|_| "is not UTF-8 text".to_owned())?;
        let value: serde_json::Value =
            serde_saphyr::from_str(text).map_err(|err| format!("is not YAML: {err}"))?;
        let field = |pointer: &str| value.pointer(pointer).and_then(serde_json::Value::as_str);
        let api_version = field("/apiVersion").ok_or("has no `apiVersion`")?;
        let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
        let kind = field("/kind").ok_or("has no `kind`")?;
        let name = field("/metadata/name").ok_or("has no `metadata.name`")?;
        let namespace = field("/metadata/namespace").filter(|n| !n.is_empty());
        if group != self.group || kind != self.kind {
            return Err(format!(
                "holds a `{}`, not the `{}` its path says",
                type_name(group, kind),
                type_name(&self.group, &self.kind)
            ));
        }
        if name != self.name || namespace != self.namespace.as_deref() {
            return Err(format!(
                "holds `{}{name}`, not the object its path names",
                namespace.map(|n| format!("{n}/")).unwrap_or_default()
            ));
        }
        Ok(())
    }
}

/// What a backup holds per namespace (`_cluster` for cluster-scoped objects) and kind
/// ([`type_name`]), from its entries' paths.
pub fn contents<'a>(paths: impl IntoIterator<Item = &'a str>) -> BTreeMap<(String, String), u64> {
    let mut counts = BTreeMap::new();
    for object in paths.into_iter().filter_map(ObjectFile::parse) {
        let namespace = object
            .namespace
            .unwrap_or_else(|| CLUSTER_SCOPED.to_owned());
        *counts
            .entry((namespace, type_name(&object.group, &object.kind)))
            .or_insert(0) += 1;
    }
    counts
}

/// What [`check_folder`] found.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Checked {
    /// Object files that are what their path says.
    pub objects: u64,
    /// Of those, encrypted Secrets (checked as OpenPGP messages only).
    pub encrypted: u64,
    /// Each problem, naming its file.
    pub problems: Vec<String>,
}

/// Checks every file of an extracted backup in `root`: the summary parses, every file
/// under `resources/` is the object its path says, and nothing else is there (beside
/// the bundle's manifest and signature).
pub fn check_folder(root: &Path) -> Result<Checked> {
    let mut checked = Checked::default();
    match fs::read(root.join(SUMMARY)) {
        Ok(data) => {
            let text = String::from_utf8_lossy(&data);
            if let Err(err) = serde_saphyr::from_str::<Summary>(&text) {
                checked
                    .problems
                    .push(format!("`{SUMMARY}` is not a backup summary: {err}"));
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            checked.problems.push(format!(
                "`{SUMMARY}` is missing: this is not a korral backup"
            ));
        }
        Err(err) => return Err(Error::io(root.join(SUMMARY), err)),
    }
    let entries = fs::read_dir(root).map_err(|err| Error::io(root, err))?;
    for entry in entries {
        let entry = entry.map_err(|err| Error::io(root, err))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if ![
            SUMMARY,
            RESOURCES,
            korral_bundle::MANIFEST,
            korral_bundle::SIGNATURE,
        ]
        .contains(&name.as_str())
        {
            checked
                .problems
                .push(format!("`{name}` is not part of a backup"));
        }
    }
    walk(root, RESOURCES, &mut checked)?;
    Ok(checked)
}

fn walk(root: &Path, relative: &str, checked: &mut Checked) -> Result<()> {
    let dir = root.join(relative);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(Error::io(&dir, err)),
    };
    let mut names: Vec<(String, fs::FileType)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| Error::io(&dir, err))?;
        let kind = entry
            .file_type()
            .map_err(|err| Error::io(entry.path(), err))?;
        names.push((entry.file_name().to_string_lossy().into_owned(), kind));
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in names {
        let path = format!("{relative}/{name}");
        if kind.is_dir() {
            walk(root, &path, checked)?;
        } else if !kind.is_file() {
            checked
                .problems
                .push(format!("`{path}`: not a regular file"));
        } else {
            let Some(object) = ObjectFile::parse(&path) else {
                checked.problems.push(format!(
                    "`{path}`: not where the backup layout puts objects (`{RESOURCES}/<group>/<kind>/<namespace>/<name>.yaml`)"
                ));
                continue;
            };
            let data =
                fs::read(root.join(&path)).map_err(|err| Error::io(root.join(&path), err))?;
            match object.check(&data) {
                Ok(()) => {
                    checked.objects += 1;
                    checked.encrypted += u64::from(object.encrypted);
                }
                Err(problem) => checked.problems.push(format!("`{path}` {problem}")),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_back_as_the_objects_they_name() {
        let file = ObjectFile::parse("resources/apps/Deployment/shop/web.yaml").unwrap();
        assert_eq!(file.group, "apps");
        assert_eq!(file.namespace.as_deref(), Some("shop"));
        assert!(!file.encrypted);
        let secret = ObjectFile::parse("resources/core/Secret/shop/db.yaml.asc").unwrap();
        assert_eq!(secret.group, "");
        assert!(secret.encrypted);
        let namespace = ObjectFile::parse("resources/core/Namespace/_cluster/shop.yaml").unwrap();
        assert_eq!(namespace.namespace, None);
        for other in [
            "summary.yaml",
            "resources/core/x.yaml",
            "resources/core/A/b/c.txt",
            "resources/core/A/../c.yaml",
        ] {
            assert_eq!(ObjectFile::parse(other), None, "{other}");
        }
    }

    #[test]
    fn an_object_must_be_what_its_path_says() {
        let file = ObjectFile::parse("resources/apps/Deployment/shop/web.yaml").unwrap();
        let good =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n";
        assert_eq!(file.check(good.as_bytes()), Ok(()));
        let other = good.replace("name: web", "name: api");
        assert!(
            file.check(other.as_bytes())
                .unwrap_err()
                .contains("shop/api")
        );
        let kind = good.replace("kind: Deployment", "kind: StatefulSet");
        assert!(
            file.check(kind.as_bytes())
                .unwrap_err()
                .contains("StatefulSet.apps")
        );
        assert!(file.check(b"kind: [").is_err());
        assert!(file.check(b"just text").is_err());
    }

    #[test]
    fn contents_count_per_namespace_and_kind() {
        let counts = contents([
            "resources/core/ConfigMap/shop/a.yaml",
            "resources/core/ConfigMap/shop/b.yaml",
            "resources/core/Secret/shop/s.yaml.asc",
            "resources/core/Namespace/_cluster/shop.yaml",
            "summary.yaml",
        ]);
        let list: Vec<(&str, &str, u64)> = counts
            .iter()
            .map(|((ns, kind), n)| (ns.as_str(), kind.as_str(), *n))
            .collect();
        assert_eq!(
            list,
            [
                ("_cluster", "Namespace", 1),
                ("shop", "ConfigMap", 2),
                ("shop", "Secret", 1)
            ]
        );
    }
}
