use std::collections::{HashMap, HashSet};

use korral_core::{Object, ObjectSet};
use korral_topology::{Edge, Graph};
use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::pod::{Container, PodSpecAt};

/// One audit rule: a stable code, what it checks, and the documentation that
/// `korral audit explain` prints and `docs/audit-rules.md` is generated from.
pub struct Rule {
    /// The stable code (`PSB003`); never reused for another check.
    pub code: &'static str,
    /// A short kebab-case name (`privileged`).
    pub name: &'static str,
    /// The severity of its findings.
    pub severity: Severity,
    /// The standards it belongs to.
    pub standards: &'static [Standard],
    /// What it checks, in one sentence.
    pub summary: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// An object it reports (YAML).
    pub example: &'static str,
    /// How to fix what it reports.
    pub fix: &'static str,
    pub(crate) check: Check,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

/// What a rule looks at.
pub(crate) enum Check {
    /// Every pod spec: Pods and pod templates of workloads and CRDs.
    Pod(fn(&Pod<'_>, &mut Emit)),
    /// Every object.
    Object(fn(&Target<'_>, &mut Emit)),
    /// The whole set at once (network coverage, RBAC paths).
    Set(fn(&Cx<'_>, &mut Emit)),
}

/// What every check can read: the objects, their JSON, the graph and the options.
pub(crate) struct Cx<'a> {
    pub set: &'a ObjectSet,
    /// Every document judged: the set's objects first (same indexes as
    /// `set.objects()` and the graph), then shadowed and recovered documents. Per-object
    /// and per-pod rules run on all of them; whole-set rules on the objects.
    pub documents: &'a [&'a Object],
    /// The JSON tree of each document.
    pub values: &'a [Value],
    pub graph: &'a Graph,
    /// Graph node of each document (`usize::MAX` for those not in the graph).
    pub node_of: &'a [usize],
    /// The pod specs of each document.
    pub pods: &'a [Vec<PodSpecAt>],
    /// Whether each document is run by a controller that is in the set too.
    pub controlled: &'a [bool],
    /// Objects by kind and namespace, and edges by target.
    pub index: &'a Index<'a>,
    pub kube_version: (u32, u32),
}

impl Cx<'_> {
    pub fn object(&self, index: usize) -> &Object {
        self.documents[index]
    }

    /// Whether the object is run by a controller that is in the set too (a Pod of a
    /// ReplicaSet, a ReplicaSet of a Deployment): its owner gets the finding.
    pub fn controlled(&self, index: usize) -> bool {
        self.controlled[index]
    }
}

/// Lookups that checks make for each object or pod, built once so that no check scans
/// the whole set (or every edge) per object: at 100,000 objects that is the difference
/// between seconds and minutes.
pub(crate) struct Index<'a> {
    /// Object indexes by kind and namespace, in set order.
    by_kind: HashMap<(&'a str, Option<&'a str>), Vec<usize>>,
    /// Edge indexes (into `graph.edges()`) by target node; edges are sorted by source
    /// already.
    incoming: Vec<Vec<usize>>,
}

impl<'a> Index<'a> {
    pub fn new(set: &'a ObjectSet, graph: &Graph) -> Self {
        let mut by_kind: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, object) in set.objects().iter().enumerate() {
            by_kind
                .entry((object.kind(), object.namespace()))
                .or_default()
                .push(i);
        }
        let mut incoming = vec![Vec::new(); graph.nodes().len()];
        for (i, edge) in graph.edges().iter().enumerate() {
            incoming[edge.target].push(i);
        }
        Self { by_kind, incoming }
    }
}

impl<'a> Cx<'a> {
    /// The objects of `kind` in `namespace` (`None`: cluster-scoped), in set order.
    pub fn of_kind<'k>(&'k self, kind: &'k str, namespace: Option<&'k str>) -> &'k [usize] {
        // The map's keys live as long as the set; looked up with shorter-lived ones.
        let by_kind: &'k HashMap<(&'k str, Option<&'k str>), Vec<usize>> = &self.index.by_kind;
        by_kind.get(&(kind, namespace)).map_or(&[], Vec::as_slice)
    }

    /// The edges to `object`'s node.
    pub fn edges_to(&self, object: usize) -> impl Iterator<Item = &'a Edge> + use<'a> {
        let edges = self.graph.edges();
        self.index
            .incoming
            .get(self.node_of[object])
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(move |&i| &edges[i])
    }
}

/// For each document, whether a controller named in its ownerReferences is in the set:
/// one pass to index the objects, one to look the owners up.
pub(crate) fn controlled(set: &ObjectSet, documents: &[&Object]) -> Vec<bool> {
    let present: HashSet<(&str, Option<&str>, &str)> = set
        .objects()
        .iter()
        .map(|o| (o.kind(), o.namespace(), o.name()))
        .collect();
    documents
        .iter()
        .map(|object| {
            object.metadata().owner_references.iter().any(|owner| {
                owner.controller.unwrap_or(false)
                    && present.contains(&(
                        owner.kind.as_str(),
                        object.namespace(),
                        owner.name.as_str(),
                    ))
            })
        })
        .collect()
}

/// One object for an object rule.
pub(crate) struct Target<'a> {
    pub cx: &'a Cx<'a>,
    pub index: usize,
    pub object: &'a Object,
    pub value: &'a Value,
}

/// One pod spec for a pod rule.
pub(crate) struct Pod<'a> {
    pub cx: &'a Cx<'a>,
    pub index: usize,
    pub object: &'a Object,
    pub spec: &'a Value,
    /// Metadata of the pod (template): labels and annotations.
    pub meta: Option<&'a Value>,
    pub at: &'a PodSpecAt,
}

impl<'a> Pod<'a> {
    /// `spec.template.spec.` + `rest`.
    pub fn path(&self, rest: &str) -> String {
        format!("{}.{rest}", self.at.spec_path)
    }

    /// `spec.template.spec.securityContext.<field>`.
    pub fn pod_sc_path(&self, field: &str) -> String {
        self.path(&format!("securityContext.{field}"))
    }

    /// A field of the pod's securityContext.
    pub fn pod_sc(&self, field: &str) -> Option<&'a Value> {
        self.spec.get("securityContext")?.get(field)
    }

    /// Every container: containers, initContainers and ephemeralContainers.
    pub fn containers(&self) -> Vec<Container<'a>> {
        crate::pod::containers(self.spec, &self.at.spec_path)
    }

    /// Whether the pod is declared to run on Windows, which the restricted profile
    /// exempts from Linux-only controls.
    pub fn windows(&self) -> bool {
        self.spec
            .get("os")
            .and_then(|os| os.get("name"))
            .and_then(Value::as_str)
            == Some("windows")
    }

    /// Whether the pod runs in its own user namespace (`hostUsers: false`), which the
    /// Pod Security admission controller of Kubernetes 1.35 and later counts as
    /// non-root for runAsNonRoot, runAsUser and procMount; earlier targets do not.
    pub fn user_namespace_relaxes(&self) -> bool {
        self.cx.kube_version >= (1, 35) && self.spec.get("hostUsers").and_then(flag) == Some(false)
    }

    /// An annotation of the pod (template).
    pub fn annotations(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.meta
            .and_then(|m| m.get("annotations"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
    }

    /// `spec.template.metadata.annotations["key"]`.
    pub fn annotation_path(&self, key: &str) -> String {
        format!("{}.annotations[\"{key}\"]", self.at.meta_path)
    }

    /// Whether the pod runs to completion (Job, CronJob, a Pod with restartPolicy
    /// Never/OnFailure): probes mean little there.
    pub fn runs_to_completion(&self) -> bool {
        matches!(self.object.kind(), "Job" | "CronJob")
            || matches!(
                self.spec.get("restartPolicy").and_then(Value::as_str),
                Some("Never" | "OnFailure")
            )
    }
}

/// A finding as a check reports it; the engine adds the rest.
pub(crate) struct RawFinding {
    pub object: usize,
    pub path: String,
    pub message: String,
}

/// Where checks put their findings.
#[derive(Default)]
pub(crate) struct Emit {
    pub found: Vec<RawFinding>,
}

impl Emit {
    pub fn at(&mut self, object: usize, path: impl Into<String>, message: impl Into<String>) {
        self.found.push(RawFinding {
            object,
            path: path.into(),
            message: message.into(),
        });
    }
}

/// `value` at `path` of object keys.
pub(crate) fn get<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// A string at `path`.
pub(crate) fn get_str<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(value, path).and_then(Value::as_str)
}

/// A bool at `path`, read as [`flag`] reads it.
pub(crate) fn get_bool(value: &Value, path: &[&str]) -> Option<bool> {
    get(value, path).and_then(flag)
}

/// A boolean field as the API server receives it from `kubectl apply`: kubectl reads
/// YAML 1.1, where `yes`, `on`, `y` (and their capitalised forms) are `true` and `no`,
/// `off`, `n` are `false`. korral's loader keeps them as strings (YAML 1.2, so that
/// names and labels stay text), which would let `privileged: yes` pass unjudged.
pub(crate) fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.as_str() {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
                Some(true)
            }
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False"
            | "FALSE" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The items of an array at `path` (none when absent).
pub(crate) fn items<'a>(value: &'a Value, path: &[&str]) -> &'a [Value] {
    get(value, path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A field that is set: present and not `null` (the API server reads `null` as unset).
pub(crate) fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

/// The `type` of a seccomp or AppArmor profile.
pub(crate) fn profile_type(profile: Option<&Value>) -> Option<&str> {
    profile.and_then(|p| p.get("type")).and_then(Value::as_str)
}

/// Whether a set seccomp or AppArmor profile is of an allowed type: `RuntimeDefault` or
/// `Localhost`, exactly. A profile that is set with no type (or an empty one) is not,
/// as the Pod Security admission controller reads it; `None` when no profile is set.
pub(crate) fn confined_profile(profile: Option<&Value>) -> Option<Result<(), String>> {
    let profile = present(profile)?;
    Some(match profile_type(Some(profile)) {
        Some("RuntimeDefault" | "Localhost") => Ok(()),
        other => Err(other.unwrap_or_default().to_owned()),
    })
}
