//! Deployments, ReplicaSets, StatefulSets, CronJobs, Jobs and their Pods, sharing one
//! pod template builder so that a Pod's spec is its owner's template plus what the
//! scheduler and admission add.

use serde_json::{Map, Value, json};

use super::{Doc, fields_v1, owner_ref, selector, timestamp};
use crate::synth::model::{
    HOUR, Kind, NOW, OwnerRef, PodInfo, PodTemplate, ReplicaSetInfo, Role, Workload,
};
use crate::synth::rng::{Rng, digest};

/// Where the pods' `kube-api-access-*` volume is mounted.
const SERVICE_ACCOUNT_MOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Labels on the workload object itself.
fn workload_labels(tpl: &PodTemplate) -> Value {
    json!({
        "app": tpl.app,
        "app.kubernetes.io/component": component(tpl.role),
        "app.kubernetes.io/name": tpl.app,
        "app.kubernetes.io/part-of": tpl.team,
        "app.kubernetes.io/version": tpl.version,
    })
}

fn component(role: Role) -> &'static str {
    match role {
        Role::Server => "server",
        Role::Database => "database",
        Role::Batch => "job",
    }
}

/// Labels in the pod template (and so on every pod).
fn pod_labels(tpl: &PodTemplate) -> Map<String, Value> {
    let mut labels = Map::new();
    labels.insert("app".into(), tpl.app.clone().into());
    labels.insert("app.kubernetes.io/name".into(), tpl.app.clone().into());
    labels.insert("app.kubernetes.io/part-of".into(), tpl.team.into());
    if tpl.role != Role::Batch {
        labels.insert(
            "app.kubernetes.io/version".into(),
            tpl.version.clone().into(),
        );
    }
    labels
}

fn pod_annotations(tpl: &PodTemplate) -> Option<Value> {
    (tpl.role == Role::Server && tpl.sidecar).then(|| {
        json!({
            "prometheus.io/path": "/metrics",
            "prometheus.io/port": "9090",
            "prometheus.io/scrape": "true",
        })
    })
}

/// The pod template's `metadata` as written (`server` adds `creationTimestamp: null`,
/// which the API server keeps in templates).
fn template_meta(tpl: &PodTemplate, extra: &[(&str, &str)], server: bool) -> Value {
    let mut labels = pod_labels(tpl);
    for (key, value) in extra {
        labels.insert((*key).into(), (*value).into());
    }
    let mut meta = json!({"labels": labels});
    if let Some(annotations) = pod_annotations(tpl) {
        meta["annotations"] = annotations;
    }
    if server {
        meta["creationTimestamp"] = Value::Null;
    }
    meta
}

/// The main container's name.
fn container_name(tpl: &PodTemplate) -> &str {
    match tpl.role {
        Role::Server => &tpl.app,
        Role::Database => tpl
            .image
            .rsplit('/')
            .next()
            .and_then(|i| i.split(':').next())
            .unwrap_or("db"),
        Role::Batch => "job",
    }
}

/// The pod spec as the manifest writes it. Lean templates (most apps) run one container
/// with its config mounted; rich ones add env references, a mounted Secret, probes,
/// security settings and sometimes an init container and a sidecar.
fn user_pod_spec(tpl: &PodTemplate) -> Value {
    let mut containers = vec![main_container(tpl)];
    if tpl.sidecar {
        containers.push(json!({
            "name": "log-shipper",
            "image": "docker.io/fluent/fluent-bit:2.2.2",
            "args": ["--config=/fluent-bit/etc/fluent-bit.yaml"],
            "resources": resources(50, 64),
            "volumeMounts": [{"mountPath": "/var/log/app", "name": "logs", "readOnly": true}],
        }));
    }
    let mut volumes = vec![json!({"name": "config", "configMap": {"name": tpl.config_map}})];
    if mounts_secret(tpl) {
        volumes.push(json!({"name": "secrets", "secret": {"secretName": tpl.secret}}));
    }
    if tpl.sidecar {
        volumes.push(json!({"name": "logs", "emptyDir": {}}));
    }
    if let Some(claim) = &tpl.claim {
        volumes.push(json!({"name": "data", "persistentVolumeClaim": {"claimName": claim}}));
    }
    // Big values are assigned, not put in `json!`, which would copy them.
    let mut spec = json!({"imagePullSecrets": [{"name": "regcred"}]});
    spec["containers"] = containers.into();
    spec["volumes"] = volumes.into();
    if tpl.rich {
        spec["securityContext"] = json!({"fsGroup": 10_001, "runAsNonRoot": true});
    }
    if let Some(account) = &tpl.service_account {
        spec["serviceAccountName"] = account.as_str().into();
    }
    if !automounts_token(tpl) {
        spec["automountServiceAccountToken"] = json!(false);
    }
    if tpl.init {
        let command = if tpl.role == Role::Database {
            format!("chown -R 10001:10001 /data && echo ready for {}", tpl.app)
        } else {
            format!("until nc -z {}-config 443; do sleep 2; done", tpl.app)
        };
        let mount = if tpl.role == Role::Database {
            json!({"mountPath": "/data", "name": "data"})
        } else {
            json!({"mountPath": "/config", "name": "config", "readOnly": true})
        };
        spec["initContainers"] = json!([{
            "name": "init",
            "image": "docker.io/library/busybox:1.36.1",
            "command": ["sh", "-c", command],
            "resources": resources(10, 16),
            "volumeMounts": [mount],
        }]);
    }
    match tpl.role {
        Role::Server => {}
        Role::Database => {
            spec["terminationGracePeriodSeconds"] = json!(120);
            spec["affinity"] = json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
                "labelSelector": {"matchLabels": selector(&tpl.app)},
                "topologyKey": "kubernetes.io/hostname",
            }]}});
        }
        Role::Batch => spec["restartPolicy"] = json!("OnFailure"),
    }
    spec
}

/// Lean apps running as the namespace's `default` ServiceAccount never call the API and
/// opt out of its token, as hardening guides advise.
fn automounts_token(tpl: &PodTemplate) -> bool {
    tpl.rich || tpl.service_account.is_some()
}

/// Rich apps that take their Secret through `envFrom` don't also mount it.
fn mounts_secret(tpl: &PodTemplate) -> bool {
    tpl.rich && tpl.env_config_map.is_none()
}

fn resources(cpu_m: u32, memory_mi: u32) -> Value {
    json!({
        "limits": {"cpu": format!("{}m", cpu_m * 2), "memory": format!("{}Mi", memory_mi * 2)},
        "requests": {"cpu": format!("{cpu_m}m"), "memory": format!("{memory_mi}Mi")},
    })
}

fn main_container(tpl: &PodTemplate) -> Value {
    let mut mounts =
        vec![json!({"mountPath": format!("/etc/{}", tpl.app), "name": "config", "readOnly": true})];
    if mounts_secret(tpl) {
        mounts.push(json!({"mountPath": format!("/var/run/secrets/{}", tpl.app), "name": "secrets", "readOnly": true}));
    }
    if tpl.claim.is_some() || tpl.role == Role::Database {
        mounts.push(json!({"mountPath": "/data", "name": "data"}));
    }
    if tpl.sidecar {
        mounts.push(json!({"mountPath": "/var/log/app", "name": "logs"}));
    }
    let mut container = json!({
        "name": container_name(tpl),
        "image": tpl.image,
    });
    container["resources"] = resources(tpl.cpu_m, tpl.memory_mi);
    container["volumeMounts"] = mounts.into();
    if tpl.rich {
        container["securityContext"] =
            json!({"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true});
        if let Some(name) = &tpl.env_config_map {
            container["envFrom"] =
                json!([{"configMapRef": {"name": name}}, {"secretRef": {"name": tpl.secret}}]);
        } else if tpl.role != Role::Batch {
            container["env"] = json!([
                {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"key": "LOG_LEVEL", "name": tpl.config_map}}},
                {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"key": "password", "name": tpl.secret}}},
            ]);
        }
    }
    match tpl.role {
        Role::Server => {
            container["ports"] = json!([{"containerPort": tpl.port, "name": "http"}]);
            if tpl.rich {
                let probe = |path: &str, delay: u32| json!({"httpGet": {"path": path, "port": "http"}, "initialDelaySeconds": delay, "periodSeconds": 10});
                container["livenessProbe"] = probe("/healthz", 15);
                container["readinessProbe"] = probe("/ready", 5);
            }
        }
        Role::Database => {
            container["ports"] = json!([{"containerPort": tpl.port, "name": "tcp"}]);
            let probe = json!({"tcpSocket": {"port": tpl.port}, "initialDelaySeconds": 30, "periodSeconds": 10});
            container["livenessProbe"] = probe.clone();
            container["readinessProbe"] = probe;
        }
        Role::Batch => {
            // Batch pods borrow the namespace's `kube-root-ca.crt`, which has no
            // application keys to reference.
            container["env"] = json!([{"name": "LOG_LEVEL", "value": "info"}]);
            let command = format!(
                "/app/{} --since=24h --output=s3://reports/{}",
                tpl.app, tpl.team
            );
            container["command"] = json!(["/bin/sh", "-c", command]);
        }
    }
    container
}

/// Adds what the API server's defaulting fills into a pod spec.
fn default_pod_spec(spec: &mut Value) {
    let defaults = [
        ("dnsPolicy", json!("ClusterFirst")),
        ("restartPolicy", json!("Always")),
        ("schedulerName", json!("default-scheduler")),
        ("terminationGracePeriodSeconds", json!(30)),
        ("securityContext", json!({})),
    ];
    for (key, value) in defaults {
        if spec.get(key).is_none() {
            spec[key] = value;
        }
    }
    for list in ["containers", "initContainers"] {
        let Some(containers) = spec.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for container in containers {
            container["imagePullPolicy"] = json!("IfNotPresent");
            container["terminationMessagePath"] = json!("/dev/termination-log");
            container["terminationMessagePolicy"] = json!("File");
            if let Some(ports) = container.get_mut("ports").and_then(Value::as_array_mut) {
                for port in ports {
                    port["protocol"] = json!("TCP");
                }
            }
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                let Some(probe) = container.get_mut(probe) else {
                    continue;
                };
                if let Some(get) = probe.get_mut("httpGet") {
                    get["scheme"] = json!("HTTP");
                }
                for (key, value) in [
                    ("failureThreshold", 3),
                    ("successThreshold", 1),
                    ("timeoutSeconds", 1),
                ] {
                    if probe.get(key).is_none() {
                        probe[key] = json!(value);
                    }
                }
            }
            if let Some(env) = container.get_mut("env").and_then(Value::as_array_mut) {
                for var in env {
                    if let Some(field) = var.pointer_mut("/valueFrom/fieldRef") {
                        field["apiVersion"] = json!("v1");
                    }
                    if let Some(field) = var.pointer_mut("/valueFrom/resourceFieldRef") {
                        field["divisor"] = json!("0");
                    }
                }
            }
        }
    }
    if let Some(volumes) = spec.get_mut("volumes").and_then(Value::as_array_mut) {
        for volume in volumes {
            for source in ["configMap", "secret"] {
                if let Some(source) = volume.get_mut(source) {
                    source["defaultMode"] = json!(420);
                }
            }
        }
    }
}

/// The template as the API server stores it in a workload's spec.
fn server_template(tpl: &PodTemplate, extra: &[(&str, &str)]) -> Value {
    let mut spec = user_pod_spec(tpl);
    default_pod_spec(&mut spec);
    let mut template = json!({});
    template["metadata"] = template_meta(tpl, extra, true);
    template["spec"] = spec;
    template
}

pub(super) fn deployment(doc: &mut Doc, w: &Workload) {
    let tpl = &w.tpl;
    doc.meta("labels", workload_labels(tpl));
    let mut user = json!({
        "replicas": w.replicas,
        "selector": {"matchLabels": {"app": tpl.app}},
        "template": {},
    });
    user["template"]["metadata"] = template_meta(tpl, &[], false);
    user["template"]["spec"] = user_pod_spec(tpl);
    if tpl.claim.is_some() {
        user["strategy"] = json!({"type": "Recreate"});
    }
    doc.applied(&[("spec", &user)]);
    let mut spec = user;
    spec["progressDeadlineSeconds"] = json!(600);
    spec["revisionHistoryLimit"] = json!(10);
    if spec.get("strategy").is_none() {
        spec["strategy"] = json!({"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"});
    }
    spec["template"] = server_template(tpl, &[]);
    let generation = w.revision;
    doc.meta("generation", json!(generation));
    doc.set("spec", spec);
    let created = doc.o.created;
    let rolled = w.rolled_out;
    let revision = json!({"deployment.kubernetes.io/revision": w.revision.to_string()});
    let fields = fields_v1(&[("metadata", &json!({"annotations": revision}))]);
    doc.managed_by("kube-controller-manager", "Update", rolled, None, fields);
    doc.annotate("deployment.kubernetes.io/revision", w.revision.to_string());
    let rs = format!("{}-{}", doc.o.name, w.hash);
    let mut status = json!({
        "availableReplicas": w.replicas,
        "conditions": [
            {
                "lastTransitionTime": timestamp(rolled + 60),
                "lastUpdateTime": timestamp(rolled + 60),
                "message": "Deployment has minimum availability.",
                "reason": "MinimumReplicasAvailable",
                "status": "True",
                "type": "Available",
            },
            {
                "lastTransitionTime": timestamp(created),
                "lastUpdateTime": timestamp(rolled + 45),
                "message": format!("ReplicaSet \"{rs}\" has successfully progressed."),
                "reason": "NewReplicaSetAvailable",
                "status": "True",
                "type": "Progressing",
            },
        ],
        "observedGeneration": generation,
        "readyReplicas": w.replicas,
        "replicas": w.replicas,
        "updatedReplicas": w.replicas,
    });
    if w.replicas == 0 {
        // The counts are `omitempty`.
        let status = status.as_object_mut().expect("status is an object");
        status.retain(|key, _| !key.ends_with("eplicas"));
    }
    doc.status("kube-controller-manager", rolled + 60, status);
}

pub(super) fn replica_set(doc: &mut Doc, info: &ReplicaSetInfo) {
    let tpl = &info.tpl;
    let mut labels = pod_labels(tpl);
    labels.insert("pod-template-hash".into(), info.hash.clone().into());
    let labels = Value::Object(labels);
    doc.meta("labels", labels.clone());
    doc.annotate(
        "deployment.kubernetes.io/desired-replicas",
        info.desired.to_string(),
    );
    doc.annotate(
        "deployment.kubernetes.io/max-replicas",
        (info.desired + info.desired.div_ceil(4)).to_string(),
    );
    doc.annotate(
        "deployment.kubernetes.io/revision",
        info.revision.to_string(),
    );
    doc.owner(&info.owner);
    let generation = if info.replicas == 0 { 3 } else { 1 };
    doc.meta("generation", json!(generation));
    let mut select = selector(&tpl.app);
    select["pod-template-hash"] = info.hash.clone().into();
    let mut spec = json!({"replicas": info.replicas, "selector": {}});
    spec["selector"]["matchLabels"] = select;
    spec["template"] = server_template(tpl, &[("pod-template-hash", &info.hash)]);
    let mut meta = json!({"ownerReferences": [owner_ref(&info.owner)]});
    meta["annotations"] = doc.meta["annotations"].clone();
    meta["labels"] = labels;
    let at = doc.o.created;
    doc.managed_by(
        "kube-controller-manager",
        "Update",
        at,
        None,
        fields_v1(&[("metadata", &meta), ("spec", &spec)]),
    );
    doc.set("spec", spec);
    let status = if info.replicas == 0 {
        json!({"observedGeneration": generation, "replicas": 0})
    } else {
        json!({
            "availableReplicas": info.replicas,
            "fullyLabeledReplicas": info.replicas,
            "observedGeneration": generation,
            "readyReplicas": info.replicas,
            "replicas": info.replicas,
        })
    };
    doc.status("kube-controller-manager", at + 60, status);
}

pub(super) fn stateful_set(doc: &mut Doc, w: &Workload) {
    let tpl = &w.tpl;
    doc.meta("labels", workload_labels(tpl));
    let claim_spec = json!({
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": format!("{}Gi", tpl.storage_gi)}},
        "storageClassName": "standard",
    });
    let user = json!({
        "replicas": w.replicas,
        "selector": {"matchLabels": selector(&tpl.app)},
        "serviceName": w.service,
        "template": {"metadata": template_meta(tpl, &[], false), "spec": user_pod_spec(tpl)},
        "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": claim_spec}],
    });
    doc.applied(&[("spec", &user)]);
    let mut spec = user;
    spec["podManagementPolicy"] = json!("OrderedReady");
    spec["persistentVolumeClaimRetentionPolicy"] =
        json!({"whenDeleted": "Retain", "whenScaled": "Retain"});
    spec["revisionHistoryLimit"] = json!(10);
    spec["updateStrategy"] = json!({"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"});
    spec["template"] = server_template(tpl, &[]);
    let mut claim_spec = claim_spec;
    claim_spec["volumeMode"] = json!("Filesystem");
    spec["volumeClaimTemplates"] = json!([{
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"creationTimestamp": null, "name": "data"},
        "spec": claim_spec,
        "status": {"phase": "Pending"},
    }]);
    doc.meta("generation", json!(w.revision));
    doc.set("spec", spec);
    let revision = format!("{}-{}", tpl.app, w.hash);
    let status = json!({
        "availableReplicas": w.replicas,
        "collisionCount": 0,
        "currentReplicas": w.replicas,
        "currentRevision": revision,
        "observedGeneration": w.revision,
        "readyReplicas": w.replicas,
        "replicas": w.replicas,
        "updateRevision": revision,
        "updatedReplicas": w.replicas,
    });
    let at = doc.o.created + 40 * i64::from(w.replicas) + 60;
    doc.status("kube-controller-manager", at, status);
}

pub(super) fn cron_job(doc: &mut Doc, tpl: &PodTemplate, schedule: &str, last: i64) {
    doc.meta("labels", workload_labels(tpl));
    let user = json!({
        "concurrencyPolicy": "Forbid",
        "jobTemplate": {"spec": {
            "backoffLimit": 2,
            "template": {"metadata": template_meta(tpl, &[], false), "spec": user_pod_spec(tpl)},
        }},
        "schedule": schedule,
        "successfulJobsHistoryLimit": 3,
        "timeZone": "Etc/UTC",
    });
    doc.applied(&[("spec", &user)]);
    let mut spec = user;
    spec["failedJobsHistoryLimit"] = json!(1);
    spec["suspend"] = json!(false);
    spec["jobTemplate"] = json!({
        "metadata": {"creationTimestamp": null},
        "spec": {"backoffLimit": 2, "template": server_template(tpl, &[])},
    });
    doc.meta("generation", json!(1));
    doc.set("spec", spec);
    let done = last + 120;
    let status =
        json!({"lastScheduleTime": timestamp(last), "lastSuccessfulTime": timestamp(done)});
    doc.status("kube-controller-manager", done, status);
}

pub(super) fn job(doc: &mut Doc, tpl: &PodTemplate, owner: &OwnerRef, start: i64, finish: i64) {
    let uid = doc.o.uid.clone();
    let name = doc.o.name.clone();
    let job_labels = [
        ("batch.kubernetes.io/controller-uid", uid.as_str()),
        ("batch.kubernetes.io/job-name", name.as_str()),
        ("controller-uid", uid.as_str()),
        ("job-name", name.as_str()),
    ];
    let mut labels = pod_labels(tpl);
    for (key, value) in job_labels {
        labels.insert(key.into(), value.into());
    }
    let labels = Value::Object(labels);
    doc.meta("labels", labels.clone());
    doc.annotate(
        "batch.kubernetes.io/cronjob-scheduled-timestamp",
        timestamp(start),
    );
    doc.owner(owner);
    doc.meta("generation", json!(1));
    let mut spec = json!({
        "backoffLimit": 2,
        "completionMode": "NonIndexed",
        "completions": 1,
        "manualSelector": false,
        "parallelism": 1,
        "podReplacementPolicy": "TerminatingOrFailed",
        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}},
        "suspend": false,
    });
    spec["template"] = server_template(tpl, &job_labels);
    let mut meta = json!({"ownerReferences": [owner_ref(owner)]});
    meta["annotations"] = doc.meta["annotations"].clone();
    meta["labels"] = labels;
    doc.managed_by(
        "kube-controller-manager",
        "Update",
        start,
        None,
        fields_v1(&[("metadata", &meta), ("spec", &spec)]),
    );
    doc.set("spec", spec);
    let status = json!({
        "completionTime": timestamp(finish + 2),
        "conditions": [
            {"lastProbeTime": timestamp(finish + 2), "lastTransitionTime": timestamp(finish + 2), "message": "Reached expected number of succeeded pods", "reason": "CompletionsReached", "status": "True", "type": "SuccessCriteriaMet"},
            {"lastProbeTime": timestamp(finish + 2), "lastTransitionTime": timestamp(finish + 2), "message": "Reached expected number of succeeded pods", "reason": "CompletionsReached", "status": "True", "type": "Complete"},
        ],
        "ready": 0,
        "startTime": timestamp(start),
        "succeeded": 1,
        "terminating": 0,
        "uncountedTerminatedPods": {},
    });
    doc.status("kube-controller-manager", finish + 2, status);
}

/// The labels a pod gets from its owner on top of the template's.
fn owner_labels(info: &PodInfo, pod_name: &str) -> Vec<(&'static str, String)> {
    let owner = &info.owner;
    match owner.kind {
        Kind::ReplicaSet => vec![("pod-template-hash", info.hash.clone())],
        Kind::StatefulSet => vec![
            (
                "apps.kubernetes.io/pod-index",
                info.ordinal.unwrap_or(0).to_string(),
            ),
            (
                "controller-revision-hash",
                format!("{}-{}", owner.name, info.hash),
            ),
            ("statefulset.kubernetes.io/pod-name", pod_name.to_owned()),
        ],
        _ => vec![
            ("batch.kubernetes.io/controller-uid", owner.uid.clone()),
            ("batch.kubernetes.io/job-name", owner.name.clone()),
            ("controller-uid", owner.uid.clone()),
            ("job-name", owner.name.clone()),
        ],
    }
}

pub(super) fn pod(doc: &mut Doc, info: &PodInfo) {
    let o = doc.o;
    let tpl = &info.tpl;
    let mut labels = pod_labels(tpl);
    for (key, value) in owner_labels(info, &o.name) {
        labels.insert(key.into(), value.into());
    }
    let labels = Value::Object(labels);
    doc.meta("labels", labels.clone());
    if let Some(annotations) = pod_annotations(tpl) {
        doc.meta("annotations", annotations);
    }
    if info.ordinal.is_none() {
        let generate = o.name.rsplit_once('-').map_or("", |(base, _)| base);
        doc.meta("generateName", format!("{generate}-").into());
    }
    doc.owner(&info.owner);
    doc.meta("generation", json!(1));
    let mut spec = user_pod_spec(tpl);
    if let Some(claim) = &info.claim {
        let volumes = spec["volumes"].as_array_mut().expect("volumes are a list");
        volumes.push(json!({"name": "data", "persistentVolumeClaim": {"claimName": claim}}));
    }
    if info.ordinal.is_some() {
        spec["hostname"] = o.name.clone().into();
        spec["subdomain"] = tpl.app.clone().into();
    }
    default_pod_spec(&mut spec);
    let mut meta = json!({"ownerReferences": [owner_ref(&info.owner)]});
    meta["labels"] = labels;
    if let Some(annotations) = doc.meta.get("annotations") {
        meta["annotations"] = annotations.clone();
    }
    if info.ordinal.is_none() {
        meta["generateName"] = json!({});
    }
    doc.managed_by(
        "kube-controller-manager",
        "Update",
        o.created,
        None,
        fields_v1(&[("metadata", &meta), ("spec", &spec)]),
    );
    let access = format!("kube-api-access-{}", doc.rng.suffix(5));
    add_pod_admission(&mut spec, info, &access);
    let status = pod_status(&mut doc.rng, o.created, info, &spec);
    let changed = info.finished.unwrap_or(o.created + 30) + 2;
    doc.set("spec", spec);
    doc.status("kubelet", changed, status);
}

/// What admission, the scheduler and the ServiceAccount controller add to a pod: the
/// token volume and mounts, tolerations, priority and the node.
fn add_pod_admission(spec: &mut Value, info: &PodInfo, access: &str) {
    let account = info
        .tpl
        .service_account
        .clone()
        .unwrap_or_else(|| "default".into());
    spec["serviceAccount"] = account.clone().into();
    spec["serviceAccountName"] = account.into();
    spec["enableServiceLinks"] = json!(true);
    spec["nodeName"] = info.node.name.clone().into();
    spec["preemptionPolicy"] = json!("PreemptLowerPriority");
    spec["priority"] = json!(0);
    spec["tolerations"] = json!([
        {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
        {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300},
    ]);
    if !automounts_token(&info.tpl) {
        return;
    }
    let mount = json!({"mountPath": SERVICE_ACCOUNT_MOUNT, "name": access, "readOnly": true});
    for list in ["containers", "initContainers"] {
        for container in spec
            .get_mut(list)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let mounts = container
                .get_mut("volumeMounts")
                .and_then(Value::as_array_mut);
            match mounts {
                Some(mounts) => mounts.push(mount.clone()),
                None => container["volumeMounts"] = json!([mount]),
            }
        }
    }
    let volume = json!({"name": access, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
        {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}},
    ]}});
    spec["volumes"]
        .as_array_mut()
        .expect("volumes are a list")
        .push(volume);
}

fn pod_status(rng: &mut Rng, created: i64, info: &PodInfo, spec: &Value) -> Value {
    let scheduled = created + 1;
    let initialized = scheduled + if info.tpl.init { 8 } else { 2 };
    let ready = initialized + rng.span(5, 40);
    let done = info.finished;
    let condition = |kind: &str, at: i64, ok: bool| {
        let mut c = json!({"lastProbeTime": null, "lastTransitionTime": timestamp(at), "status": if ok { "True" } else { "False" }, "type": kind});
        if !ok && matches!(kind, "Ready" | "ContainersReady") {
            c["reason"] = json!("PodCompleted");
        }
        c
    };
    let end = done.unwrap_or(ready);
    let conditions = json!([
        condition(
            "PodReadyToStartContainers",
            done.unwrap_or(initialized),
            done.is_none()
        ),
        condition("Initialized", initialized, true),
        condition("Ready", end, done.is_none()),
        condition("ContainersReady", end, done.is_none()),
        condition("PodScheduled", scheduled, true),
    ]);
    let statuses = |list: &str, init: bool, rng: &mut Rng| -> Vec<Value> {
        let containers = spec
            .get(list)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        containers
            .iter()
            .map(|c| {
                container_status(
                    rng,
                    c,
                    info,
                    if init { scheduled + 2 } else { initialized },
                    init,
                )
            })
            .collect()
    };
    let mut status = json!({
        "hostIP": info.node.ip,
        "hostIPs": [{"ip": info.node.ip}],
        "phase": if done.is_some() { "Succeeded" } else { "Running" },
        "podIP": info.ip,
        "podIPs": [{"ip": info.ip}],
        "qosClass": "Burstable",
        "startTime": timestamp(scheduled),
    });
    status["conditions"] = conditions;
    status["containerStatuses"] = statuses("containers", false, rng).into();
    let init = statuses("initContainers", true, rng);
    if !init.is_empty() {
        status["initContainerStatuses"] = init.into();
    }
    status
}

fn container_status(
    rng: &mut Rng,
    container: &Value,
    info: &PodInfo,
    started: i64,
    init: bool,
) -> Value {
    let image = container["image"].as_str().unwrap_or_default();
    let repository = image.rsplit_once(':').map_or(image, |(repo, _)| repo);
    let id = format!("containerd://{}", rng.hex(64));
    let finished = if init {
        Some(started + 5)
    } else {
        info.finished
    };
    let restarts = if init { 0 } else { info.restarts };
    let running_since = if restarts > 0 {
        NOW - rng.span(HOUR, 20 * HOUR)
    } else {
        started
    };
    let state = match finished {
        Some(at) => {
            json!({"terminated": {"containerID": id, "exitCode": 0, "finishedAt": timestamp(at), "reason": "Completed", "startedAt": timestamp(started)}})
        }
        None => json!({"running": {"startedAt": timestamp(running_since)}}),
    };
    let last_state = if restarts > 0 {
        let reason = *rng.pick(&["OOMKilled", "Error"]);
        let code = if reason == "OOMKilled" { 137 } else { 1 };
        json!({"terminated": {
            "containerID": format!("containerd://{}", rng.hex(64)),
            "exitCode": code,
            "finishedAt": timestamp(running_since - 1),
            "reason": reason,
            "startedAt": timestamp(running_since - rng.span(60, 86_400)),
        }})
    } else {
        json!({})
    };
    let running = finished.is_none();
    let mut status = json!({
        "containerID": id,
        "image": image,
        "imageID": format!("{repository}@sha256:{}", digest(image)),
        "name": container["name"],
        "ready": running,
        "restartCount": restarts,
        "started": running,
    });
    status["lastState"] = last_state;
    status["state"] = state;
    status
}
