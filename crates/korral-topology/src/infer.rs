//! Relationship inference: from an [`ObjectSet`] to a [`Graph`].
//!
//! One pass indexes every object by key, uid and (for pods) labels; a second reads the
//! few spec fields that name other objects (see `refs`) and resolves them through the
//! indexes. Selectors are matched through a per-namespace label index, so a Service
//! costs in proportion to the pods it could select, not to the cluster's size.

mod refs;

use korral_core::{ApiVersion, LabelSelector, LabelSelectorSpec, Object, ObjectSet, Warning};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::graph::{Edge, Graph, Node, Problem, ProblemKind};
use crate::relation::Relation;

/// How inference treats incomplete input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InferOptions {
    /// Report references to kinds that are absent from the input entirely. Off by
    /// default: a folder of manifests rarely holds the Nodes or the `default`
    /// ServiceAccount its pods name.
    pub strict: bool,
}

/// Builds the graph of `set`.
pub fn infer(set: &ObjectSet, options: InferOptions) -> Graph {
    let mut builder = Builder::new(set, options);
    for index in 0..set.objects().len() {
        builder.object(index);
    }
    builder.duplicates(set.warnings());
    builder.finish()
}

const RBAC: &str = "rbac.authorization.k8s.io";

type Key<'a> = (&'a str, &'a str, Option<&'a str>, &'a str);

/// A reference from one object to another, as the referring object writes it.
struct Ref<'r> {
    group: &'r str,
    kind: &'r str,
    namespace: Option<&'r str>,
    name: &'r str,
    uid: Option<&'r str>,
    /// `optional: true` on a ConfigMap or Secret source: a missing target is fine.
    optional: bool,
}

impl<'r> Ref<'r> {
    fn new(group: &'r str, kind: &'r str, namespace: Option<&'r str>, name: &'r str) -> Self {
        Self {
            group,
            kind,
            namespace,
            name,
            uid: None,
            optional: false,
        }
    }

    fn optional(mut self, optional: Option<bool>) -> Self {
        self.optional = optional.unwrap_or(false);
        self
    }
}

#[derive(Default)]
struct PodIndex<'a> {
    all: Vec<usize>,
    by_label: FxHashMap<(&'a str, &'a str), Vec<usize>>,
    by_key: FxHashMap<&'a str, Vec<usize>>,
}

struct Builder<'a> {
    objects: &'a [Object],
    strict: bool,
    by_key: FxHashMap<Key<'a>, usize>,
    by_uid: FxHashMap<&'a str, usize>,
    kinds: FxHashSet<(&'a str, &'a str)>,
    pods: FxHashMap<Option<&'a str>, PodIndex<'a>>,
    edges: Vec<Edge>,
    problems: Vec<Problem>,
}

impl<'a> Builder<'a> {
    fn new(set: &'a ObjectSet, options: InferOptions) -> Self {
        let objects = set.objects();
        let mut by_key = FxHashMap::default();
        let mut by_uid = FxHashMap::default();
        let mut kinds = FxHashSet::default();
        let mut pods: FxHashMap<Option<&str>, PodIndex<'_>> = FxHashMap::default();
        by_key.reserve(objects.len());
        by_uid.reserve(objects.len());
        for (index, object) in objects.iter().enumerate() {
            let group = object.group();
            by_key.insert(
                (group, object.kind(), object.namespace(), object.name()),
                index,
            );
            if let Some(uid) = object.metadata().uid.as_deref() {
                by_uid.insert(uid, index);
            }
            kinds.insert((group, object.kind()));
            if group.is_empty() && object.kind() == "Pod" {
                let pod_index = pods.entry(object.namespace()).or_default();
                pod_index.all.push(index);
                for (key, value) in object.labels() {
                    pod_index
                        .by_label
                        .entry((key.as_str(), value.as_str()))
                        .or_default()
                        .push(index);
                    pod_index
                        .by_key
                        .entry(key.as_str())
                        .or_default()
                        .push(index);
                }
            }
        }
        Self {
            objects,
            strict: options.strict,
            by_key,
            by_uid,
            kinds,
            pods,
            edges: Vec::with_capacity(objects.len() * 3),
            problems: Vec::new(),
        }
    }

    fn finish(self) -> Graph {
        let nodes = self
            .objects
            .iter()
            .enumerate()
            .map(|(index, object)| {
                let api = ApiVersion::parse(object.api_version());
                Node {
                    id: object.key().to_string(),
                    group: api.group.to_owned(),
                    version: api.version.to_owned(),
                    kind: object.kind().to_owned(),
                    namespace: object.namespace().map(str::to_owned),
                    name: object.name().to_owned(),
                    uid: object.metadata().uid.clone(),
                    object: index,
                }
            })
            .collect();
        Graph::from_parts(nodes, self.edges, self.problems)
    }

    fn edge(&mut self, source: usize, target: usize, relation: Relation) {
        self.edges.push(Edge {
            source,
            target,
            relation,
        });
    }

    fn problem(&mut self, object: usize, kind: ProblemKind, message: String) {
        self.problems.push(Problem {
            object,
            kind,
            message,
        });
    }

    fn lookup(
        &self,
        group: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<usize> {
        self.by_key.get(&(group, kind, namespace, name)).copied()
    }

    /// Finds what `from` refers to, or records a dangling reference on `from` when the
    /// target should be there: it is not optional, and its kind is in the input (or the
    /// graph is strict).
    fn resolve(&mut self, from: usize, relation: Relation, r: &Ref<'_>) -> Option<usize> {
        if r.name.is_empty() {
            return None;
        }
        if let Some(&index) = r.uid.and_then(|uid| self.by_uid.get(uid)) {
            return Some(index);
        }
        let found = self
            .lookup(r.group, r.kind, r.namespace, r.name)
            .or_else(|| {
                r.namespace
                    .and_then(|_| self.lookup(r.group, r.kind, None, r.name))
            });
        let target = shown(r.kind, r.namespace, r.name);
        match (found, r.uid) {
            (Some(index), Some(uid)) => match self.objects[index].metadata().uid.as_deref() {
                Some(actual) if actual != uid => {
                    self.problem(
                        from,
                        ProblemKind::DanglingReference,
                        format!(
                            "{} {target} with uid {uid}, but that object has uid {actual}: it was deleted and created again",
                            verb(relation)
                        ),
                    );
                    None
                }
                _ => Some(index),
            },
            (Some(index), None) => Some(index),
            (None, _) => {
                if !r.optional && (self.strict || self.kinds.contains(&(r.group, r.kind))) {
                    self.problem(
                        from,
                        ProblemKind::DanglingReference,
                        format!("{} {target}, which does not exist", verb(relation)),
                    );
                }
                None
            }
        }
    }

    fn link(&mut self, from: usize, relation: Relation, r: &Ref<'_>) {
        if let Some(target) = self.resolve(from, relation, r) {
            self.edge(from, target, relation);
        }
    }

    fn object(&mut self, index: usize) {
        let object = &self.objects[index];
        let namespace = object.namespace();
        let owners = &object.metadata().owner_references;
        for owner in owners {
            let r = Ref {
                uid: owner.uid.as_deref(),
                ..Ref::new(
                    ApiVersion::parse(&owner.api_version).group,
                    &owner.kind,
                    namespace,
                    &owner.name,
                )
            };
            if let Some(owner) = self.resolve(index, Relation::Owns, &r) {
                self.edge(owner, index, Relation::Owns);
            }
        }

        let raw = object.raw();
        match (object.group(), object.kind()) {
            ("", "Pod") => {
                if let Ok(pod) = raw.parse::<refs::Pod>() {
                    self.pod_spec(index, &pod.spec, namespace, Some(object.name()));
                    if let Some(node) = pod.spec.node_name.as_deref() {
                        self.link(index, Relation::RunsOn, &Ref::new("", "Node", None, node));
                    }
                }
            }
            ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
            | ("batch", "Job")
            | ("", "ReplicationController") => {
                if !self.managed_by_workload(index)
                    && let Ok(workload) = raw.parse::<refs::Workload>()
                {
                    self.pod_spec(index, &workload.spec.template.spec, namespace, None);
                }
            }
            ("batch", "CronJob") => {
                if let Ok(cron) = raw.parse::<refs::CronJob>() {
                    let spec = &cron.spec.job_template.spec.template.spec;
                    self.pod_spec(index, spec, namespace, None);
                }
            }
            ("", "Service") => {
                if let Ok(service) = raw.parse::<refs::Service>() {
                    self.service(index, namespace, service.spec.selector.as_ref());
                }
            }
            ("policy", "PodDisruptionBudget") => {
                // policy/v1beta1 read an empty selector as "no pods"; policy/v1 as
                // "every pod of the namespace".
                let empty_selects_nothing = object.api_version() == "policy/v1beta1";
                if let Ok(pdb) = raw.parse::<refs::Pdb>()
                    && let Some(spec) = &pdb.spec.selector
                    && !(empty_selects_nothing && *spec == LabelSelectorSpec::default())
                {
                    self.select(index, namespace, spec);
                }
            }
            ("networking.k8s.io", "NetworkPolicy") => {
                if let Ok(policy) = raw.parse::<refs::NetworkPolicy>() {
                    // An absent podSelector is read as empty by the API server.
                    let spec = policy.spec.pod_selector.unwrap_or_default();
                    self.select(index, namespace, &spec);
                }
            }
            ("", kind @ ("PersistentVolumeClaim" | "PersistentVolume")) => {
                self.storage(index, kind == "PersistentVolumeClaim");
            }
            ("networking.k8s.io" | "extensions", "Ingress") => {
                if let Ok(ingress) = raw.parse::<refs::Ingress>() {
                    self.ingress(index, namespace, &ingress.spec);
                }
            }
            ("autoscaling", "HorizontalPodAutoscaler")
            | ("autoscaling.k8s.io", "VerticalPodAutoscaler") => {
                if let Ok(scaler) = raw.parse::<refs::Autoscaler>() {
                    let spec = scaler.spec;
                    if let Some(target) = spec.scale_target_ref.or(spec.target_ref) {
                        let group =
                            ApiVersion::parse(target.api_version.as_deref().unwrap_or("")).group;
                        let r = Ref::new(group, &target.kind, namespace, &target.name);
                        self.link(index, Relation::Scales, &r);
                    }
                }
            }
            ("discovery.k8s.io", "EndpointSlice") => self.endpoint_slice(index),
            (RBAC, "RoleBinding" | "ClusterRoleBinding") => {
                if let Ok(binding) = raw.parse::<refs::Binding>() {
                    self.binding(index, namespace, &binding);
                }
            }
            _ => {}
        }
    }

    /// PersistentVolumeClaim → PersistentVolume and StorageClass; PersistentVolume →
    /// StorageClass.
    fn storage(&mut self, index: usize, is_claim: bool) {
        let raw = self.objects[index].raw();

        if let Ok(storage) = raw.parse::<refs::Storage>() {
            if is_claim && let Some(volume) = storage.spec.volume_name.as_deref() {
                let r = Ref::new("", "PersistentVolume", None, volume);
                self.link(index, Relation::BoundTo, &r);
            }
            if let Some(class) = storage.spec.storage_class_name.as_deref() {
                let r = Ref::new("storage.k8s.io", "StorageClass", None, class);
                self.link(index, Relation::Class, &r);
            }
        }
    }

    /// Whether a workload is run by another workload in the input (a Deployment's
    /// ReplicaSet, a CronJob's Job): its pod template is that owner's, so the template's
    /// references are drawn once, from the owner.
    fn managed_by_workload(&self, index: usize) -> bool {
        let object = &self.objects[index];
        object.metadata().owner_references.iter().any(|owner| {
            let group = ApiVersion::parse(&owner.api_version).group;
            matches!(
                (group, owner.kind.as_str()),
                ("apps", "Deployment" | "StatefulSet" | "DaemonSet") | ("batch", "CronJob")
            ) && self
                .lookup(group, &owner.kind, object.namespace(), &owner.name)
                .is_some()
        })
    }

    fn pod_spec(
        &mut self,
        index: usize,
        spec: &refs::PodSpec,
        namespace: Option<&str>,
        pod_name: Option<&str>,
    ) {
        fn cm<'r>(namespace: Option<&'r str>, name: &'r str) -> Ref<'r> {
            Ref::new("", "ConfigMap", namespace, name)
        }
        fn secret<'r>(namespace: Option<&'r str>, name: &'r str) -> Ref<'r> {
            Ref::new("", "Secret", namespace, name)
        }
        for volume in &spec.volumes {
            if let Some(claim) = &volume.persistent_volume_claim {
                let r = Ref::new("", "PersistentVolumeClaim", namespace, &claim.claim_name);
                self.link(index, Relation::Mounts, &r);
            }
            if let Some(source) = &volume.config_map {
                self.link(
                    index,
                    Relation::Mounts,
                    &cm(namespace, &source.name).optional(source.optional),
                );
            }
            if let Some(source) = &volume.secret {
                let r = secret(namespace, &source.secret_name).optional(source.optional);
                self.link(index, Relation::Mounts, &r);
            }
            if let Some(projected) = &volume.projected {
                for source in &projected.sources {
                    if let Some(c) = &source.config_map {
                        self.link(
                            index,
                            Relation::Mounts,
                            &cm(namespace, &c.name).optional(c.optional),
                        );
                    }
                    if let Some(s) = &source.secret {
                        self.link(
                            index,
                            Relation::Mounts,
                            &secret(namespace, &s.name).optional(s.optional),
                        );
                    }
                }
            }
            // A generic ephemeral volume's claim is named `<pod>-<volume>`.
            if let (Some(_), Some(pod)) = (&volume.ephemeral, pod_name) {
                let claim = format!("{pod}-{}", volume.name);
                // The claim comes and goes with the pod: a snapshot may miss it.
                let r =
                    Ref::new("", "PersistentVolumeClaim", namespace, &claim).optional(Some(true));
                self.link(index, Relation::Mounts, &r);
            }
        }
        let containers = spec
            .containers
            .iter()
            .chain(&spec.init_containers)
            .chain(&spec.ephemeral_containers);
        for container in containers {
            for var in &container.env {
                if let Some(from) = &var.value_from {
                    if let Some(c) = &from.config_map_key_ref {
                        self.link(
                            index,
                            Relation::Env,
                            &cm(namespace, &c.name).optional(c.optional),
                        );
                    }
                    if let Some(s) = &from.secret_key_ref {
                        self.link(
                            index,
                            Relation::Env,
                            &secret(namespace, &s.name).optional(s.optional),
                        );
                    }
                }
            }
            for from in &container.env_from {
                if let Some(c) = &from.config_map_ref {
                    self.link(
                        index,
                        Relation::Env,
                        &cm(namespace, &c.name).optional(c.optional),
                    );
                }
                if let Some(s) = &from.secret_ref {
                    self.link(
                        index,
                        Relation::Env,
                        &secret(namespace, &s.name).optional(s.optional),
                    );
                }
            }
        }
        for pull in &spec.image_pull_secrets {
            self.link(index, Relation::PullsWith, &secret(namespace, &pull.name));
        }
        let account = spec
            .service_account_name
            .as_deref()
            .or(spec.service_account.as_deref())
            .filter(|name| !name.is_empty())
            .unwrap_or("default");
        // Kubernetes creates `default` in every namespace, so manifests never hold it:
        // its absence is not a problem.
        let r =
            Ref::new("", "ServiceAccount", namespace, account).optional(Some(account == "default"));
        self.link(index, Relation::RunsAs, &r);
    }

    /// The pods of `namespace` that `selector` matches, in object order. Candidates come
    /// from the label index entry of the most selective requirement that can only match
    /// labelled pods; the full selector then checks each candidate.
    fn matching_pods(&self, namespace: Option<&str>, selector: &LabelSelector) -> Vec<usize> {
        use korral_core::Operator;
        let Some(pods) = self.pods.get(&namespace) else {
            return Vec::new();
        };
        let mut best: Option<Vec<usize>> = None;
        for requirement in selector.requirements() {
            let candidates = match requirement.operator {
                Operator::In => {
                    let mut union: Vec<usize> = requirement
                        .values
                        .iter()
                        .filter_map(|v| pods.by_label.get(&(requirement.key.as_str(), v.as_str())))
                        .flatten()
                        .copied()
                        .collect();
                    if requirement.values.len() > 1 {
                        union.sort_unstable();
                        union.dedup();
                    }
                    union
                }
                Operator::Exists => pods
                    .by_key
                    .get(requirement.key.as_str())
                    .cloned()
                    .unwrap_or_default(),
                Operator::NotIn | Operator::DoesNotExist => continue,
            };
            if best.as_ref().is_none_or(|b| candidates.len() < b.len()) {
                best = Some(candidates);
            }
        }
        let candidates = best.unwrap_or_else(|| pods.all.clone());
        candidates
            .into_iter()
            .filter(|&pod| selector.matches(self.objects[pod].labels()))
            .collect()
    }

    fn service(
        &mut self,
        index: usize,
        namespace: Option<&str>,
        selector: Option<&std::collections::BTreeMap<String, String>>,
    ) {
        // A Service without a selector (or with an empty one) selects nothing: its
        // endpoints are managed by hand.
        let Some(labels) = selector.filter(|s| !s.is_empty()) else {
            return;
        };
        let selector = LabelSelector::from_labels(labels);
        let pods = self.matching_pods(namespace, &selector);
        if pods.is_empty() && (self.strict || self.kinds.contains(&("", "Pod"))) {
            self.problem(
                index,
                ProblemKind::SelectsNothing,
                format!(
                    "selector `{selector}` matches no pod in namespace `{}`",
                    namespace.unwrap_or_default()
                ),
            );
        }
        for pod in pods {
            self.edge(index, pod, Relation::Selects);
        }
    }

    fn select(
        &mut self,
        index: usize,
        namespace: Option<&str>,
        spec: &korral_core::LabelSelectorSpec,
    ) {
        match LabelSelector::from_spec(spec) {
            Ok(selector) => {
                for pod in self.matching_pods(namespace, &selector) {
                    self.edge(index, pod, Relation::Selects);
                }
            }
            Err(err) => self.problem(index, ProblemKind::InvalidSelector, err.to_string()),
        }
    }

    fn ingress(&mut self, index: usize, namespace: Option<&str>, spec: &refs::IngressSpec) {
        if let Some(class) = spec.ingress_class_name.as_deref() {
            let r = Ref::new("networking.k8s.io", "IngressClass", None, class);
            self.link(index, Relation::Class, &r);
        }
        let rule_backends = spec
            .rules
            .iter()
            .filter_map(|rule| rule.http.as_ref())
            .flat_map(|http| &http.paths)
            .filter_map(|path| path.backend.as_ref());
        let backends = spec
            .default_backend
            .iter()
            .chain(&spec.backend)
            .chain(rule_backends);
        for backend in backends {
            let service = backend
                .service
                .as_ref()
                .map(|s| s.name.as_str())
                .or(backend.service_name.as_deref());
            if let Some(name) = service {
                self.link(
                    index,
                    Relation::RoutesTo,
                    &Ref::new("", "Service", namespace, name),
                );
            }
            if let Some(resource) = &backend.resource {
                let group = resource.api_group.as_deref().unwrap_or_default();
                let r = Ref::new(group, &resource.kind, namespace, &resource.name);
                self.link(index, Relation::RoutesTo, &r);
            }
        }
        for tls in &spec.tls {
            if let Some(name) = tls.secret_name.as_deref() {
                self.link(
                    index,
                    Relation::Tls,
                    &Ref::new("", "Secret", namespace, name),
                );
            }
        }
    }

    fn endpoint_slice(&mut self, index: usize) {
        let object = &self.objects[index];
        let namespace = object.namespace();
        if let Some(service) = object.labels().get("kubernetes.io/service-name") {
            let r = Ref::new("", "Service", namespace, service);
            if let Some(service) = self.resolve(index, Relation::Endpoints, &r) {
                self.edge(service, index, Relation::Endpoints);
            }
        }
        let Ok(slice) = object.raw().parse::<refs::EndpointSlice>() else {
            return;
        };
        for target in slice.endpoints.iter().filter_map(|e| e.target_ref.as_ref()) {
            let r = Ref {
                uid: target.uid.as_deref(),
                ..Ref::new(
                    "",
                    &target.kind,
                    target.namespace.as_deref().or(namespace),
                    &target.name,
                )
            };
            self.link(index, Relation::Targets, &r);
        }
    }

    fn binding(&mut self, index: usize, namespace: Option<&str>, binding: &refs::Binding) {
        if let Some(role) = &binding.role_ref {
            let role_namespace = if role.kind == "Role" { namespace } else { None };
            let group = role.api_group.as_deref().unwrap_or(RBAC);
            let r = Ref::new(group, &role.kind, role_namespace, &role.name);
            self.link(index, Relation::Binds, &r);
        }
        for subject in binding
            .subjects
            .iter()
            .filter(|s| s.kind == "ServiceAccount")
        {
            let subject_namespace = subject.namespace.as_deref().or(namespace);
            let r = Ref::new("", "ServiceAccount", subject_namespace, &subject.name);
            self.link(index, Relation::Grants, &r);
        }
    }

    /// Reports each object that was read twice.
    fn duplicates(&mut self, warnings: &[Warning]) {
        for warning in warnings {
            if let Warning::Duplicate { key, first, second } = warning {
                let found = self.lookup(&key.group, &key.kind, key.namespace.as_deref(), &key.name);
                if let Some(index) = found {
                    self.problem(
                        index,
                        ProblemKind::DuplicateObject,
                        format!(
                            "defined twice, at {first} and {second}; the one at {second} is used"
                        ),
                    );
                }
            }
        }
    }
}

/// How a problem message names a relation from the referring object's side: the owned
/// object refers to its owner.
fn verb(relation: Relation) -> &'static str {
    match relation {
        Relation::Owns => "owned by",
        other => other.name(),
    }
}

/// `Kind ns/name` or `Kind name`, as problems name their targets.
fn shown(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{kind} `{ns}/{name}`"),
        None => format!("{kind} `{name}`"),
    }
}
