//! Finding pod specs: in Pods, in the pod templates of workloads, and in custom
//! resources that embed one.

use serde_json::Value;

/// Where a pod spec sits in its object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PodSpecAt {
    /// `spec` for a Pod, `spec.template.spec` for a Deployment.
    pub spec_path: String,
    /// The metadata beside it: `metadata`, `spec.template.metadata`.
    pub meta_path: String,
}

/// How deep the search for an embedded pod template goes in a custom resource.
const MAX_DEPTH: usize = 6;

/// The pod specs of an object.
pub(crate) fn pod_specs(group: &str, kind: &str, value: &Value) -> Vec<PodSpecAt> {
    let at = |spec: &str, meta: &str| PodSpecAt {
        spec_path: spec.to_owned(),
        meta_path: meta.to_owned(),
    };
    match (group, kind) {
        ("", "Pod") => return vec![at("spec", "metadata")],
        ("", "PodTemplate") => return vec![at("template.spec", "template.metadata")],
        ("batch", "CronJob") => {
            return vec![at(
                "spec.jobTemplate.spec.template.spec",
                "spec.jobTemplate.spec.template.metadata",
            )];
        }
        // A workload's template is a pod spec even before it lists containers: its
        // pod-level settings (hostPID, hostNetwork, …) are checked all the same.
        ("apps" | "extensions" | "batch", _) | ("", "ReplicationController") => {
            return if resolve(value, "spec.template.spec").is_some_and(Value::is_object) {
                vec![at("spec.template.spec", "spec.template.metadata")]
            } else {
                Vec::new()
            };
        }
        ("", _) => return Vec::new(),
        _ => {}
    }
    // A custom resource (Argo Rollout, Knative Service, a Tekton task's pod template,
    // an operator's own kind): look under `spec` for maps that hold `containers`.
    let mut found = Vec::new();
    if let Some(spec) = value.get("spec") {
        search(spec, "spec".to_owned(), 0, &mut found);
    }
    found
}

fn search(value: &Value, path: String, depth: usize, found: &mut Vec<PodSpecAt>) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            if has_containers(Some(value)) {
                let meta_path = match path.rsplit_once('.') {
                    Some((parent, _)) => format!("{parent}.metadata"),
                    None => "metadata".to_owned(),
                };
                found.push(PodSpecAt {
                    spec_path: path,
                    meta_path,
                });
                return;
            }
            for (key, child) in map {
                if child.is_object() || child.is_array() {
                    search(
                        child,
                        format!("{path}.{}", key_segment(key)),
                        depth + 1,
                        found,
                    );
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                search(child, format!("{path}[{i}]"), depth + 1, found);
            }
        }
        _ => {}
    }
}

/// A key as a path segment: `["a.b"]` when it holds a dot.
fn key_segment(key: &str) -> String {
    if key.contains(['.', '[', ']']) {
        format!("[\"{key}\"]")
    } else {
        key.to_owned()
    }
}

/// Whether `value` looks like a pod spec: `containers` is a list of maps with an image
/// or a name.
fn has_containers(value: Option<&Value>) -> bool {
    value
        .and_then(|v| v.get("containers"))
        .and_then(Value::as_array)
        .is_some_and(|c| {
            !c.is_empty()
                && c.iter()
                    .all(|c| c.get("image").is_some() || c.get("name").is_some())
        })
}

/// The value at a dotted path with `[n]` indexes (as [`PodSpecAt`] writes them).
pub(crate) fn resolve<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    crate::locate::segments(path)
        .into_iter()
        .try_fold(value, |v, seg| match seg {
            crate::locate::Segment::Key(k) => v.get(k.as_ref()),
            crate::locate::Segment::Index(i) => v.get(i),
        })
}

/// One container of a pod spec.
pub(crate) struct Container<'a> {
    pub value: &'a Value,
    /// `spec.containers[0]`.
    pub path: String,
    pub name: &'a str,
    /// `container`, `init container` or `ephemeral container`.
    pub role: &'static str,
}

impl<'a> Container<'a> {
    /// A field of its securityContext.
    pub fn sc(&self, field: &str) -> Option<&'a Value> {
        self.value.get("securityContext")?.get(field)
    }

    /// `…containers[0].securityContext.<field>`.
    pub fn sc_path(&self, field: &str) -> String {
        format!("{}.securityContext.{field}", self.path)
    }

    /// `…containers[0].<rest>`.
    pub fn path(&self, rest: &str) -> String {
        format!("{}.{rest}", self.path)
    }

    /// `container `app``, for messages.
    pub fn shown(&self) -> String {
        format!("{} `{}`", self.role, self.name)
    }

    /// Whether it is a regular container (not init or ephemeral).
    pub fn regular(&self) -> bool {
        self.role == "container"
    }

    /// Whether it is an ephemeral (debug) container, which takes no resources or
    /// file-system settings.
    pub fn ephemeral(&self) -> bool {
        self.role == "ephemeral container"
    }
}

pub(crate) fn containers<'a>(spec: &'a Value, spec_path: &str) -> Vec<Container<'a>> {
    let mut out = Vec::new();
    for (field, role) in [
        ("containers", "container"),
        ("initContainers", "init container"),
        ("ephemeralContainers", "ephemeral container"),
    ] {
        for (i, value) in crate::rule::items(spec, &[field]).iter().enumerate() {
            out.push(Container {
                value,
                path: format!("{spec_path}.{field}[{i}]"),
                name: value.get("name").and_then(Value::as_str).unwrap_or("?"),
                role,
            });
        }
    }
    out
}
