//! Reading files, folders and standard input into an [`ObjectSet`].
//!
//! JSON is read in two cheap passes: the first splits a document (or a `kind: List`)
//! into raw object texts while checking the syntax, the second parses each object's
//! metadata and skips the rest. No generic tree is built. YAML documents are parsed
//! with serde-saphyr, then kept as compact JSON text like everything else.

mod glob;
mod json;
mod yaml;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use self::glob::Glob;
use crate::error::{Error, Result};
use crate::object::{Metadata, Object, OwnerReference, RawJson, Source};
use crate::object_set::{FileId, ObjectSet, Warning};

/// The name standard input goes by in messages.
const STDIN_NAME: &str = "<stdin>";

/// Reads paths into an [`ObjectSet`].
///
/// A path is a YAML or JSON file, a folder (walked recursively for `.yaml`, `.yml` and
/// `.json` files, in name order, hidden entries skipped), or `-` for standard input.
/// Documents may be single objects, multi-document YAML, or lists (`kind: List` as
/// `kubectl get -o yaml|json` prints them, and typed lists like `PodList`).
///
/// Files that are not manifests but sit beside them are recognised and skipped with a
/// [`Warning::Skipped`] that says what they are: `kustomization.yaml` (read it with
/// `kubectl kustomize`), Helm's `Chart.yaml`, `Chart.lock` and `values*.yaml`; and a
/// folder that is a Helm chart (`Chart.yaml` beside `templates/`) is not read at all:
/// its templates are Go templates, not YAML.
#[derive(Debug, Default)]
pub struct Loader {
    inputs: Vec<Input>,
    skip_malformed: bool,
    namespace: Option<String>,
    exclude: Vec<Glob>,
}

/// One thing to read, in the order given.
#[derive(Debug)]
enum Input {
    Path(PathBuf),
    /// Text that arrived by other means (a tool's output), under a name for messages.
    Text {
        name: String,
        text: String,
    },
}

impl Loader {
    /// A loader with no paths yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a path (`-` is standard input).
    #[must_use]
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.inputs.push(Input::Path(path.into()));
        self
    }

    /// Adds a text read by other means (what `kubectl kustomize` or `helm template`
    /// printed), named `name` in positions and messages.
    #[must_use]
    pub fn text(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.inputs.push(Input::Text {
            name: name.into(),
            text: text.into(),
        });
        self
    }

    /// Leaves out the files and folders under a folder path whose path relative to that
    /// folder matches `pattern` (`*`, `?`, `**`; a pattern without `/` matches any one
    /// component, as in `.gitignore`). Paths named directly are always read.
    #[must_use]
    pub fn exclude(mut self, pattern: &str) -> Self {
        self.exclude.push(Glob::new(pattern));
        self
    }

    /// Adds several paths.
    #[must_use]
    pub fn paths<P: Into<PathBuf>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        self.inputs
            .extend(paths.into_iter().map(|p| Input::Path(p.into())));
        self
    }

    /// Skips malformed documents instead of failing: a YAML document with bad syntax or
    /// a duplicate key, or a document that is not a Kubernetes object, becomes a
    /// [`Warning::Malformed`] naming its file, line and column, and the other documents
    /// of its file are read. A JSON text with bad syntax cannot be split safely, so it
    /// is skipped whole. Missing paths and empty folders still fail the load.
    ///
    /// For readers that report on what they can read (`korral audit`) and say what they
    /// could not; by default any malformed document fails the whole load.
    #[must_use]
    pub fn skip_malformed(mut self) -> Self {
        self.skip_malformed = true;
        self
    }

    /// Places namespaced objects that name no namespace in `namespace` instead of
    /// `default`, as `kubectl apply -n NAMESPACE -f` does. Objects that name one keep it.
    #[must_use]
    pub fn default_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Reads every path. Unless [`Loader::skip_malformed`] is set, any malformed
    /// document fails the whole load, so no caller sees part of an input.
    pub fn load(&self) -> Result<ObjectSet> {
        let mut reader = self.reader();
        for input in &self.inputs {
            let path = match input {
                Input::Path(path) => path,
                Input::Text { name, text } => {
                    reader.text(name.clone(), text.clone(), Strictness::Explicit)?;
                    continue;
                }
            };
            if path.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|source| Error::Io {
                        path: path.clone(),
                        source,
                    })?;
                reader.text(STDIN_NAME.to_owned(), text, Strictness::Explicit)?;
            } else if path.is_dir() {
                let mut walker = Walker {
                    exclude: &self.exclude,
                    files: Vec::new(),
                    skipped: Vec::new(),
                    excluded: 0,
                };
                walker.walk(path, &mut Vec::new())?;
                if walker.files.is_empty() && walker.skipped.is_empty() {
                    return Err(if walker.excluded > 0 {
                        Error::AllExcluded(path.clone())
                    } else {
                        Error::EmptyFolder(path.clone())
                    });
                }
                reader.warnings.append(&mut walker.skipped);
                for file in walker.files {
                    reader.file(&file, Strictness::InFolder)?;
                }
            } else if let Some(reason) = not_manifests(path) {
                reader.warnings.push(Warning::Skipped {
                    at: path.display().to_string(),
                    reason,
                });
            } else {
                reader.file(path, Strictness::Explicit)?;
            }
        }
        Ok(reader.finish())
    }

    /// Reads one text as if it were a file named `name`; for tests and for input that
    /// arrives by other means than a path.
    pub fn load_str(name: &str, text: &str) -> Result<ObjectSet> {
        Self::new().read_str(name, text)
    }

    /// Like [`Loader::load_str`], with this loader's settings.
    pub fn read_str(&self, name: &str, text: &str) -> Result<ObjectSet> {
        let mut reader = self.reader();
        reader.text(name.to_owned(), text.to_owned(), Strictness::Explicit)?;
        Ok(reader.finish())
    }

    fn reader(&self) -> Reader {
        Reader {
            skip_malformed: self.skip_malformed,
            namespace: self.namespace.clone(),
            ..Reader::default()
        }
    }
}

/// How to treat a document that parses but is not a Kubernetes object (a Helm
/// `values.yaml`, a `kustomization.yaml`): an error in a file the user named, a skipped
/// document with a warning in a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strictness {
    Explicit,
    InFolder,
}

#[derive(Default)]
struct Reader {
    files: Vec<String>,
    objects: Vec<Object>,
    warnings: Vec<Warning>,
    skip_malformed: bool,
    namespace: Option<String>,
}

impl Reader {
    fn file(&mut self, path: &Path, strictness: Strictness) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        self.text(path.display().to_string(), text, strictness)
    }

    fn text(&mut self, name: String, mut text: String, strictness: Strictness) -> Result<()> {
        if text.starts_with('\u{feff}') {
            text.drain(..3);
        }
        let file = FileId(self.files.len() as u32);
        self.files.push(name);
        let mut sink = Sink {
            file,
            name: self.files.last().map_or("", String::as_str),
            strictness,
            skip_malformed: self.skip_malformed,
            converted: false,
            objects: &mut self.objects,
            warnings: &mut self.warnings,
        };
        let first = text.trim_start().as_bytes().first().copied();
        if !matches!(first, Some(b'{' | b'[')) {
            sink.converted = true;
            return yaml::read(&text, &mut sink);
        }
        let (objects, warnings) = (sink.objects.len(), sink.warnings.len());
        let text = Arc::new(text);
        match json::read(&text, &mut sink) {
            // A YAML flow mapping (`{apiVersion: v1, …}`) starts like JSON too: when
            // JSON fails on a file not named .json, YAML gets its turn, and its error
            // is the one shown if it fails as well.
            Err(json_error)
                if !Path::new(sink.name)
                    .extension()
                    .is_some_and(|ext| ext.eq_ignore_ascii_case("json")) =>
            {
                sink.objects.truncate(objects);
                sink.warnings.truncate(warnings);
                sink.converted = true;
                yaml::read(&text, &mut sink).map_err(|_| json_error)
            }
            Err(error) if sink.skip_malformed => {
                // JSON that does not parse cannot be split into objects safely: the
                // whole text is the broken document.
                sink.objects.truncate(objects);
                sink.warnings.truncate(warnings);
                sink.warnings.push(malformed(error));
                Ok(())
            }
            result => result,
        }
    }

    fn finish(self) -> ObjectSet {
        let namespace = self
            .namespace
            .as_deref()
            .unwrap_or(crate::object_set::DEFAULT_NAMESPACE);
        ObjectSet::from_objects_in(self.objects, self.files, self.warnings, namespace)
    }
}

/// Where the readers put what they find.
struct Sink<'a> {
    file: FileId,
    name: &'a str,
    strictness: Strictness,
    /// Whether a malformed document is a warning rather than an error.
    skip_malformed: bool,
    /// Whether object texts were converted from YAML (their positions are not the
    /// file's).
    converted: bool,
    objects: &'a mut Vec<Object>,
    warnings: &'a mut Vec<Warning>,
}

impl Sink<'_> {
    fn parse_error(&self, line: usize, column: usize, message: impl Into<String>) -> Error {
        Error::Parse {
            file: self.name.to_owned(),
            line,
            column,
            message: message.into(),
        }
    }

    /// Fails the load with `error`, or records it and goes on when malformed documents
    /// are skipped.
    fn malformed(&mut self, error: Error) -> Result<()> {
        if self.skip_malformed {
            self.warnings.push(malformed(error));
            Ok(())
        } else {
            Err(error)
        }
    }

    /// Records a document that is not a Kubernetes object: an error or a warning,
    /// depending on how the file was named.
    fn not_an_object(&mut self, line: usize, reason: String) -> Result<()> {
        match self.strictness {
            Strictness::Explicit => {
                let error = self.parse_error(line, 1, reason);
                self.malformed(error)
            }
            Strictness::InFolder => {
                self.warnings.push(Warning::Skipped {
                    at: format!("{}:{line}", self.name),
                    reason,
                });
                Ok(())
            }
        }
    }

    /// Adds an object from its JSON text, or says why it is not one.
    fn object(
        &mut self,
        raw: &RawJson,
        line: usize,
        list_type: Option<(&str, &str)>,
    ) -> Result<()> {
        let head = match raw.parse::<Head<'_>>() {
            Ok(head) => head,
            Err(err) => {
                // Only the error path pays for finding the field's path.
                let mut json = serde_json::Deserializer::from_str(raw.as_str());
                let path = serde_path_to_error::deserialize::<_, Head<'_>>(&mut json)
                    .err()
                    .map(|e| e.path().to_string())
                    .filter(|p| p != ".");
                let message = match path {
                    Some(path) => format!("`{path}`: {}", describe_json_error(&err)),
                    None => describe_json_error(&err),
                };
                // Positions inside JSON converted from YAML mean nothing to the user:
                // point at the object instead.
                let (l, c) = if self.converted {
                    (line, 1)
                } else {
                    shift(line, err.line(), err.column())
                };
                let error = self.parse_error(l, c, message);
                return self.malformed(error);
            }
        };
        let source = Source {
            file: self.file,
            line: u32::try_from(line).unwrap_or(u32::MAX),
        };
        match head.into_object(raw.clone(), source, list_type) {
            Ok(object) => {
                self.objects.push(object);
                Ok(())
            }
            Err(reason) => self.not_an_object(line, reason),
        }
    }
}

/// The warning for a document skipped by [`Loader::skip_malformed`].
fn malformed(error: Error) -> Warning {
    match error {
        Error::Parse {
            file,
            line,
            column,
            message,
        } => Warning::Malformed {
            at: format!("{file}:{line}:{column}"),
            reason: message,
        },
        other => Warning::Malformed {
            at: String::new(),
            reason: other.to_string(),
        },
    }
}

/// Moves a position reported inside an object's text to the file's coordinates, given
/// the line the object starts on. Columns on the first line are not shifted: objects in
/// dumps start at the beginning of their line's content, and the line is what matters.
fn shift(start_line: usize, line: usize, column: usize) -> (usize, usize) {
    (start_line + line.saturating_sub(1), column.max(1))
}

/// serde_json's message without its own "at line X column Y" suffix (korral prints the
/// position in front).
fn describe_json_error(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let text = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => &text,
    };
    crate::error::plain_parse_message(text)
}

/// What korral reads eagerly from every object: type, metadata, and for lists their
/// items as raw text.
#[derive(Deserialize)]
pub(crate) struct Head<'a> {
    #[serde(rename = "apiVersion", borrow, default)]
    api_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    metadata: Option<MapOnly<MetaIn<'a>>>,
    #[serde(borrow, default)]
    items: Option<json::Items<'a>>,
}

/// A struct read from a mapping only: serde's derive also accepts a sequence of the
/// fields in order, which would read `metadata: [web]` as an object named `web`.
struct MapOnly<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MapOnly<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = MapOnly<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(MapOnly)
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetaIn<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    generate_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    uid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    resource_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    creation_timestamp: Option<Cow<'a, str>>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    owner_references: Option<Vec<OwnerReference>>,
}

impl Head<'_> {
    /// The items, when this document is a list of objects (`kind: List`, `PodList`).
    fn list_items(&self) -> Option<&[&RawValue]> {
        match (&self.items, self.kind.as_deref()) {
            (Some(json::Items::Array(items)), Some(kind)) if kind.ends_with("List") => Some(items),
            _ => None,
        }
    }

    /// The object, or why this document is not one. `list_type` is the enclosing typed
    /// list's apiVersion and item kind: the API server leaves both out of the items of a
    /// `PodList`.
    pub(crate) fn into_object(
        self,
        raw: RawJson,
        source: Source,
        list_type: Option<(&str, &str)>,
    ) -> std::result::Result<Object, String> {
        let api_version = match (self.api_version, list_type) {
            (Some(v), _) if !v.is_empty() => v.into_owned(),
            (_, Some((v, _))) if !v.is_empty() => v.to_owned(),
            _ => return Err("not a Kubernetes object: `apiVersion` is missing; add it (for example `apiVersion: v1`)".to_owned()),
        };
        let kind = match (self.kind, list_type) {
            (Some(k), _) if !k.is_empty() => k.into_owned(),
            (_, Some((_, k))) if !k.is_empty() => k.to_owned(),
            _ => return Err("not a Kubernetes object: `kind` is missing; add it (for example `kind: ConfigMap`)".to_owned()),
        };
        let Some(MapOnly(meta)) = self.metadata else {
            return Err(format!("`{kind}` has no `metadata`; add `metadata.name`"));
        };
        let name = match (meta.name, meta.generate_name) {
            (Some(name), _) if !name.is_empty() => name.into_owned(),
            (_, Some(prefix)) if !prefix.is_empty() => prefix.into_owned(),
            _ => {
                return Err(format!("`{kind}` has no `metadata.name`; add a name"));
            }
        };
        let metadata = Metadata {
            name,
            namespace: meta
                .namespace
                .filter(|ns| !ns.is_empty())
                .map(Cow::into_owned),
            uid: meta.uid.filter(|u| !u.is_empty()).map(Cow::into_owned),
            resource_version: meta.resource_version.map(Cow::into_owned),
            creation_timestamp: meta.creation_timestamp.map(Cow::into_owned),
            labels: meta.labels.unwrap_or_default(),
            owner_references: meta.owner_references.unwrap_or_default(),
        };
        Ok(Object {
            api_version,
            kind,
            metadata,
            source,
            raw,
        })
    }
}

/// What a file or folder is, when it sits among manifests but is not one: the reason
/// it is skipped.
fn not_manifests(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    if path.is_dir() {
        return (path.join("Chart.yaml").is_file() && path.join("templates").is_dir()).then(|| {
            format!(
                "a Helm chart: its templates are Go templates, not manifests; render it with `--helm {}`",
                path.display()
            )
        });
    }
    match name {
        "kustomization.yaml" | "kustomization.yml" | "Kustomization" => Some(format!(
            "a kustomization, not an object: the manifests beside it are read as they are, without its patches; read what it builds with `-k {}`",
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| ".".to_owned(), |p| p.display().to_string())
        )),
        "Chart.yaml" | "Chart.lock" => {
            Some("Helm chart metadata, not an object; render the chart with `--helm`".to_owned())
        }
        _ if (name.starts_with("values")
            && Path::new(name).extension().is_some_and(|ext| {
                ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml")
            }))
            || name == "values.schema.json" =>
        {
            Some(
                "Helm values, not an object; render the chart with `--helm CHART --values FILE`"
                    .to_owned(),
            )
        }
        _ => None,
    }
}

/// Collects the manifest files under a folder, sorted so that loads are deterministic.
struct Walker<'a> {
    exclude: &'a [Glob],
    files: Vec<PathBuf>,
    /// Charts, kustomizations and Helm files recognised and left out.
    skipped: Vec<Warning>,
    /// How many entries `--exclude` left out.
    excluded: usize,
}

impl Walker<'_> {
    /// Walks `dir`, whose components under the folder given are `relative`.
    fn walk(&mut self, dir: &Path, relative: &mut Vec<String>) -> Result<()> {
        let io = |source| Error::Io {
            path: dir.to_owned(),
            source,
        };
        if let Some(reason) = not_manifests(dir) {
            self.skipped.push(Warning::Skipped {
                at: dir.display().to_string(),
                reason,
            });
            return Ok(());
        }
        let mut entries = std::fs::read_dir(dir)
            .map_err(io)?
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(io)?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            relative.push(name.into_owned());
            let components: Vec<&str> = relative.iter().map(String::as_str).collect();
            let excluded = self.exclude.iter().any(|glob| glob.matches(&components));
            let path = entry.path();
            let file_type = entry.file_type().map_err(io)?;
            if excluded {
                self.excluded += 1;
            } else if file_type.is_dir() {
                // Symlinked folders are not followed: they can loop.
                self.walk(&path, relative)?;
            } else if path.is_file()
                && path
                    .extension()
                    .is_some_and(|ext| ext == "yaml" || ext == "yml" || ext == "json")
            {
                match not_manifests(&path) {
                    Some(reason) => self.skipped.push(Warning::Skipped {
                        at: path.display().to_string(),
                        reason,
                    }),
                    None => self.files.push(path),
                }
            }
            relative.pop();
        }
        Ok(())
    }
}
