use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::*;

fn dump(opts: &SynthOptions) -> (Vec<u8>, SynthSummary) {
    let mut out = Vec::new();
    let summary = write_dump(opts, &mut out).expect("writing to memory cannot fail");
    (out, summary)
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Every ConfigMap, Secret, PVC and ServiceAccount a pod spec names, as `(kind, name)`.
fn pod_references(spec: &Value) -> Vec<(&'static str, &str)> {
    let mut refs = Vec::new();
    let account = str_at(spec, "/serviceAccountName");
    refs.push((
        "ServiceAccount",
        if account.is_empty() {
            "default"
        } else {
            account
        },
    ));
    for pull in spec["imagePullSecrets"].as_array().into_iter().flatten() {
        refs.push(("Secret", str_at(pull, "/name")));
    }
    for volume in spec["volumes"].as_array().into_iter().flatten() {
        if let Some(name) = volume.pointer("/configMap/name").and_then(Value::as_str) {
            refs.push(("ConfigMap", name));
        }
        if let Some(name) = volume.pointer("/secret/secretName").and_then(Value::as_str) {
            refs.push(("Secret", name));
        }
        if let Some(name) = volume
            .pointer("/persistentVolumeClaim/claimName")
            .and_then(Value::as_str)
        {
            refs.push(("PersistentVolumeClaim", name));
        }
        for source in volume
            .pointer("/projected/sources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = source.pointer("/configMap/name").and_then(Value::as_str) {
                refs.push(("ConfigMap", name));
            }
        }
    }
    for list in ["containers", "initContainers"] {
        for container in spec[list].as_array().into_iter().flatten() {
            for var in container["env"].as_array().into_iter().flatten() {
                if let Some(name) = var
                    .pointer("/valueFrom/configMapKeyRef/name")
                    .and_then(Value::as_str)
                {
                    refs.push(("ConfigMap", name));
                }
                if let Some(name) = var
                    .pointer("/valueFrom/secretKeyRef/name")
                    .and_then(Value::as_str)
                {
                    refs.push(("Secret", name));
                }
            }
            for from in container["envFrom"].as_array().into_iter().flatten() {
                if let Some(name) = from.pointer("/configMapRef/name").and_then(Value::as_str) {
                    refs.push(("ConfigMap", name));
                }
                if let Some(name) = from.pointer("/secretRef/name").and_then(Value::as_str) {
                    refs.push(("Secret", name));
                }
            }
        }
    }
    refs
}

fn labels_match(selector: &Value, labels: &Value) -> bool {
    selector
        .as_object()
        .is_some_and(|s| !s.is_empty() && s.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

/// Every kind the dump is meant to have at 2,000 objects.
const KINDS: [&str; 29] = [
    "Certificate",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ConfigMap",
    "CronJob",
    "CustomResourceDefinition",
    "Deployment",
    "EndpointSlice",
    "HorizontalPodAutoscaler",
    "Ingress",
    "IngressClass",
    "Job",
    "Namespace",
    "NetworkPolicy",
    "Node",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Pod",
    "PodDisruptionBudget",
    "ReplicaSet",
    "Role",
    "RoleBinding",
    "Secret",
    "Service",
    "ServiceAccount",
    "StatefulSet",
    "StorageClass",
    "Widget",
];

/// A parsed dump, indexed to check references.
struct Cluster<'a> {
    items: &'a [Value],
    by_uid: HashMap<&'a str, &'a Value>,
    /// `(kind, namespace, name)` of every object.
    names: HashSet<(&'a str, &'a str, &'a str)>,
}

impl<'a> Cluster<'a> {
    fn new(items: &'a [Value]) -> Self {
        let mut by_uid = HashMap::new();
        for item in items {
            let uid = str_at(item, "/metadata/uid");
            assert_eq!(uid.len(), 36, "{uid}");
            assert!(by_uid.insert(uid, item).is_none(), "duplicate uid {uid}");
        }
        let names = items
            .iter()
            .map(|item| {
                (
                    str_at(item, "/kind"),
                    str_at(item, "/metadata/namespace"),
                    str_at(item, "/metadata/name"),
                )
            })
            .collect();
        Self {
            items,
            by_uid,
            names,
        }
    }

    fn exists(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.names.contains(&(kind, namespace, name))
    }

    fn uid(&self, uid: &str) -> &'a Value {
        self.by_uid
            .get(uid)
            .unwrap_or_else(|| panic!("no object has uid {uid}"))
    }

    /// Asserts that everything `item` refers to exists.
    fn check(&self, item: &Value) {
        let kind = str_at(item, "/kind");
        let ns = str_at(item, "/metadata/namespace");
        let name = str_at(item, "/metadata/name");
        let at = |pointer| str_at(item, pointer);
        assert!(
            item["metadata"]["managedFields"].is_array(),
            "{kind} {ns}/{name}"
        );
        if !ns.is_empty() {
            assert!(
                self.exists("Namespace", "", ns),
                "{kind} {name}: no namespace"
            );
        }
        for owner in item["metadata"]["ownerReferences"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let target = self.uid(str_at(owner, "/uid"));
            assert_eq!(target["kind"], owner["kind"]);
            assert_eq!(target["metadata"]["name"], owner["name"]);
        }
        match kind {
            "Pod" => {
                assert!(
                    self.exists("Node", "", at("/spec/nodeName")),
                    "pod {ns}/{name}"
                );
                for (kind, target) in pod_references(&item["spec"]) {
                    assert!(
                        self.exists(kind, ns, target),
                        "pod {ns}/{name}: no {kind} {target}"
                    );
                }
            }
            "EndpointSlice" => {
                let service = at("/metadata/labels/kubernetes.io~1service-name");
                assert!(self.exists("Service", ns, service), "slice {ns}/{name}");
                for endpoint in item["endpoints"].as_array().into_iter().flatten() {
                    let pod = self.uid(str_at(endpoint, "/targetRef/uid"));
                    assert_eq!(pod["kind"], "Pod");
                    assert_eq!(pod["metadata"]["name"], endpoint["targetRef"]["name"]);
                    assert_eq!(pod["status"]["podIP"], endpoint["addresses"][0]);
                }
            }
            "Service" => self.check_service(item, ns, name),
            "PersistentVolumeClaim" => {
                let volume = self.items.iter().find(|v| {
                    v["kind"] == "PersistentVolume"
                        && v["metadata"]["name"] == item["spec"]["volumeName"]
                });
                let volume = volume.unwrap_or_else(|| panic!("claim {ns}/{name} is unbound"));
                assert_eq!(volume["spec"]["claimRef"]["uid"], item["metadata"]["uid"]);
            }
            "Ingress" => {
                let service = at("/spec/rules/0/http/paths/0/backend/service/name");
                assert!(self.exists("Service", ns, service));
                assert!(self.exists("Secret", ns, at("/spec/tls/0/secretName")));
                assert!(self.exists("IngressClass", "", at("/spec/ingressClassName")));
            }
            "HorizontalPodAutoscaler" => {
                assert!(self.exists("Deployment", ns, at("/spec/scaleTargetRef/name")));
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                let role_ns = if kind == "RoleBinding" { ns } else { "" };
                assert!(self.exists(at("/roleRef/kind"), role_ns, at("/roleRef/name")));
                for subject in item["subjects"].as_array().into_iter().flatten() {
                    if subject["kind"] == "ServiceAccount" {
                        let (sa_ns, sa) = (str_at(subject, "/namespace"), str_at(subject, "/name"));
                        assert!(self.exists("ServiceAccount", sa_ns, sa), "{kind} {name}");
                    }
                }
            }
            "StatefulSet" => assert!(self.exists("Service", ns, at("/spec/serviceName"))),
            _ => {}
        }
    }

    /// A Service has its EndpointSlice, whose endpoints are pods its selector matches.
    fn check_service(&self, service: &Value, ns: &str, name: &str) {
        let slice = self.items.iter().find(|slice| {
            slice["kind"] == "EndpointSlice"
                && slice["metadata"]["namespace"] == ns
                && str_at(slice, "/metadata/labels/kubernetes.io~1service-name") == name
        });
        let slice = slice.unwrap_or_else(|| panic!("service {ns}/{name} has no slice"));
        for endpoint in slice["endpoints"].as_array().into_iter().flatten() {
            let pod = self.uid(str_at(endpoint, "/targetRef/uid"));
            let selector = &service["spec"]["selector"];
            assert!(labels_match(selector, &pod["metadata"]["labels"]));
        }
    }
}

#[test]
fn dump_is_a_consistent_cluster() {
    let opts = SynthOptions {
        objects: 2_000,
        seed: 7,
        namespaces: None,
    };
    let (out, summary) = dump(&opts);
    let list: Value = serde_json::from_slice(&out).expect("the dump is JSON");
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().expect("items is a list");
    assert_eq!(items.len(), summary.total);
    assert_eq!(summary.bytes, out.len() as u64);
    assert_eq!(summary.kinds.values().sum::<usize>(), summary.total);
    let within = summary.total.abs_diff(opts.objects) <= opts.objects / 50;
    assert!(within, "{summary:?}");
    for kind in KINDS {
        assert!(summary.kinds.contains_key(kind), "no {kind} in {summary:?}");
    }
    let cluster = Cluster::new(items);
    for item in items {
        cluster.check(item);
    }
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let opts = SynthOptions {
        objects: 600,
        seed: 42,
        namespaces: None,
    };
    let (first, _) = dump(&opts);
    let (again, _) = dump(&opts);
    assert!(first == again, "same options gave different dumps");
    let (other, _) = dump(&SynthOptions { seed: 43, ..opts });
    assert!(first != other, "another seed gave the same dump");
}

#[test]
fn output_is_formatted_like_kubectl() {
    let (out, _) = dump(&SynthOptions::new(300));
    let text = std::str::from_utf8(&out).expect("UTF-8");
    assert!(text.starts_with(
        "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n            \"apiVersion\": "
    ));
    assert!(text.ends_with(
        "    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"
    ));
    // Re-printing the parsed dump gives the same bytes: keys sorted, indentation even.
    let value: Value = serde_json::from_slice(&out).expect("JSON");
    let mut again = Vec::new();
    json::write_pretty(&mut again, &value, 0);
    again.push(b'\n');
    assert!(again == out, "the dump is not in canonical kubectl form");
}

#[test]
fn tiny_and_empty_requests_still_give_valid_lists() {
    for objects in [0, 1, 40, 120] {
        let (out, summary) = dump(&SynthOptions::new(objects));
        let list: Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(list["items"].as_array().map(Vec::len), Some(summary.total));
        assert!(summary.kinds["Namespace"] >= 1);
    }
}

#[test]
fn namespace_count_is_honoured() {
    let opts = SynthOptions {
        objects: 1_500,
        seed: 1,
        namespaces: Some(6),
    };
    let (_, summary) = dump(&opts);
    assert_eq!(summary.kinds["Namespace"], 6);
    assert_eq!(summary.total, 1_500);
}
