use std::fmt;

use serde_json::Value;

/// One object to apply, with where it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The object as written (apiVersion, kind, metadata, …).
    pub object: Value,
    /// Where it came from (`deploy/web.yaml:12`), for messages.
    pub source: String,
}

impl Manifest {
    /// A manifest read from `source`.
    pub fn new(object: Value, source: impl Into<String>) -> Self {
        Self {
            object,
            source: source.into(),
        }
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        str_at(&self.object, "/apiVersion")
    }

    /// The API group (empty for the core group).
    pub fn group(&self) -> &str {
        group_of(self.api_version())
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        str_at(&self.object, "/kind")
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        str_at(&self.object, "/metadata/name")
    }

    /// `metadata.namespace`, when set.
    pub fn namespace(&self) -> Option<&str> {
        self.object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|ns| !ns.is_empty())
    }

    /// The group and kind as applysets name them: `Deployment.apps`, `ConfigMap`.
    pub fn group_kind(&self) -> String {
        group_kind(self.group(), self.kind())
    }

    /// The object's identity, for messages and matching.
    pub fn id(&self) -> ObjectId {
        ObjectId {
            group: self.group().to_owned(),
            kind: self.kind().to_owned(),
            namespace: self.namespace().unwrap_or_default().to_owned(),
            name: self.name().to_owned(),
        }
    }

    /// An annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.object
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
    }
}

/// An object's group, kind, namespace and name: what makes it the same object across
/// apiVersions and revisions.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ObjectId {
    /// API group; empty for core.
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace; empty when cluster-scoped.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjectId {
    /// The id of an object read from the server.
    pub fn of(object: &Value) -> Self {
        Self {
            group: group_of(str_at(object, "/apiVersion")).to_owned(),
            kind: str_at(object, "/kind").to_owned(),
            namespace: str_at(object, "/metadata/namespace").to_owned(),
            name: str_at(object, "/metadata/name").to_owned(),
        }
    }

    /// `Deployment.apps`.
    pub fn group_kind(&self) -> String {
        group_kind(&self.group, &self.kind)
    }
}

impl fmt::Display for ObjectId {
    /// `Deployment shop/web`, `Namespace shop`: terminal-safe.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use korral_core::terminal::escape;
        write!(f, "{} ", escape(&self.kind))?;
        if !self.namespace.is_empty() {
            write!(f, "{}/", escape(&self.namespace))?;
        }
        write!(f, "{}", escape(&self.name))
    }
}

pub(crate) fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn group_of(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

/// `Kind.group`, or `Kind` for the core group, as Kubernetes' `GroupKind.String()`.
pub fn group_kind(group: &str, kind: &str) -> String {
    if group.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}.{group}")
    }
}
