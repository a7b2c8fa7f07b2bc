use serde_json::json;

use super::*;

fn manifest(object: Value) -> Manifest {
    Manifest::new(object, "resources/x.yaml")
}

#[test]
fn what_controllers_recreate_or_the_old_cluster_owns_is_not_restored() {
    let owned = |kind: &str, api: &str| {
        json!({"apiVersion": api, "kind": kind, "metadata": {"name": "x", "namespace": "shop",
            "ownerReferences": [{"kind": "Owner", "name": "o", "uid": "u", "controller": true}]}})
    };
    for object in [
        owned("Pod", "v1"),
        owned("ReplicaSet", "apps/v1"),
        owned("Job", "batch/v1"),
        json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}}),
        json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"}}),
        json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "e"}}),
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "e"}}),
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"}}),
        json!({"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": {"name": "r"}}),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "done"}, "status": {"phase": "Succeeded"}}),
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
            "status": {"conditions": [{"type": "Complete", "status": "True"}]}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token", "metadata": {"name": "t"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt"}}),
    ] {
        assert!(not_restored(&object).is_some(), "{object}");
    }
    for object in [
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare"}, "status": {"phase": "Running"}}),
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "running"}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "s"}}),
        // Owned, but not by a controller that recreates it.
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
            "ownerReferences": [{"kind": "Widget", "name": "w", "uid": "u", "controller": true}]}}),
    ] {
        assert_eq!(not_restored(&object), None, "{object}");
    }
}

#[test]
fn server_set_fields_and_the_old_clusters_addresses_are_stripped() {
    let mut service = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "uid": "u1", "resourceVersion": "9", "creationTimestamp": "t",
            "managedFields": [], "generation": 1},
        "spec": {"clusterIP": "10.96.3.4", "clusterIPs": ["10.96.3.4"], "type": "NodePort",
            "ports": [{"port": 80, "nodePort": 30080}]},
        "status": {"loadBalancer": {}}});
    strip(&mut service, false);
    assert_eq!(
        service,
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "uid": "u1"},
            "spec": {"type": "NodePort", "ports": [{"port": 80}]}})
    );
    let mut headless = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
        "spec": {"clusterIP": "None"}});
    strip(&mut headless, false);
    assert_eq!(
        headless["spec"]["clusterIP"], "None",
        "a headless Service stays headless"
    );
    let mut kept = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"clusterIP": "10.96.3.4", "ports": [{"port": 80, "nodePort": 30080}]}});
    strip(&mut kept, true);
    assert_eq!(kept["spec"]["clusterIP"], "10.96.3.4");

    let mut job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
        "spec": {"selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u"}},
            "template": {"metadata": {"labels": {"app": "j", "controller-uid": "u",
                "batch.kubernetes.io/controller-uid": "u", "job-name": "j"}}}}});
    strip(&mut job, false);
    assert_eq!(
        job["spec"],
        json!({"template": {"metadata": {"labels": {"app": "j"}}}})
    );

    let mut volume = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
        "spec": {"claimRef": {"name": "data", "namespace": "shop", "uid": "u", "resourceVersion": "3"}}});
    strip(&mut volume, false);
    assert_eq!(
        volume["spec"]["claimRef"],
        json!({"name": "data", "namespace": "shop"})
    );
}

#[test]
fn a_namespace_mapping_moves_objects_and_rewrites_what_names_the_namespace() {
    let mapping = parse_mapping("shop:shop-copy").unwrap();
    let objects = vec![
        manifest(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "shop", "labels": {"kubernetes.io/metadata.name": "shop"}}})),
        manifest(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "b", "namespace": "shop"},
            "roleRef": {"kind": "Role", "name": "r", "apiGroup": "rbac.authorization.k8s.io"},
            "subjects": [{"kind": "ServiceAccount", "name": "api", "namespace": "shop"},
                {"kind": "ServiceAccount", "name": "mon", "namespace": "monitoring"}]}),
        ),
        manifest(
            json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-1"},
            "spec": {"claimRef": {"name": "data", "namespace": "shop"}}}),
        ),
        manifest(
            json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "hook"},
            "webhooks": [{"name": "h", "clientConfig": {"service": {"name": "api", "namespace": "shop"}}}]}),
        ),
    ];
    let selection = RestoreSelection {
        namespace_mapping: mapping,
        ..RestoreSelection::default()
    };
    let (kept, skipped) = prepare(objects, &selection);
    assert!(skipped.is_empty());
    assert_eq!(kept[0].object["metadata"]["name"], "shop-copy");
    assert_eq!(
        kept[0].object["metadata"]["labels"]["kubernetes.io/metadata.name"],
        "shop-copy"
    );
    assert_eq!(kept[1].object["metadata"]["namespace"], "shop-copy");
    assert_eq!(kept[1].object["subjects"][0]["namespace"], "shop-copy");
    assert_eq!(
        kept[1].object["subjects"][1]["namespace"], "monitoring",
        "other namespaces stay"
    );
    assert_eq!(kept[2].object["spec"]["claimRef"]["namespace"], "shop-copy");
    assert_eq!(
        kept[3].object["webhooks"][0]["clientConfig"]["service"]["namespace"],
        "shop-copy"
    );
}

#[test]
fn namespaces_and_kinds_narrow_the_restore() {
    let objects = || {
        vec![
            manifest(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
            ),
            manifest(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}),
            ),
            manifest(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "shop"}}),
            ),
            manifest(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "other"}}),
            ),
            manifest(
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}}),
            ),
            manifest(
                json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "w.example.com"}}),
            ),
            manifest(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "admin"}}),
            ),
        ]
    };
    let names = |kept: &[Manifest]| kept.iter().map(|m| m.name().to_owned()).collect::<Vec<_>>();
    let only_shop = RestoreSelection {
        namespaces: vec!["shop".into()],
        ..RestoreSelection::default()
    };
    let (kept, skipped) = prepare(objects(), &only_shop);
    assert_eq!(names(&kept), ["shop", "a", "web", "w.example.com"]);
    assert_eq!(skipped.len(), 3);
    let kinds = RestoreSelection {
        include_kinds: vec!["deployment.apps".into(), "configmap".into()],
        exclude_kinds: vec!["ConfigMap".into()],
        ..RestoreSelection::default()
    };
    let (kept, _) = prepare(objects(), &kinds);
    assert_eq!(names(&kept), ["web"]);
}

#[test]
fn mappings_are_checked() {
    assert!(parse_mapping("a:b,c:d").is_ok());
    for bad in ["a", "a:", ":b", "A:b", "a:b,a:c", "a/x:b"] {
        assert!(parse_mapping(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_backup_folder_is_read_and_a_bad_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let cm = dir.path().join("resources/core/ConfigMap/shop");
    std::fs::create_dir_all(&cm).unwrap();
    std::fs::write(
        cm.join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n",
    )
    .unwrap();
    std::fs::write(cm.join("secret.yaml.asc"), "SEALED").unwrap();
    let decrypt = |_: &Path, data: &[u8]| -> Result<Vec<u8>, String> {
        assert_eq!(data, b"SEALED");
        Ok(b"apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\n".to_vec())
    };
    let objects = read_backup(dir.path(), &decrypt).unwrap();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0].source, "resources/core/ConfigMap/shop/a.yaml");
    assert_eq!(objects[1].kind(), "Secret");
    std::fs::write(cm.join("b.yaml"), "kind: [\n").unwrap();
    let err = read_backup(dir.path(), &decrypt).unwrap_err();
    assert!(
        err.starts_with("resources/core/ConfigMap/shop/b.yaml:"),
        "{err}"
    );
}
