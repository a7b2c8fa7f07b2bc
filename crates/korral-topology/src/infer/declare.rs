//! What each object declares about others: the references in its spec and the pods it
//! selects, read from its JSON text. Inference resolves them against the whole set at
//! once; a live graph resolves them one object at a time. Both see the same
//! declarations, so both draw the same edges.

use std::collections::BTreeMap;

use korral_core::{ApiVersion, LabelSelectorSpec, Object};

use super::refs;
use super::{RBAC, Ref};
use crate::relation::Relation;

/// Receives what an object declares.
pub(crate) trait Declare {
    /// Object `from` names `r`. The edge runs from `from` to the named object, or the
    /// other way when `reversed` (an ownerReference names the owner, and the owner owns;
    /// an EndpointSlice's label names its Service, and the Service has the endpoints).
    fn reference(&mut self, from: usize, relation: Relation, r: &Ref<'_>, reversed: bool);

    /// Object `from` selects pods of its namespace.
    fn selection(&mut self, from: usize, selection: Selection<'_>);

    /// Object `from` is a workload that no other workload manages, and runs pods from
    /// a template with these labels: what its selectors select when there are no pods
    /// (manifests that were never applied).
    fn template(&mut self, from: usize, labels: &BTreeMap<String, String>);
}

/// The names of roles every cluster creates at bootstrap: manifests bind them, never
/// define them.
fn bootstrap_role(name: &str) -> bool {
    name.starts_with("system:")
        || matches!(
            name,
            "cluster-admin"
                | "admin"
                | "edit"
                | "view"
                | "extension-apiserver-authentication-reader"
        )
}

/// The Gateway API's route kinds.
const ROUTES: [&str; 5] = ["HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute"];
const GATEWAY: &str = "gateway.networking.k8s.io";

/// How an object selects pods.
pub(crate) enum Selection<'s> {
    /// A Service's `spec.selector` map; empty selects nothing.
    Service(&'s BTreeMap<String, String>),
    /// A `metav1.LabelSelector` (PodDisruptionBudget, NetworkPolicy); empty selects
    /// every pod of the namespace.
    Selector(&'s LabelSelectorSpec),
}

/// Sends everything `object` (at `index`) declares to `out`.
pub(crate) fn declare(object: &Object, index: usize, out: &mut impl Declare) {
    Declarer { object, out }.object(index);
}

struct Declarer<'o, D> {
    object: &'o Object,
    out: &'o mut D,
}

impl<D: Declare> Declarer<'_, D> {
    fn link(&mut self, from: usize, relation: Relation, r: &Ref<'_>) {
        self.out.reference(from, relation, r, false);
    }

    #[allow(clippy::too_many_lines)] // one arm per kind that declares references
    fn object(&mut self, index: usize) {
        let object = self.object;
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
            self.out.reference(index, Relation::Owns, &r, true);
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
            | ("", "ReplicationController")
                if !self.managed_by_workload() =>
            {
                if let Ok(workload) = raw.parse::<refs::Workload>() {
                    self.pod_spec(index, &workload.spec.template.spec, namespace, None);
                }
                self.template(index);
            }
            ("batch", "CronJob") => {
                if let Ok(cron) = raw.parse::<refs::CronJob>() {
                    let spec = &cron.spec.job_template.spec.template.spec;
                    self.pod_spec(index, spec, namespace, None);
                }
                self.template(index);
            }
            ("", "Service") => {
                if let Ok(service) = raw.parse::<refs::Service>()
                    && let Some(labels) = service.spec.selector.as_ref()
                {
                    self.out.selection(index, Selection::Service(labels));
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
                    self.out.selection(index, Selection::Selector(spec));
                }
            }
            ("networking.k8s.io", "NetworkPolicy") => {
                if let Ok(policy) = raw.parse::<refs::NetworkPolicy>() {
                    // An absent podSelector is read as empty by the API server.
                    let spec = policy.spec.pod_selector.unwrap_or_default();
                    self.out.selection(index, Selection::Selector(&spec));
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
            (
                "admissionregistration.k8s.io",
                "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration",
            ) => {
                if let Ok(config) = raw.parse::<refs::WebhookConfiguration>() {
                    let services = config
                        .webhooks
                        .iter()
                        .filter_map(|w| w.client_config.as_ref()?.service.as_ref());
                    for service in services {
                        self.service_ref(index, service);
                    }
                }
            }
            ("apiregistration.k8s.io", "APIService") => {
                if let Ok(api) = raw.parse::<refs::ApiService>()
                    && let Some(service) = &api.spec.service
                {
                    self.service_ref(index, service);
                }
            }
            (GATEWAY, kind) if ROUTES.contains(&kind) => {
                if let Ok(route) = raw.parse::<refs::Route>() {
                    self.route(index, namespace, &route.spec);
                }
            }
            (GATEWAY, "Gateway") => {
                if let Ok(gateway) = raw.parse::<refs::Gateway>()
                    && let Some(class) = gateway.spec.gateway_class_name.as_deref()
                {
                    let r = Ref::new(GATEWAY, "GatewayClass", None, class);
                    self.link(index, Relation::Class, &r);
                }
            }
            _ => {}
        }
    }

    /// Sends the labels of this workload's pod template.
    fn template(&mut self, index: usize) {
        if let Ok(workload) = self.object.raw().parse::<refs::TemplateLabels>() {
            let spec = match workload.spec.job_template {
                Some(job) => job.spec,
                None => workload.spec,
            };
            let labels = spec.template.map(|t| t.metadata.labels).unwrap_or_default();
            self.out.template(index, &labels);
        }
    }

    /// A Service the API server calls (an admission webhook, an APIService).
    fn service_ref(&mut self, index: usize, service: &refs::ServiceRef) {
        let r = Ref::new("", "Service", service.namespace.as_deref(), &service.name);
        self.link(index, Relation::RoutesTo, &r);
    }

    /// A Gateway API route: its backends (Services unless said otherwise) and the
    /// Gateways it attaches to.
    fn route(&mut self, index: usize, namespace: Option<&str>, spec: &refs::RouteSpec) {
        for parent in &spec.parent_refs {
            let group = parent.group.as_deref().unwrap_or(GATEWAY);
            let kind = parent.kind.as_deref().unwrap_or("Gateway");
            let r = Ref::new(
                group,
                kind,
                parent.namespace.as_deref().or(namespace),
                &parent.name,
            );
            self.link(index, Relation::AttachesTo, &r);
        }
        for backend in spec.rules.iter().flat_map(|rule| &rule.backend_refs) {
            let group = backend.group.as_deref().unwrap_or("");
            let kind = backend.kind.as_deref().unwrap_or("Service");
            let backend_namespace = backend.namespace.as_deref().or(namespace);
            let r = Ref::new(group, kind, backend_namespace, &backend.name);
            self.link(index, Relation::RoutesTo, &r);
        }
    }

    /// PersistentVolumeClaim → PersistentVolume and StorageClass; PersistentVolume →
    /// StorageClass.
    fn storage(&mut self, index: usize, is_claim: bool) {
        let raw = self.object.raw();

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

    /// Whether a workload is run by another workload (a Deployment's ReplicaSet, a
    /// CronJob's Job): its pod template is that owner's, so the template's references
    /// are drawn once, from the owner. Decided by the owner's kind alone, so that a
    /// live graph, which sees objects one at a time, draws the same edges.
    fn managed_by_workload(&self) -> bool {
        self.object.metadata().owner_references.iter().any(|owner| {
            let group = ApiVersion::parse(&owner.api_version).group;
            matches!(
                (group, owner.kind.as_str()),
                ("apps", "Deployment" | "StatefulSet" | "DaemonSet") | ("batch", "CronJob")
            )
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
        let object = self.object;
        let namespace = object.namespace();
        if let Some(service) = object.labels().get("kubernetes.io/service-name") {
            let r = Ref::new("", "Service", namespace, service);
            self.out.reference(index, Relation::Endpoints, &r, true);
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
            // Roles the cluster made at bootstrap are there even when no file holds them.
            let r = Ref::new(group, &role.kind, role_namespace, &role.name)
                .optional(Some(bootstrap_role(&role.name)));
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
}
