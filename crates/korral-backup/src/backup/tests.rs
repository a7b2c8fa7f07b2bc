use korral_bundle::{GenerateOptions, KeyAlgorithm, Keyring};
use korral_core::{FileId, Source};

use super::*;

fn object(json: &str) -> Object {
    Object::from_json(
        json,
        Source {
            file: FileId(0),
            line: 1,
        },
    )
    .unwrap()
}

fn config_maps() -> Resource {
    Resource::new("v1", "ConfigMap", "configmaps", true)
}

#[test]
fn kinds_match_by_kind_or_plural_with_or_without_group() {
    let deployments = Resource::new("apps/v1", "Deployment", "deployments", true);
    for yes in [
        "Deployment",
        "deployment",
        "deployments",
        "Deployment.apps",
        "deployments.apps",
    ] {
        assert!(kind_matches(yes, &deployments), "{yes}");
    }
    for no in ["Deploy", "Deployment.batch", "pods", ""] {
        assert!(!kind_matches(no, &deployments), "{no}");
    }
    let ingresses = Resource::new("networking.k8s.io/v1", "Ingress", "ingresses", true);
    assert!(kind_matches("Ingress.networking.k8s.io", &ingresses));
}

#[test]
fn a_selection_of_namespaces_lists_namespaced_resources_and_never_events() {
    let served = vec![
        config_maps(),
        Resource::new("v1", "Event", "events", true),
        Resource::new("events.k8s.io/v1", "Event", "events", true),
        Resource::new("v1", "Namespace", "namespaces", false),
        Resource::new("apps/v1", "Deployment", "deployments", true),
    ];
    let kinds = |selection: &Selection| -> Vec<String> {
        selection
            .resources(&served)
            .iter()
            .map(Resource::qualified_name)
            .collect()
    };
    let namespaces = Selection {
        namespaces: Some(vec!["shop".into()]),
        ..Selection::default()
    };
    assert_eq!(kinds(&namespaces), ["configmaps", "deployments.apps"]);
    let all = Selection::default();
    assert_eq!(
        kinds(&all),
        ["configmaps", "namespaces", "deployments.apps"]
    );
    let filtered = Selection {
        include_kinds: vec!["ConfigMap".into(), "Deployment".into()],
        exclude_kinds: vec!["deployments.apps".into()],
        ..Selection::default()
    };
    assert_eq!(kinds(&filtered), ["configmaps"]);
    let typo = Selection {
        include_kinds: vec!["ConfigMapz".into()],
        ..Selection::default()
    };
    assert_eq!(typo.unknown_kinds(&served), ["ConfigMapz"]);
}

#[test]
fn objects_are_written_at_their_paths_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = Writer::new(dir.path(), None);
    let cm = object(
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web","namespace":"shop"},"data":{"a":"b"}}"#,
    );
    assert!(writer.write(&config_maps(), &cm).unwrap());
    // The same object again (a list that started over) is not counted twice.
    assert!(!writer.write(&config_maps(), &cm).unwrap());
    let text =
        fs::read_to_string(dir.path().join("resources/core/ConfigMap/shop/web.yaml")).unwrap();
    let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(value["data"]["a"], "b");
    assert_eq!(value["kind"], "ConfigMap");
    let summary = writer.summary(
        &ClusterInfo::default(),
        &Selection::default(),
        "t",
        Vec::new(),
    );
    assert_eq!(summary.objects, 1);
    assert_eq!(summary.counts["ConfigMap"], 1);
    assert_eq!(summary.namespaces, ["shop"]);
}

#[test]
fn hostile_names_are_left_out_and_reported_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("backup");
    let mut writer = Writer::new(&root, None);
    for (namespace, name) in [
        ("shop", ".."),
        ("shop", "../../escape"),
        ("..", "x"),
        ("shop", "a/b"),
    ] {
        let json = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace}});
        assert!(
            !writer
                .write(&config_maps(), &object(&json.to_string()))
                .unwrap()
        );
    }
    let unnamespaced = object(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#);
    assert!(!writer.write(&config_maps(), &unnamespaced).unwrap());
    assert!(!root.exists() || fs::read_dir(&root).unwrap().next().is_none());
    assert!(!dir.path().join("escape.yaml").exists());
    let summary = writer.summary(
        &ClusterInfo::default(),
        &Selection::default(),
        "t",
        Vec::new(),
    );
    assert_eq!(summary.objects, 0);
    let names: Vec<&str> = summary.left_out.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["..", "../../escape", "x", "a/b", "x"]);
}

#[test]
fn secrets_are_encrypted_to_the_recipients_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Keyring::open(dir.path().join("keyring"));
    let key = keyring
        .generate(&GenerateOptions {
            user_id: "Backups <backups@example.com>".into(),
            algorithm: KeyAlgorithm::Ed25519,
            passphrase: None,
        })
        .unwrap();
    let recipients = keyring
        .recipients(std::slice::from_ref(&key.fingerprint))
        .unwrap();
    let root = dir.path().join("backup");
    let mut writer = Writer::new(&root, Some(recipients));
    let secrets = Resource::new("v1", "Secret", "secrets", true);
    let secret = object(
        r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"shop"},"data":{"password":"aHVudGVyMg=="}}"#,
    );
    assert!(writer.write(&secrets, &secret).unwrap());
    let path = root.join("resources/core/Secret/shop/db.yaml.asc");
    let armoured = fs::read(&path).unwrap();
    assert!(!String::from_utf8_lossy(&armoured).contains("aHVudGVyMg"));
    assert!(!root.join("resources/core/Secret/shop/db.yaml").exists());
    let plain = keyring.decrypt(&armoured, "").unwrap();
    let value: serde_json::Value =
        serde_saphyr::from_str(std::str::from_utf8(&plain).unwrap()).unwrap();
    assert_eq!(value["data"]["password"], "aHVudGVyMg==");
    let summary = writer.summary(
        &ClusterInfo::default(),
        &Selection::default(),
        "t",
        Vec::new(),
    );
    assert!(summary.secrets.encrypted);
    assert_eq!(summary.secrets.count, 1);
    assert_eq!(summary.secrets.recipients, [key.fingerprint]);
}

#[test]
fn the_summary_reads_back_as_written() {
    let summary = Writer::new("/nowhere", None).summary(
        &ClusterInfo {
            context: "prod".into(),
            server: "https://k8s".into(),
            server_version: "v1.31.2".into(),
        },
        &Selection {
            namespaces: Some(vec!["shop".into()]),
            ..Selection::default()
        },
        "2026-12-06T16:15:00Z",
        vec!["forbidden".into()],
    );
    let yaml = serde_saphyr::to_string(&summary).unwrap();
    assert!(yaml.contains("apiVersion: backup.korral.dev/v1"), "{yaml}");
    let again: Summary = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(again, summary);
}

#[test]
fn scheduled_backups_are_named_by_time_and_only_those_are_pruned() {
    let time: jiff::Timestamp = "2026-12-06T16:15:00Z".parse().unwrap();
    assert_eq!(version_of(time), "20261206T161500Z");
    assert_eq!(
        file_name("kind-prod/eu", "20261206T161500Z"),
        "backup-kind-prod-eu-20261206T161500Z.tar.zst"
    );
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "backup-prod-20261201T000000Z.tar.zst",
        "backup-prod-20261203T000000Z.tar.zst",
        "backup-prod-20261202T000000Z.tar.zst",
        "backup-prod-20261204T000000Z.tar.zst",
        // Not korral's, or another context's: never touched.
        "backup-prod-latest.tar.zst",
        "notes.txt",
        "backup-staging-20261101T000000Z.tar.zst",
    ];
    for name in names {
        fs::write(dir.path().join(name), "x").unwrap();
    }
    let deleted = prune(dir.path(), "prod", 2).unwrap();
    let deleted: Vec<String> = deleted
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        deleted,
        [
            "backup-prod-20261201T000000Z.tar.zst",
            "backup-prod-20261202T000000Z.tar.zst"
        ]
    );
    let mut left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "backup-prod-20261203T000000Z.tar.zst",
            "backup-prod-20261204T000000Z.tar.zst",
            "backup-prod-latest.tar.zst",
            "backup-staging-20261101T000000Z.tar.zst",
            "notes.txt"
        ]
    );
}

mod live {
    use korral_kube::{ClusterConfig, KubeOptions, discover};
    use korral_testkit::{ApiServer, Fault, ServerOptions};

    use super::*;

    const SEED: &str = r"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: shop}
";

    async fn start() -> (ApiServer, Client, tempfile::TempDir) {
        let seed = korral_core::Loader::load_str("seed.yaml", SEED).unwrap();
        let server = ApiServer::start(&seed, ServerOptions::default())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        server.write_kubeconfig(&kubeconfig).unwrap();
        let config = ClusterConfig::load(KubeOptions {
            kubeconfig: Some(kubeconfig),
            ..KubeOptions::default()
        })
        .unwrap();
        let client = config.client().await.unwrap();
        (server, client, dir)
    }

    #[tokio::test]
    async fn an_expired_list_starts_over_and_a_forbidden_one_is_reported_not_fatal() {
        let (api, client, dir) = start().await;
        let served = discover(&client).await.unwrap().resources;
        api.faults()
            .inject(Fault::resource("", "configmaps").status(410).times(1));
        api.faults()
            .inject(Fault::resource("", "secrets").status(403));
        let selection = Selection {
            namespaces: Some(vec!["shop".into()]),
            include_kinds: vec!["ConfigMap".into(), "Secret".into()],
            ..Selection::default()
        };
        let mut writer = Writer::new(dir.path().join("backup"), None);
        let warnings = collect(&client, &served, &selection, &mut writer, &NoListProgress)
            .await
            .unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("`secrets` is left out"),
            "{warnings:?}"
        );
        let summary = writer.summary(&ClusterInfo::default(), &selection, "t", warnings);
        // Three ConfigMaps and the Namespace they need, which include-kinds did not name.
        assert_eq!(summary.counts["ConfigMap"], 3);
        assert_eq!(summary.counts["Namespace"], 1);
        assert_eq!(summary.objects, 4);

        // --exclude-kinds leaves out even the Namespace a backup of namespaces adds.
        let selection = Selection {
            namespaces: Some(vec!["shop".into()]),
            exclude_kinds: vec!["Namespace".into(), "Secret".into()],
            ..Selection::default()
        };
        let mut writer = Writer::new(dir.path().join("again"), None);
        collect(&client, &served, &selection, &mut writer, &NoListProgress)
            .await
            .unwrap();
        let summary = writer.summary(&ClusterInfo::default(), &selection, "t", Vec::new());
        assert_eq!(summary.counts.get("Namespace"), None);
        assert_eq!(summary.counts["ConfigMap"], 3);
    }
}
