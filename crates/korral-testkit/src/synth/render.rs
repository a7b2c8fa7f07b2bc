//! Turns one planned [`Object`] into the JSON a live API server returns for it: metadata
//! with uid, resourceVersion, timestamps and `managedFields`, the spec as defaulted by the
//! server, and a status as the controllers leave it.

mod cluster;
mod workloads;

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::json::to_compact_string;
use super::model::{
    Applier, Body, ConfigData, DAY, Endpoint, HOUR, NOW, Object, OwnerRef, SecretData, ServiceInfo,
    SliceInfo,
};
use super::rng::{Rng, base64, pem};

pub(super) fn render(o: &Object) -> Value {
    let mut doc = Doc::new(o);
    match &o.body {
        Body::Namespace { team, env } => namespace(&mut doc, team, env),
        Body::ServiceAccount {
            pull_secret,
            cloud_role,
        } => service_account(&mut doc, *pull_secret, *cloud_role),
        Body::ConfigMap(data) => config_map(&mut doc, data),
        Body::Secret(data) => secret(&mut doc, data),
        Body::Service(info) => service(&mut doc, info),
        Body::EndpointSlice(info) => endpoint_slice(&mut doc, info),
        Body::Ingress {
            service,
            host,
            tls_secret,
        } => ingress(&mut doc, service, host, tls_secret),
        Body::HorizontalPodAutoscaler {
            target,
            min,
            max,
            current,
        } => autoscaler(&mut doc, target, *min, *max, *current),
        Body::PodDisruptionBudget {
            app,
            max_unavailable,
            healthy,
        } => disruption_budget(&mut doc, app, *max_unavailable, *healthy),
        Body::NetworkPolicy { app, port } => network_policy(&mut doc, app.as_deref(), *port),
        Body::Certificate {
            owner,
            secret,
            hosts,
        } => certificate(&mut doc, owner, secret, hosts),
        Body::Widget { config_map, size } => widget(&mut doc, config_map, *size),
        Body::Deployment(w) => workloads::deployment(&mut doc, w),
        Body::ReplicaSet(info) => workloads::replica_set(&mut doc, info),
        Body::StatefulSet(w) => workloads::stateful_set(&mut doc, w),
        Body::Pod(info) => workloads::pod(&mut doc, info),
        Body::CronJob {
            tpl,
            schedule,
            last,
        } => workloads::cron_job(&mut doc, tpl, schedule, *last),
        Body::Job {
            tpl,
            owner,
            start,
            finish,
        } => workloads::job(&mut doc, tpl, owner, *start, *finish),
        Body::PersistentVolumeClaim(info) => cluster::claim(&mut doc, info),
        Body::PersistentVolume(info) => cluster::volume(&mut doc, info),
        Body::Node(slot) => cluster::node(&mut doc, slot),
        Body::StorageClass => cluster::storage_class(&mut doc),
        Body::IngressClass => cluster::ingress_class(&mut doc),
        Body::CustomResourceDefinition => cluster::crd(&mut doc),
        Body::ClusterIssuer => cluster::cluster_issuer(&mut doc),
        Body::ClusterRole | Body::Role => cluster::role(&mut doc),
        Body::ClusterRoleBinding { role, subjects } => {
            cluster::binding(&mut doc, "ClusterRole", role, subjects);
        }
        Body::RoleBinding { subjects } => {
            let role = o.name.clone();
            cluster::binding(&mut doc, "Role", &role, subjects);
        }
    }
    doc.finish()
}

/// An object being rendered: its metadata, managedFields and top-level fields.
pub(super) struct Doc<'a> {
    pub(super) o: &'a Object,
    pub(super) rng: Rng,
    meta: Map<String, Value>,
    managed: Vec<Value>,
    top: Map<String, Value>,
}

impl<'a> Doc<'a> {
    fn new(o: &'a Object) -> Self {
        let mut rng = Rng::new(o.seed);
        let mut meta = Map::new();
        meta.insert("name".into(), o.name.clone().into());
        if let Some(ns) = &o.namespace {
            meta.insert("namespace".into(), ns.to_string().into());
        }
        meta.insert("uid".into(), o.uid.clone().into());
        let version = rng.range(100_000, 98_000_000);
        meta.insert("resourceVersion".into(), version.to_string().into());
        meta.insert("creationTimestamp".into(), timestamp(o.created).into());
        Self {
            o,
            rng,
            meta,
            managed: Vec::new(),
            top: Map::new(),
        }
    }

    pub(super) fn meta(&mut self, key: &str, value: Value) {
        self.meta.insert(key.into(), value);
    }

    pub(super) fn annotate(&mut self, key: &str, value: impl Into<Value>) {
        let annotations = self
            .meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        annotations
            .as_object_mut()
            .expect("annotations are an object")
            .insert(key.into(), value.into());
    }

    pub(super) fn owner(&mut self, owner: &OwnerRef) {
        self.meta("ownerReferences", json!([owner_ref(owner)]));
    }

    /// Sets a top-level field (`spec`, `data`, ...).
    pub(super) fn set(&mut self, key: &str, value: Value) {
        self.top.insert(key.into(), value);
    }

    pub(super) fn label_map(&self) -> Value {
        self.meta
            .get("labels")
            .cloned()
            .unwrap_or_else(|| json!({}))
    }

    /// Records what the tool that created the object leaves behind, given the fields of
    /// the manifest it sent (`user`, top-level name and value, without server defaults):
    /// kubectl's last-applied annotation or Helm's release annotations, and its
    /// managedFields entry. Call after the labels are set.
    pub(super) fn applied(&mut self, user: &[(&str, &Value)]) {
        let o = self.o;
        let (manager, operation) = match o.applier {
            Applier::ClientSide => ("kubectl-client-side-apply", "Update"),
            Applier::ServerSide => ("kubectl", "Apply"),
            Applier::Helm => ("helm", "Update"),
            Applier::Controller => return,
        };
        // Annotations set before this call came from the manifest.
        let user_annotations = self.meta.get("annotations").cloned();
        let mut owned = Map::new();
        if let Some(annotations) = &user_annotations {
            owned.insert("annotations".into(), annotations.clone());
        }
        if o.applier == Applier::Helm {
            let release = self.release();
            let labels = self.meta.entry("labels").or_insert_with(|| json!({}));
            let labels = labels.as_object_mut().expect("labels are an object");
            labels.insert("app.kubernetes.io/managed-by".into(), "Helm".into());
            labels.insert("helm.sh/chart".into(), format!("{release}-0.1.0").into());
            self.annotate("meta.helm.sh/release-name", release);
            let ns = o.namespace.as_deref().unwrap_or("default");
            self.annotate("meta.helm.sh/release-namespace", ns);
            owned.insert("annotations".into(), self.meta["annotations"].clone());
        }
        if o.applier == Applier::ClientSide {
            let annotations = user_annotations.unwrap_or_else(|| json!({}));
            let mut meta = json!({"annotations": annotations, "name": o.name});
            if let Some(labels) = self.meta.get("labels") {
                meta["labels"] = labels.clone();
            }
            if let Some(ns) = &o.namespace {
                meta["namespace"] = ns.to_string().into();
            }
            let mut manifest = json!({
                "apiVersion": o.kind.api_version(),
                "kind": o.kind.as_str(),
                "metadata": meta,
            });
            for (key, value) in user {
                manifest[*key] = (*value).clone();
            }
            let text = to_compact_string(&manifest) + "\n";
            self.annotate("kubectl.kubernetes.io/last-applied-configuration", text);
            owned.insert("annotations".into(), self.meta["annotations"].clone());
        }
        if let Some(labels) = self.meta.get("labels") {
            owned.insert("labels".into(), labels.clone());
        }
        let owned = Value::Object(owned);
        let mut parts = vec![("metadata", &owned)];
        parts.extend_from_slice(user);
        self.managed_by(manager, operation, o.created, None, fields_v1(&parts));
    }

    /// The Helm release an object belongs to: its `app` label, else its name.
    fn release(&self) -> String {
        self.meta
            .get("labels")
            .and_then(|labels| labels.get("app"))
            .and_then(Value::as_str)
            .unwrap_or(&self.o.name)
            .to_owned()
    }

    pub(super) fn managed_by(
        &mut self,
        manager: &str,
        operation: &str,
        time: i64,
        subresource: Option<&str>,
        fields: Value,
    ) {
        let mut entry = Map::new();
        entry.insert("apiVersion".into(), self.o.kind.api_version().into());
        entry.insert("fieldsType".into(), "FieldsV1".into());
        entry.insert("fieldsV1".into(), fields);
        entry.insert("manager".into(), manager.into());
        entry.insert("operation".into(), operation.into());
        if let Some(subresource) = subresource {
            entry.insert("subresource".into(), subresource.into());
        }
        entry.insert("time".into(), timestamp(time).into());
        self.managed.push(Value::Object(entry));
    }

    /// Sets `status`, written by `manager` through the status subresource at `time`.
    pub(super) fn status(&mut self, manager: &str, time: i64, status: Value) {
        let fields = fields_v1(&[("status", &status)]);
        self.managed_by(manager, "Update", time, Some("status"), fields);
        self.set("status", status);
    }

    fn finish(mut self) -> Value {
        if !self.managed.is_empty() {
            self.meta
                .insert("managedFields".into(), self.managed.into());
        }
        let mut top = self.top;
        top.insert("apiVersion".into(), self.o.kind.api_version().into());
        top.insert("kind".into(), self.o.kind.as_str().into());
        top.insert("metadata".into(), Value::Object(self.meta));
        Value::Object(top)
    }
}

/// RFC 3339 in UTC, as `metav1.Time` prints.
pub(crate) fn timestamp(secs: i64) -> String {
    let days = secs.div_euclid(DAY);
    let rem = secs.rem_euclid(DAY);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / HOUR,
        rem % HOUR / 60,
        rem % 60
    )
}

pub(super) fn owner_ref(owner: &OwnerRef) -> Value {
    json!({
        "apiVersion": owner.kind.api_version(),
        "blockOwnerDeletion": true,
        "controller": true,
        "kind": owner.kind.as_str(),
        "name": owner.name,
        "uid": owner.uid,
    })
}

/// The `fieldsV1` set naming every field in `parts` (top-level name and value), in
/// server-side apply's notation: `f:` fields, `k:` keys of list items, `v:` set values,
/// and `.` for a map or list item owned as a whole.
pub(super) fn fields_v1(parts: &[(&str, &Value)]) -> Value {
    let mut set = Map::new();
    for (key, value) in parts {
        let limit = if *key == "metadata" {
            usize::MAX
        } else {
            FIELDS_DEPTH
        };
        set.insert(format!("f:{key}"), field_set(key, value, 1, limit));
    }
    Value::Object(set)
}

/// How many levels of `spec`, `status` and the like the `fieldsV1` sets spell out;
/// deeper fields are left out as if owned whole. A size trade-off: complete sets make
/// managedFields most of an object (a pod triples), and nothing reads below this.
/// `metadata` is always complete.
const FIELDS_DEPTH: usize = 2;

/// The set for field `key` holding `value`, `depth` levels below the top.
fn field_set(key: &str, value: &Value, depth: usize, limit: usize) -> Value {
    let mut set = Map::new();
    if depth >= limit {
        return Value::Object(set);
    }
    match value {
        Value::Object(map) => {
            let whole = depth >= 3
                || matches!(
                    key,
                    "labels" | "annotations" | "matchLabels" | "data" | "requests" | "limits"
                );
            if whole && !map.is_empty() {
                set.insert(".".into(), json!({}));
            }
            for (key, value) in map {
                set.insert(format!("f:{key}"), field_set(key, value, depth + 1, limit));
            }
        }
        Value::Array(items) if key == "finalizers" => {
            set.insert(".".into(), json!({}));
            for item in items {
                set.insert(format!("v:{}", to_compact_string(item)), json!({}));
            }
        }
        // Lists without list-map keys in the OpenAPI schema are atomic.
        Value::Array(_)
            if matches!(
                key,
                "containerStatuses" | "initContainerStatuses" | "tolerations" | "endpoints"
            ) => {}
        Value::Array(items) => {
            for item in items {
                let Some(item_key) = list_key(item) else {
                    // An atomic list is owned as one field.
                    return json!({});
                };
                let mut fields = field_set(key, item, depth + 1, limit);
                // A list item is always owned as a whole too.
                fields
                    .as_object_mut()
                    .expect("a field set is an object")
                    .insert(".".into(), json!({}));
                set.insert(format!("k:{item_key}"), fields);
            }
        }
        _ => {}
    }
    Value::Object(set)
}

/// The key identifying `item` in an associative list, as the OpenAPI list-map keys say.
fn list_key(item: &Value) -> Option<String> {
    let get = |k: &str| item.get(k);
    let key = if let Some(port) = get("containerPort") {
        json!({"containerPort": port, "protocol": get("protocol")?})
    } else if let (Some(port), Some(protocol)) = (get("port"), get("protocol")) {
        json!({"port": port, "protocol": protocol})
    } else if let Some(path) = get("mountPath") {
        json!({"mountPath": path})
    } else if let Some(uid) = get("uid") {
        json!({"uid": uid})
    } else if let (Some(kind), Some(_)) = (get("type"), get("status")) {
        json!({"type": kind})
    } else if let Some(name) = get("name") {
        json!({"name": name})
    } else if let Some(ip) = get("ip") {
        json!({"ip": ip})
    } else {
        return None;
    };
    Some(to_compact_string(&key))
}

/// `{"app": app}`, the selector every workload of the dump uses.
pub(super) fn selector(app: &str) -> Value {
    json!({"app": app})
}

fn namespace(doc: &mut Doc, team: &str, env: &str) {
    let name = doc.o.name.clone();
    doc.meta(
        "labels",
        json!({"kubernetes.io/metadata.name": name, "team": team, "environment": env}),
    );
    doc.applied(&[]);
    doc.set("spec", json!({"finalizers": ["kubernetes"]}));
    doc.set("status", json!({"phase": "Active"}));
}

fn service_account(doc: &mut Doc, pull_secret: bool, cloud_role: bool) {
    if cloud_role {
        let o = doc.o;
        let ns = o.namespace.as_deref().unwrap_or_default();
        let arn = format!("arn:aws:iam::123456789012:role/{ns}-{}", o.name);
        doc.meta(
            "labels",
            json!({"app": o.name, "app.kubernetes.io/name": o.name}),
        );
        doc.annotate("eks.amazonaws.com/role-arn", arn);
    }
    doc.applied(&[]);
    if pull_secret {
        let pulls = json!([{"name": "regcred"}]);
        let at = doc.o.created + 120;
        let fields = fields_v1(&[("imagePullSecrets", &pulls)]);
        doc.managed_by("kubectl-patch", "Update", at, None, fields);
        doc.set("imagePullSecrets", pulls);
    }
}

fn config_map(doc: &mut Doc, data: &ConfigData) {
    let value = match data {
        ConfigData::RootCa(ca) => {
            doc.annotate(
                "kubernetes.io/description",
                "Contains a CA bundle that can be used to verify the kube-apiserver when using \
                 internal endpoints such as the internal service IP or kubernetes.default.svc. \
                 No other usage is guaranteed across distributions of Kubernetes clusters.",
            );
            let data = json!({"ca.crt": ca.as_ref()});
            let annotations = doc.meta["annotations"].clone();
            let fields = fields_v1(&[
                ("data", &data),
                ("metadata", &json!({"annotations": annotations})),
            ]);
            doc.managed_by(
                "kube-controller-manager",
                "Update",
                doc.o.created,
                None,
                fields,
            );
            data
        }
        ConfigData::App { app, port } => {
            doc.meta("labels", json!({"app": app, "app.kubernetes.io/name": app}));
            app_config(&mut doc.rng, app, *port)
        }
        ConfigData::Env { app } => {
            doc.meta("labels", json!({"app": app, "app.kubernetes.io/name": app}));
            env_config(&mut doc.rng, app)
        }
        ConfigData::Owned(owner) => {
            doc.owner(owner);
            doc.meta("labels", json!({"widgets.example.com/name": owner.name}));
            let data = json!({"widget.json": to_compact_string(&json!({
                "name": owner.name,
                "shards": doc.rng.range(1, 8),
                "endpoints": (0..doc.rng.range(2, 6)).map(|i| format!("https://{}-{i}.internal:8443", owner.name)).collect::<Vec<_>>(),
            }))});
            let meta = json!({"labels": doc.label_map(), "ownerReferences": [owner_ref(owner)]});
            let fields = fields_v1(&[("data", &data), ("metadata", &meta)]);
            doc.managed_by("widget-operator", "Update", doc.o.created, None, fields);
            data
        }
        ConfigData::Filler => {
            let mut data = Map::new();
            for i in 0..doc.rng.range(3, 12) {
                let value = if doc.rng.chance(50) { "true" } else { "false" };
                data.insert(
                    format!("feature.{}.enabled", flag_name(&mut doc.rng, i)),
                    value.into(),
                );
            }
            Value::Object(data)
        }
    };
    if !matches!(data, ConfigData::RootCa(_) | ConfigData::Owned(_)) {
        doc.applied(&[("data", &value)]);
    }
    doc.set("data", value);
}

fn flag_name(rng: &mut Rng, i: u64) -> String {
    const WORDS: [&str; 12] = [
        "checkout",
        "search",
        "beta",
        "dark-mode",
        "new-pricing",
        "fast-path",
        "cache",
        "retry",
        "audit",
        "export",
        "v2-api",
        "canary",
    ];
    format!("{}-{i}", rng.pick(&WORDS))
}

/// A plausible `application.yaml` plus a few flat keys the pods read through
/// `configMapKeyRef` (`LOG_LEVEL` always exists).
fn app_config(rng: &mut Rng, app: &str, port: u16) -> Value {
    let mut yaml = format!(
        "server:\n  port: {port}\n  shutdown: graceful\n  compression: true\nlogging:\n  level: info\n  format: json\n"
    );
    let sections = [
        "database",
        "cache",
        "queue",
        "http-client",
        "tracing",
        "features",
    ];
    for section in sections.iter().take(rng.range(1, 3) as usize) {
        yaml.push_str(section);
        yaml.push_str(":\n");
        for i in 0..rng.range(2, 4) {
            let value = match rng.below(4) {
                0 => rng.range(1, 500).to_string(),
                1 => (rng.below(2) == 0).to_string(),
                2 => format!("{app}-{section}.svc.cluster.local"),
                _ => format!("{}s", rng.range(1, 60)),
            };
            let _ = writeln!(yaml, "  {section}-setting-{i}: {value}");
        }
    }
    json!({
        "application.yaml": yaml,
        "LOG_LEVEL": "info",
        "HTTP_PORT": port.to_string(),
        "OTEL_SERVICE_NAME": app,
    })
}

fn env_config(rng: &mut Rng, app: &str) -> Value {
    let mut data = Map::new();
    data.insert("APP_NAME".into(), app.into());
    data.insert(
        "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
        "http://otel-collector.observability.svc:4317".into(),
    );
    data.insert("REGION".into(), "us-east-1".into());
    for i in 0..rng.range(1, 5) {
        let key = format!(
            "{}_{i}",
            rng.pick(&["FEATURE", "LIMIT", "TIMEOUT", "POOL_SIZE", "CACHE_TTL"])
        );
        data.insert(key, rng.range(1, 1_000).to_string().into());
    }
    Value::Object(data)
}

fn secret(doc: &mut Doc, data: &SecretData) {
    match data {
        SecretData::Opaque { keys } => {
            const KEYS: [&str; 8] = [
                "password",
                "username",
                "api-key",
                "jwt-secret",
                "database-url",
                "token",
                "client-secret",
                "encryption-key",
            ];
            let mut values = Map::new();
            for key in KEYS.iter().take(*keys as usize) {
                let len = doc.rng.range(16, 32) as usize;
                let plain = doc.rng.alnum(len);
                values.insert((*key).into(), base64(plain.as_bytes()).into());
            }
            let values = Value::Object(values);
            let kind = json!("Opaque");
            doc.applied(&[("data", &values), ("type", &kind)]);
            doc.set("data", values);
            doc.set("type", kind);
        }
        SecretData::Registry => {
            let password = doc.rng.alnum(40);
            let auth = base64(format!("ci-bot:{password}").as_bytes());
            let config = to_compact_string(&json!({"auths": {"registry.example.com": {
                "username": "ci-bot", "password": password, "auth": auth,
            }}}));
            let values = json!({".dockerconfigjson": base64(config.as_bytes())});
            let kind = json!("kubernetes.io/dockerconfigjson");
            doc.applied(&[("data", &values), ("type", &kind)]);
            doc.set("data", values);
            doc.set("type", kind);
        }
        SecretData::Tls { owner, hosts } => tls_secret(doc, owner, hosts),
    }
}

/// A Secret issued by cert-manager: its annotations, a certificate and key.
fn tls_secret(doc: &mut Doc, owner: &OwnerRef, hosts: &[String]) {
    doc.owner(owner);
    doc.meta("labels", json!({"controller.cert-manager.io/fao": "true"}));
    let annotations = [
        ("cert-manager.io/alt-names", hosts.join(",")),
        ("cert-manager.io/certificate-name", owner.name.clone()),
        ("cert-manager.io/common-name", hosts[0].clone()),
        ("cert-manager.io/ip-sans", String::new()),
        ("cert-manager.io/issuer-group", "cert-manager.io".into()),
        ("cert-manager.io/issuer-kind", "ClusterIssuer".into()),
        ("cert-manager.io/issuer-name", "selfsigned-issuer".into()),
        ("cert-manager.io/uri-sans", String::new()),
    ];
    for (key, value) in annotations {
        doc.annotate(key, value);
    }
    let crt = pem("CERTIFICATE", &mut doc.rng, 1_100) + &pem("CERTIFICATE", &mut doc.rng, 900);
    let key = pem("RSA PRIVATE KEY", &mut doc.rng, 1_190);
    let data = json!({"tls.crt": base64(crt.as_bytes()), "tls.key": base64(key.as_bytes())});
    let meta = json!({
        "annotations": doc.meta["annotations"],
        "labels": doc.label_map(),
        "ownerReferences": [owner_ref(owner)],
    });
    let kind = json!("kubernetes.io/tls");
    let fields = fields_v1(&[("data", &data), ("metadata", &meta), ("type", &kind)]);
    doc.managed_by(
        "cert-manager-certificates-issuing",
        "Apply",
        doc.o.created,
        None,
        fields,
    );
    doc.set("data", data);
    doc.set("type", kind);
}

fn service(doc: &mut Doc, info: &ServiceInfo) {
    let app = &info.app;
    doc.meta(
        "labels",
        json!({"app": app, "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": info.team}),
    );
    // Web apps listen behind port 80; data stores keep their well-known port.
    let port = if info.cluster_ip.is_some() {
        80
    } else {
        info.port
    };
    let ports =
        json!([{"name": info.port_name, "port": port, "protocol": "TCP", "targetPort": info.port}]);
    let mut user = json!({"ports": ports, "selector": selector(app)});
    if info.cluster_ip.is_none() {
        user["clusterIP"] = "None".into();
    }
    doc.applied(&[("spec", &user)]);
    let ip = info.cluster_ip.as_deref().unwrap_or("None");
    let mut spec = user;
    for (key, value) in [
        ("clusterIP", json!(ip)),
        ("clusterIPs", json!([ip])),
        ("internalTrafficPolicy", json!("Cluster")),
        ("ipFamilies", json!(["IPv4"])),
        ("ipFamilyPolicy", json!("SingleStack")),
        ("sessionAffinity", json!("None")),
        ("type", json!("ClusterIP")),
    ] {
        spec[key] = value;
    }
    doc.set("spec", spec);
    doc.set("status", json!({"loadBalancer": {}}));
}

fn endpoint_slice(doc: &mut Doc, info: &SliceInfo) {
    let o = doc.o;
    let service = &info.service.name;
    doc.meta(
        "labels",
        json!({
            "app": info.app,
            "app.kubernetes.io/name": info.app,
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            "kubernetes.io/service-name": service,
        }),
    );
    doc.meta("generateName", format!("{service}-").into());
    doc.owner(&info.service);
    let changed = o.created + 90;
    doc.annotate(
        "endpoints.kubernetes.io/last-change-trigger-time",
        timestamp(changed),
    );
    let ns = o.namespace.as_deref().unwrap_or_default();
    let endpoints: Vec<Value> = info.endpoints.iter().map(|e| endpoint(e, ns)).collect();
    let ports = json!([{"name": info.port_name, "port": info.port, "protocol": "TCP"}]);
    let meta = json!({
        "annotations": doc.meta["annotations"],
        "generateName": {},
        "labels": doc.label_map(),
        "ownerReferences": [owner_ref(&info.service)],
    });
    let address_type = json!("IPv4");
    // Go marshals an empty slice left nil as `null`, and so does the API server here.
    let endpoints = if endpoints.is_empty() {
        Value::Null
    } else {
        Value::Array(endpoints)
    };
    let fields = fields_v1(&[
        ("addressType", &address_type),
        ("endpoints", &endpoints),
        ("metadata", &meta),
        ("ports", &ports),
    ]);
    doc.managed_by("kube-controller-manager", "Update", changed, None, fields);
    doc.set("addressType", address_type);
    doc.set("endpoints", endpoints);
    doc.set("ports", ports);
}

fn endpoint(e: &Endpoint, namespace: &str) -> Value {
    json!({
        "addresses": [e.ip],
        "conditions": {"ready": true, "serving": true, "terminating": false},
        "nodeName": e.node.name,
        "targetRef": {"kind": "Pod", "name": e.pod, "namespace": namespace, "uid": e.uid},
        "zone": e.node.zone,
    })
}

fn ingress(doc: &mut Doc, service: &str, host: &str, tls_secret: &str) {
    doc.meta(
        "labels",
        json!({"app": service, "app.kubernetes.io/name": service}),
    );
    doc.annotate("cert-manager.io/cluster-issuer", "selfsigned-issuer");
    doc.annotate("nginx.ingress.kubernetes.io/proxy-body-size", "16m");
    doc.annotate("nginx.ingress.kubernetes.io/ssl-redirect", "true");
    let spec = json!({
        "ingressClassName": "nginx",
        "rules": [{"host": host, "http": {"paths": [{
            "backend": {"service": {"name": service, "port": {"name": "http"}}},
            "path": "/",
            "pathType": "Prefix",
        }]}}],
        "tls": [{"hosts": [host], "secretName": tls_secret}],
    });
    doc.applied(&[("spec", &spec)]);
    doc.meta("generation", json!(1));
    doc.set("spec", spec);
    let ip = format!("203.0.113.{}", doc.rng.range(10, 250));
    doc.status(
        "nginx-ingress-controller",
        doc.o.created + 40,
        json!({"loadBalancer": {"ingress": [{"ip": ip}]}}),
    );
}

fn autoscaler(doc: &mut Doc, target: &str, min: u32, max: u32, current: u32) {
    doc.meta(
        "labels",
        json!({"app": target, "app.kubernetes.io/name": target}),
    );
    let spec = json!({
        "maxReplicas": max,
        "metrics": [{"resource": {"name": "cpu", "target": {"averageUtilization": 70, "type": "Utilization"}}, "type": "Resource"}],
        "minReplicas": min,
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
    });
    doc.applied(&[("spec", &spec)]);
    doc.set("spec", spec);
    let at = NOW - doc.rng.span(60, 3 * DAY);
    let t = timestamp(doc.o.created + 60);
    let utilization = doc.rng.range(20, 90);
    let status = json!({
        "conditions": [
            {"lastTransitionTime": t, "message": "recommended size matches current size", "reason": "ReadyForNewScale", "status": "True", "type": "AbleToScale"},
            {"lastTransitionTime": t, "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)", "reason": "ValidMetricFound", "status": "True", "type": "ScalingActive"},
            {"lastTransitionTime": t, "message": "the desired count is within the acceptable range", "reason": "DesiredWithinRange", "status": "False", "type": "ScalingLimited"},
        ],
        "currentMetrics": [{"resource": {"current": {"averageUtilization": utilization, "averageValue": format!("{}m", utilization * 3)}, "name": "cpu"}, "type": "Resource"}],
        "currentReplicas": current,
        "desiredReplicas": current,
        "lastScaleTime": timestamp(at),
    });
    doc.status("kube-controller-manager", at, status);
}

fn disruption_budget(doc: &mut Doc, app: &str, max_unavailable: u32, healthy: u32) {
    doc.meta("labels", json!({"app": app, "app.kubernetes.io/name": app}));
    let spec =
        json!({"maxUnavailable": max_unavailable, "selector": {"matchLabels": selector(app)}});
    doc.applied(&[("spec", &spec)]);
    doc.meta("generation", json!(1));
    doc.set("spec", spec);
    let t = timestamp(doc.o.created + 30);
    let status = json!({
        "conditions": [{"lastTransitionTime": t, "message": "", "observedGeneration": 1, "reason": "SufficientPods", "status": "True", "type": "DisruptionAllowed"}],
        "currentHealthy": healthy,
        "desiredHealthy": healthy.saturating_sub(max_unavailable),
        "disruptionsAllowed": max_unavailable.min(healthy),
        "expectedPods": healthy,
        "observedGeneration": 1,
    });
    doc.status("kube-controller-manager", doc.o.created + 30, status);
}

fn network_policy(doc: &mut Doc, app: Option<&str>, port: u16) {
    let spec = match app {
        None => json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
        Some(app) => {
            doc.meta("labels", json!({"app": app, "app.kubernetes.io/name": app}));
            json!({
                "ingress": [{
                    "from": [
                        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}},
                        {"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": doc.o.namespace.as_deref().unwrap_or_default().split('-').next()}}},
                    ],
                    "ports": [{"port": port, "protocol": "TCP"}],
                }],
                "podSelector": {"matchLabels": selector(app)},
                "policyTypes": ["Ingress"],
            })
        }
    };
    doc.applied(&[("spec", &spec)]);
    doc.meta("generation", json!(1));
    doc.set("spec", spec);
}

fn certificate(doc: &mut Doc, owner: &OwnerRef, secret: &str, hosts: &[String]) {
    doc.owner(owner);
    doc.meta("generation", json!(1));
    let spec = json!({
        "dnsNames": hosts,
        "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "selfsigned-issuer"},
        "secretName": secret,
        "usages": ["digital signature", "key encipherment"],
    });
    let meta = json!({"ownerReferences": [owner_ref(owner)]});
    let fields = fields_v1(&[("metadata", &meta), ("spec", &spec)]);
    let at = doc.o.created;
    doc.managed_by("cert-manager-ingress-shim", "Update", at, None, fields);
    doc.set("spec", spec);
    let issued = at + 30;
    let not_after = issued + 90 * DAY;
    let status = json!({
        "conditions": [{"lastTransitionTime": timestamp(issued), "message": "Certificate is up to date and has not expired", "observedGeneration": 1, "reason": "Ready", "status": "True", "type": "Ready"}],
        "notAfter": timestamp(not_after),
        "notBefore": timestamp(issued),
        "renewalTime": timestamp(not_after - 30 * DAY),
        "revision": 1,
    });
    doc.status("cert-manager-certificates-readiness", issued, status);
}

fn widget(doc: &mut Doc, config_map: &str, size: u32) {
    let app = doc.o.name.clone();
    doc.meta("labels", json!({"app": app, "app.kubernetes.io/name": app}));
    let spec = json!({
        "color": doc.rng.pick(&["blue", "green", "orange", "purple"]),
        "configMapRef": {"name": config_map},
        "size": size,
        "tier": doc.rng.pick(&["free", "standard", "premium"]),
    });
    doc.applied(&[("spec", &spec)]);
    doc.meta("generation", json!(1));
    doc.set("spec", spec);
    let t = timestamp(doc.o.created + 5);
    let status = json!({
        "conditions": [{"lastTransitionTime": t, "message": "widget is serving", "reason": "Reconciled", "status": "True", "type": "Ready"}],
        "observedGeneration": 1,
        "phase": "Ready",
        "shards": size * 2,
    });
    doc.status("widget-operator", doc.o.created + 5, status);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_704_096_000), "2024-01-01T08:00:00Z");
        assert_eq!(timestamp(1_709_251_199), "2024-02-29T23:59:59Z");
    }

    #[test]
    fn fields_v1_keys_list_items_and_stops_at_the_depth_limit() {
        let meta = json!({"labels": {"app": "web"}, "ownerReferences": [{"kind": "ReplicaSet", "uid": "u-1"}]});
        let spec = json!({"containers": [{"name": "app", "image": "app:1"}], "replicas": 2});
        let fields = fields_v1(&[("metadata", &meta), ("spec", &spec)]);
        assert_eq!(
            fields,
            json!({
                "f:metadata": {
                    "f:labels": {".": {}, "f:app": {}},
                    "f:ownerReferences": {"k:{\"uid\":\"u-1\"}": {".": {}, "f:kind": {}, "f:uid": {}}},
                },
                "f:spec": {"f:containers": {}, "f:replicas": {}},
            })
        );
    }
}
