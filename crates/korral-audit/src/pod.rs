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

/// The pod specs of a document, and what is wrong with their shape.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shape {
    pub specs: Vec<PodSpecAt>,
    /// Fields of the wrong type: (path, what is wrong and the fix).
    pub malformed: Vec<(String, String)>,
    /// The apiVersion that serves the kind, when the document names another built-in
    /// one (`apiVersion: v1` on a Deployment): it is judged as its kind says.
    pub misversioned: Option<&'static str>,
}

/// A built-in kind that holds a pod spec.
struct Workload {
    kind: &'static str,
    /// The API groups that serve it (`extensions` served Deployments until 1.16).
    groups: &'static [&'static str],
    /// The apiVersion to write.
    api_version: &'static str,
    /// Where its pod spec is.
    spec: &'static str,
}

const WORKLOADS: &[Workload] = &[
    Workload {
        kind: "Pod",
        groups: &[""],
        api_version: "v1",
        spec: "spec",
    },
    Workload {
        kind: "PodTemplate",
        groups: &[""],
        api_version: "v1",
        spec: "template.spec",
    },
    Workload {
        kind: "ReplicationController",
        groups: &[""],
        api_version: "v1",
        spec: "spec.template.spec",
    },
    Workload {
        kind: "Deployment",
        groups: &["apps", "extensions"],
        api_version: "apps/v1",
        spec: "spec.template.spec",
    },
    Workload {
        kind: "ReplicaSet",
        groups: &["apps", "extensions"],
        api_version: "apps/v1",
        spec: "spec.template.spec",
    },
    Workload {
        kind: "DaemonSet",
        groups: &["apps", "extensions"],
        api_version: "apps/v1",
        spec: "spec.template.spec",
    },
    Workload {
        kind: "StatefulSet",
        groups: &["apps"],
        api_version: "apps/v1",
        spec: "spec.template.spec",
    },
    Workload {
        kind: "Job",
        groups: &["batch"],
        api_version: "batch/v1",
        spec: "spec.template.spec",
    },
    Workload {
        kind: "CronJob",
        groups: &["batch"],
        api_version: "batch/v1",
        spec: "spec.jobTemplate.spec.template.spec",
    },
];

/// The groups of Kubernetes' own workload APIs: a workload kind under one of them is
/// judged by its kind, whatever the version says. A kind of the same name under
/// another group (`batch.volcano.sh` Job) is a custom resource.
const BUILTIN_GROUPS: &[&str] = &["", "apps", "batch", "extensions"];

/// The pod specs of an object: at their place in the built-in workload kinds, searched
/// for in everything else (custom resources, OpenShift's DeploymentConfig).
pub(crate) fn pod_specs(group: &str, kind: &str, value: &Value) -> Shape {
    let mut shape = Shape::default();
    if BUILTIN_GROUPS.contains(&group)
        && let Some(w) = WORKLOADS.iter().find(|w| w.kind == kind)
    {
        if !w.groups.contains(&group) {
            shape.misversioned = Some(w.api_version);
        }
        // A workload's template is a pod spec even before it lists containers: its
        // pod-level settings (hostPID, hostNetwork, …) are checked all the same.
        if let Some(spec) = walk(value, w.spec, &mut shape.malformed) {
            check_pod_shape(spec, w.spec, &mut shape.malformed);
            shape.specs.push(PodSpecAt {
                spec_path: w.spec.to_owned(),
                meta_path: meta_path(w.spec),
            });
        }
        return shape;
    }
    // Anything else (Argo Rollout, Knative Service, a Tekton task's pod template, an
    // operator's own kind, a DeploymentConfig): look under `spec` for maps that hold
    // `containers`.
    if let Some(spec) = value.get("spec") {
        search(spec, "spec".to_owned(), 0, &mut shape);
    }
    shape
}

/// `metadata` beside a pod spec's `spec`.
fn meta_path(spec_path: &str) -> String {
    match spec_path.rsplit_once('.') {
        Some((parent, _)) => format!("{parent}.metadata"),
        None => "metadata".to_owned(),
    }
}

/// The mapping at a dotted path, or `None` when a step is missing or null; a step of
/// another type is recorded as malformed.
fn walk<'a>(
    value: &'a Value,
    path: &str,
    malformed: &mut Vec<(String, String)>,
) -> Option<&'a Value> {
    let mut at = value;
    let mut walked = String::new();
    for key in path.split('.') {
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(key);
        at = at.get(key).filter(|v| !v.is_null())?;
        if !at.is_object() {
            malformed.push((walked.clone(), wrong(&walked, at, "a mapping")));
            return None;
        }
    }
    Some(at)
}

/// What a JSON value is, in words.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn wrong(path: &str, value: &Value, want: &str) -> String {
    let fix = match want {
        "a list" => " (write each entry as a list item, `- name: …`)",
        _ => " (write its fields indented under it, `field: value`)",
    };
    format!(
        "`{path}` is {}, not {want}: the API server refuses this; make it {want}{fix}",
        type_name(value)
    )
}

/// Records the fields of a pod spec that have the wrong type to be judged: the lists of
/// containers and volumes, the security contexts and capabilities.
fn check_pod_shape(spec: &Value, path: &str, malformed: &mut Vec<(String, String)>) {
    let mut expect = |value: Option<&Value>, at: String, list: bool| -> bool {
        match value {
            None | Some(Value::Null) => false,
            Some(v) if v.is_array() == list && (list || v.is_object()) => true,
            Some(v) => {
                let want = if list { "a list" } else { "a mapping" };
                malformed.push((at.clone(), wrong(&at, v, want)));
                false
            }
        }
    };
    expect(
        spec.get("securityContext"),
        format!("{path}.securityContext"),
        false,
    );
    for field in [
        "containers",
        "initContainers",
        "ephemeralContainers",
        "volumes",
    ] {
        let at = format!("{path}.{field}");
        if !expect(spec.get(field), at.clone(), true) {
            continue;
        }
        for (i, item) in spec[field].as_array().into_iter().flatten().enumerate() {
            let at = format!("{at}[{i}]");
            if !expect(Some(item), at.clone(), false) || field == "volumes" {
                continue;
            }
            let sc = format!("{at}.securityContext");
            if expect(item.get("securityContext"), sc.clone(), false) {
                expect(
                    item["securityContext"].get("capabilities"),
                    format!("{sc}.capabilities"),
                    false,
                );
            }
            expect(item.get("ports"), format!("{at}.ports"), true);
        }
    }
}

fn search(value: &Value, path: String, depth: usize, shape: &mut Shape) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            if has_containers(Some(value)) {
                check_pod_shape(value, &path, &mut shape.malformed);
                shape.specs.push(PodSpecAt {
                    meta_path: meta_path(&path),
                    spec_path: path,
                });
                return;
            }
            // A pod template (`template.spec`) whose containers are not a list of
            // containers: malformed, not something else.
            if path.ends_with("template.spec")
                && let Some(containers) = map.get("containers")
                && !containers.is_null()
            {
                check_pod_shape(value, &path, &mut shape.malformed);
                if !containers.is_array() {
                    return;
                }
            }
            for (key, child) in map {
                if child.is_object() || child.is_array() {
                    search(
                        child,
                        format!("{path}.{}", key_segment(key)),
                        depth + 1,
                        shape,
                    );
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                search(child, format!("{path}[{i}]"), depth + 1, shape);
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
