use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;

use crate::key::{ApiVersion, ObjectKey, Scope, builtin_scope};
use crate::object::Object;

/// Where a namespaced object that names no namespace is placed, unless the set is read
/// for another namespace.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Index of a file in an [`ObjectSet`]'s file list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// Something the user should know about the input that does not stop the load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The same object appears twice; the later one is kept.
    Duplicate {
        /// The object's identity.
        key: ObjectKey,
        /// `file:line` of the copy that was dropped.
        first: String,
        /// `file:line` of the copy that was kept.
        second: String,
    },
    /// A document in a folder is not a Kubernetes object and was skipped.
    Skipped {
        /// `file:line` of the document.
        at: String,
        /// Why it is not an object.
        reason: String,
    },
    /// A malformed document (bad syntax, a duplicate key, not a Kubernetes object) that
    /// a loader told to [skip malformed documents](crate::Loader::skip_malformed) left
    /// out; the rest of its file was read.
    Malformed {
        /// `file:line:column` of the error.
        at: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Duplicate { key, first, second } => write!(
                f,
                "{key} is defined twice ({first} and {second}); the later one at {second} is used"
            ),
            Self::Skipped { at, reason } => write!(f, "{at}: skipped: {reason}"),
            Self::Malformed { at, reason } => {
                write!(f, "{at}: skipped a malformed document: {reason}")
            }
        }
    }
}

/// Kubernetes objects and where each came from: what every korral view reads.
///
/// Each object appears once (by [`ObjectKey`]); namespaces are normalised so that a
/// namespaced object written without one is in `default` (or the namespace the set was
/// read for, as `kubectl apply -n NS -f` places it) and a cluster-scoped one has none,
/// using the built-in kinds and the CustomResourceDefinitions in the set.
///
/// When two documents define the same object, the later one is the object
/// ([`ObjectSet::objects`]) and the earlier ones are kept as [shadowed
/// documents](ObjectSet::shadowed): a graph has one node per identity, but a reader that
/// judges documents where they stand (audit, status on files) sees every one.
#[derive(Debug, Clone, Default)]
pub struct ObjectSet {
    objects: Vec<Object>,
    shadowed: Vec<Object>,
    files: Vec<String>,
    warnings: Vec<Warning>,
}

impl ObjectSet {
    /// A set from objects read elsewhere (a live cluster, a test); `files` names the
    /// [`crate::FileId`]s their sources point at. Namespaced objects without a
    /// namespace are placed in `default`.
    pub fn from_objects(objects: Vec<Object>, files: Vec<String>, warnings: Vec<Warning>) -> Self {
        Self::from_objects_in(objects, files, warnings, DEFAULT_NAMESPACE)
    }

    /// Like [`ObjectSet::from_objects`], placing namespaced objects that name no
    /// namespace in `namespace` (what `kubectl apply -n NAMESPACE -f` does).
    pub fn from_objects_in(
        mut objects: Vec<Object>,
        files: Vec<String>,
        mut warnings: Vec<Warning>,
        namespace: &str,
    ) -> Self {
        let crd_scopes = crd_scopes(&objects);
        for object in &mut objects {
            let group = ApiVersion::parse(&object.api_version).group;
            let scope = builtin_scope(group, &object.kind).or_else(|| {
                crd_scopes
                    .get(&(group.to_owned(), object.kind.clone()))
                    .copied()
            });
            match scope {
                Some(Scope::Cluster) => object.metadata.namespace = None,
                Some(Scope::Namespaced) if object.metadata.namespace.is_none() => {
                    object.metadata.namespace = Some(namespace.to_owned());
                }
                _ => {}
            }
        }

        let mut set = Self {
            objects: Vec::with_capacity(objects.len()),
            shadowed: Vec::new(),
            files,
            warnings: Vec::new(),
        };
        let mut seen: HashMap<ObjectKey, usize> = HashMap::with_capacity(objects.len());
        for object in objects {
            let key = object.key();
            if let Some(&index) = seen.get(&key) {
                let first = set.location(&set.objects[index]);
                let second = set.location(&object);
                let earlier = std::mem::replace(&mut set.objects[index], object);
                set.shadowed.push(earlier);
                warnings.push(Warning::Duplicate { key, first, second });
            } else {
                seen.insert(key, set.objects.len());
                set.objects.push(object);
            }
        }
        set.warnings = warnings;
        set
    }

    /// The objects, in the order they were first read.
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// Documents that a later document of the same identity replaced, in the order
    /// they were read. Empty for a live cluster.
    pub fn shadowed(&self) -> &[Object] {
        &self.shadowed
    }

    /// Every document read: the objects, then the shadowed documents. What a reader
    /// that judges each document with its own file and line walks.
    pub fn documents(&self) -> impl Iterator<Item = &Object> {
        self.objects.iter().chain(&self.shadowed)
    }

    /// How many objects.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The names of the files read, indexed by [`FileId`].
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The name of one file (`<stdin>` for standard input, `<live>` when unknown).
    pub fn file_name(&self, file: FileId) -> &str {
        self.files
            .get(file.0 as usize)
            .map_or("<live>", String::as_str)
    }

    /// `file:line` of an object.
    pub fn location(&self, object: &Object) -> String {
        let source = object.source();
        format!("{}:{}", self.file_name(source.file), source.line)
    }

    /// What the load had to say: duplicates and skipped documents.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Keeps only the objects (and shadowed documents) for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&Object) -> bool) {
        self.objects.retain(&mut keep);
        self.shadowed.retain(keep);
    }
}

/// The scope each CustomResourceDefinition in the set gives its kind.
fn crd_scopes(objects: &[Object]) -> HashMap<(String, String), Scope> {
    #[derive(Deserialize)]
    struct Crd {
        spec: CrdSpec,
    }
    #[derive(Deserialize)]
    struct CrdSpec {
        group: String,
        names: CrdNames,
        scope: String,
    }
    #[derive(Deserialize)]
    struct CrdNames {
        kind: String,
    }
    objects
        .iter()
        .filter(|o| o.kind == "CustomResourceDefinition" && o.group() == "apiextensions.k8s.io")
        .filter_map(|o| o.raw().parse::<Crd>().ok())
        .map(|crd| {
            let scope = if crd.spec.scope == "Cluster" {
                Scope::Cluster
            } else {
                Scope::Namespaced
            };
            ((crd.spec.group, crd.spec.names.kind), scope)
        })
        .collect()
}
