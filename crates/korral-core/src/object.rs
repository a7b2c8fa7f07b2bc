use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;

use crate::key::{ApiVersion, ObjectKey};
use crate::object_set::FileId;

/// One Kubernetes object: its type, parsed metadata, where it came from, and the rest of
/// it as JSON text.
#[derive(Clone)]
pub struct Object {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) metadata: Metadata,
    pub(crate) source: Source,
    pub(crate) raw: RawJson,
}

impl Object {
    /// An object built from JSON text, as a watch event or an API response delivers it.
    /// Used by live sources and tests; files go through [`crate::Loader`].
    pub fn from_json(json: &str, source: Source) -> Result<Self, serde_json::Error> {
        let buf = Arc::new(json.trim().to_owned());
        let head: crate::load::Head<'_> = serde_json::from_str(&buf)?;
        let raw = RawJson::new(Arc::clone(&buf), 0, buf.len());
        head.into_object(raw, source, None)
            .map_err(<serde_json::Error as serde::de::Error>::custom)
    }

    /// `apiVersion`, as written (`apps/v1`).
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The API group (empty for the core group).
    pub fn group(&self) -> &str {
        ApiVersion::parse(&self.api_version).group
    }

    /// `kind` (`Deployment`).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The namespace the object lives in; `None` when cluster-scoped. A namespaced object
    /// written without one (as manifests often are) is in `default`, as kubectl would
    /// create it.
    pub fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }

    /// The parsed metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// Labels (`metadata.labels`).
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.metadata.labels
    }

    /// Where the object was read from.
    pub fn source(&self) -> Source {
        self.source
    }

    /// The whole object as JSON text.
    pub fn raw(&self) -> &RawJson {
        &self.raw
    }

    /// The object's identity. Allocates; hot paths compare the accessors instead.
    pub fn key(&self) -> ObjectKey {
        ObjectKey::new(self.group(), &self.kind, self.namespace(), self.name())
    }

    /// Annotations, parsed from the JSON text on demand (they are large, and few
    /// consumers need them).
    pub fn annotations(&self) -> BTreeMap<String, String> {
        #[derive(Deserialize)]
        struct Wrapper {
            #[serde(default)]
            metadata: Annotations,
        }
        #[derive(Deserialize, Default)]
        struct Annotations {
            #[serde(default)]
            annotations: Option<BTreeMap<String, String>>,
        }
        self.raw
            .parse::<Wrapper>()
            .ok()
            .and_then(|w| w.metadata.annotations)
            .unwrap_or_default()
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Object")
            .field("api_version", &self.api_version)
            .field("kind", &self.kind)
            .field("metadata", &self.metadata)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// The metadata every consumer needs, parsed when the object is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `metadata.name` (or `metadata.generateName` when the object has no name yet).
    pub name: String,
    /// The effective namespace: `None` for cluster-scoped objects, `default` for a
    /// namespaced object written without one.
    pub namespace: Option<String>,
    /// `metadata.uid`, present on objects read from a cluster, absent in manifests.
    pub uid: Option<String>,
    /// `metadata.resourceVersion`.
    pub resource_version: Option<String>,
    /// `metadata.creationTimestamp`, as RFC 3339 text.
    pub creation_timestamp: Option<String>,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `metadata.ownerReferences`.
    pub owner_references: Vec<OwnerReference>,
}

/// One entry of `metadata.ownerReferences`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    /// The owner's `apiVersion`.
    #[serde(default)]
    pub api_version: String,
    /// The owner's kind.
    #[serde(default)]
    pub kind: String,
    /// The owner's name.
    #[serde(default)]
    pub name: String,
    /// The owner's uid; manifests may leave it out.
    #[serde(default)]
    pub uid: Option<String>,
    /// Whether the owner is the managing controller.
    #[serde(default)]
    pub controller: Option<bool>,
}

/// Where an object was read from: a file of the [`crate::ObjectSet`] and a 1-based line.
/// The default (file 0, line 0) stands for "no file": a live object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Source {
    /// The file, an index into the set's file list.
    pub file: FileId,
    /// 1-based line of the object's first key; 0 when unknown (live objects).
    pub line: u32,
}

/// An object's full JSON text, kept as a range of a shared buffer so that a dump costs
/// its own size once, whatever the number of objects.
#[derive(Clone)]
pub struct RawJson {
    // `Arc<String>`, not `Arc<str>`: a file read into a `String` is shared as it is,
    // without copying hundreds of megabytes into a new allocation.
    buf: Arc<String>,
    start: usize,
    end: usize,
}

impl RawJson {
    pub(crate) fn new(buf: Arc<String>, start: usize, end: usize) -> Self {
        debug_assert!(buf.is_char_boundary(start) && buf.is_char_boundary(end));
        Self { buf, start, end }
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.buf[self.start..self.end]
    }

    /// Deserializes the text into `T`, which should name only the fields it needs:
    /// serde skips the rest without allocating.
    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> serde_json::Result<T> {
        serde_json::from_str(self.as_str())
    }

    /// The whole object as a generic JSON tree. Costly: prefer [`RawJson::parse`].
    pub fn to_value(&self) -> serde_json::Value {
        // The text was validated as JSON when it was read.
        serde_json::from_str(self.as_str()).unwrap_or(serde_json::Value::Null)
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({} bytes)", self.end - self.start)
    }
}
