//! `korral backup create`, `inspect` and `verify` against the API test server: a
//! namespace with the usual kinds and a custom resource, Secrets in clear and
//! encrypted, a hostile object name, scheduled backups with retention; `korral backup
//! schedule`'s manifests audited, deployed, and their command run as the pod would.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use korral_core::Loader;
use korral_testkit::{ApiServer, Controllers, ServerOptions};
use serde_json::Value;

use crate::util::{korral, stderr, stdout};

/// A Secret value, base64 as the API holds it, and in clear.
const SECRET_BASE64: &str = "aHVudGVyMi1zM2NyZXQ=";
const SECRET_CLEAR: &str = "hunter2-s3cret";

const SEED: &str = r"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: shop}
spec: {size: 3}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g1, namespace: other}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      containers:
      - {name: web, image: 'nginx:1.27', envFrom: [{configMapRef: {name: web-config}}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
type: Opaque
data: {password: aHVudGVyMi1zM2NyZXQ=}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web-view, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: web, namespace: shop}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: v1
kind: Event
metadata: {name: web.1, namespace: shop}
involvedObject: {kind: Deployment, name: web, namespace: shop}
reason: ScalingReplicaSet
message: scaled up
type: Normal
---
apiVersion: v1
kind: ConfigMap
metadata: {name: elsewhere, namespace: other}
data: {a: b}
";

/// A test server seeded with [`SEED`] (plus `extra` objects as JSON), a kubeconfig and
/// a keyring in a scratch folder.
struct Cluster {
    server: ApiServer,
    dir: tempfile::TempDir,
}

impl Cluster {
    fn start(extra: &[Value]) -> Self {
        Self::start_with(extra, ServerOptions::default())
    }

    fn start_with(extra: &[Value], options: ServerOptions) -> Self {
        let mut text = SEED.to_owned();
        for object in extra {
            text.push_str("---\n");
            text.push_str(&object.to_string());
            text.push('\n');
        }
        let seed = Loader::load_str("<seed>", &text).unwrap();
        let server = ApiServer::spawn(&seed, options).unwrap();
        let dir = tempfile::tempdir().unwrap();
        server.write_kubeconfig(dir.path().join("config")).unwrap();
        Self { server, dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn korral(&self) -> assert_cmd::Command {
        let mut cmd = korral();
        cmd.env("KUBECONFIG", self.path("config"))
            .env("KORRAL_KEYRING", self.path("keyring"))
            .env_remove("KORRAL_PASSPHRASE")
            .current_dir(self.dir.path());
        cmd
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        self.korral().args(args).output().unwrap()
    }

    fn run_ok(&self, args: &[&str]) -> std::process::Output {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "korral {}\n{}\n{}",
            args.join(" "),
            stdout(&output),
            stderr(&output)
        );
        output
    }

    /// Unpacks a backup (verified) into a new folder.
    fn extract(&self, file: &str) -> PathBuf {
        let to = self.path(&format!("{file}.d"));
        self.run_ok(&["bundle", "extract", file, "--to", to.to_str().unwrap()]);
        to
    }
}

/// Every file under `root`, relative, `/`-separated, sorted.
fn files(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// The archive's every byte, decompressed: what anyone holding the file can read.
fn decompressed(path: &Path) -> Vec<u8> {
    let mut data = Vec::new();
    zstd::Decoder::new(fs::File::open(path).unwrap())
        .unwrap()
        .read_to_end(&mut data)
        .unwrap();
    data
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn a_namespace_backup_holds_its_objects_namespace_and_crd_and_verifies() {
    let cluster = Cluster::start(&[]);
    let output = cluster.run_ok(&["backup", "create", "--out", "shop.tar.zst", "-n", "shop"]);
    let err = stderr(&output);
    assert!(
        err.contains("holds the values of 1 Secret in clear"),
        "{err}"
    );
    assert!(err.contains("wrote shop.tar.zst"), "{err}");

    cluster.run_ok(&["bundle", "verify", "shop.tar.zst"]);
    let verified = cluster.run_ok(&["backup", "verify", "shop.tar.zst"]);
    assert!(
        stdout(&verified).contains("backup     VERIFIED"),
        "{}",
        stdout(&verified)
    );

    let root = cluster.extract("shop.tar.zst");
    let files = files(&root);
    for expected in [
        "summary.yaml",
        "resources/apps/Deployment/shop/web.yaml",
        "resources/core/Service/shop/web.yaml",
        "resources/core/ConfigMap/shop/web-config.yaml",
        "resources/core/Secret/shop/db.yaml",
        "resources/core/ServiceAccount/shop/web.yaml",
        "resources/rbac.authorization.k8s.io/RoleBinding/shop/web-view.yaml",
        "resources/core/PersistentVolumeClaim/shop/data.yaml",
        "resources/networking.k8s.io/Ingress/shop/web.yaml",
        "resources/example.com/Widget/shop/w1.yaml",
        "resources/apiextensions.k8s.io/CustomResourceDefinition/_cluster/widgets.example.com.yaml",
        "resources/core/Namespace/_cluster/shop.yaml",
    ] {
        assert!(
            files.contains(&expected.to_owned()),
            "{expected} not in {files:#?}"
        );
    }
    // No Events, nothing of another namespace, no CRD whose resources are elsewhere.
    for file in &files {
        assert!(!file.contains("/Event/"), "{file}");
        assert!(!file.contains("/other"), "{file}");
        assert!(!file.contains("gadgets"), "{file}");
    }

    // As the API returned them, with apiVersion and kind filled in.
    let deployment: Value = serde_saphyr::from_str(
        &fs::read_to_string(root.join("resources/apps/Deployment/shop/web.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(deployment["apiVersion"], "apps/v1");
    assert_eq!(deployment["kind"], "Deployment");
    assert_eq!(deployment["spec"]["replicas"], 2);
    let secret: Value = serde_saphyr::from_str(
        &fs::read_to_string(root.join("resources/core/Secret/shop/db.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(secret["data"]["password"], SECRET_BASE64);

    let summary: Value =
        serde_saphyr::from_str(&fs::read_to_string(root.join("summary.yaml")).unwrap()).unwrap();
    assert_eq!(summary["apiVersion"], "backup.korral.dev/v1");
    assert_eq!(summary["kind"], "Summary");
    assert_eq!(summary["context"], "korral-test");
    assert_eq!(summary["allNamespaces"], false);
    assert_eq!(summary["namespaces"][0], "shop");
    assert_eq!(summary["counts"]["Deployment.apps"], 1);
    assert_eq!(summary["counts"]["Widget.example.com"], 1);
    assert_eq!(summary["counts"]["Namespace"], 1);
    assert_eq!(summary["secrets"]["encrypted"], false);
    assert_eq!(summary["objects"], 11);

    // inspect counts per namespace and kind.
    let inspected = cluster.run_ok(&["backup", "inspect", "shop.tar.zst", "-o", "json"]);
    let inspected: Value = serde_json::from_slice(&inspected.stdout).unwrap();
    let count = |namespace: &str, kind: &str| {
        inspected["contents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["namespace"] == namespace && c["kind"] == kind)
            .map(|c| c["count"].clone())
    };
    assert_eq!(count("shop", "ConfigMap"), Some(1.into()));
    assert_eq!(
        count("_cluster", "CustomResourceDefinition.apiextensions.k8s.io"),
        Some(1.into())
    );
    assert_eq!(inspected["summary"]["server"], cluster.server.url());
    let table = cluster.run_ok(&["backup", "inspect", "shop.tar.zst"]);
    assert!(
        stdout(&table).contains("namespaces  shop"),
        "{}",
        stdout(&table)
    );
}

#[test]
fn encrypted_secrets_leave_no_value_in_the_archive_and_decrypt_with_the_key() {
    let cluster = Cluster::start(&[]);
    let generated = cluster
        .korral()
        .args([
            "keys",
            "generate",
            "--name",
            "Backups",
            "--email",
            "backups@example.com",
        ])
        .env("KORRAL_PASSPHRASE", "s3cret")
        .output()
        .unwrap();
    assert!(generated.status.success(), "{}", stderr(&generated));
    let output = cluster.run_ok(&[
        "backup",
        "create",
        "--out",
        "shop.tar.zst",
        "-n",
        "shop",
        "--encrypt-to",
        "backups@example.com",
    ]);
    let err = stderr(&output);
    assert!(!err.contains("in clear"), "{err}");
    assert!(err.contains("1 Secret encrypted"), "{err}");

    let archive = decompressed(&cluster.path("shop.tar.zst"));
    assert!(!contains(&archive, SECRET_BASE64));
    assert!(!contains(&archive, SECRET_CLEAR));
    // The ConfigMap is still in clear: only Secrets are encrypted.
    assert!(contains(&archive, "greeting"));

    cluster.run_ok(&["backup", "verify", "shop.tar.zst"]);
    let root = cluster.extract("shop.tar.zst");
    assert!(!root.join("resources/core/Secret/shop/db.yaml").exists());
    let armoured = fs::read(root.join("resources/core/Secret/shop/db.yaml.asc")).unwrap();
    let keyring = korral_bundle::Keyring::open(cluster.path("keyring"));
    assert!(keyring.decrypt(&armoured, "wrong").is_err());
    let plain = keyring.decrypt(&armoured, "s3cret").unwrap();
    let secret: Value = serde_saphyr::from_str(std::str::from_utf8(&plain).unwrap()).unwrap();
    assert_eq!(secret["kind"], "Secret");
    assert_eq!(secret["data"]["password"], SECRET_BASE64);

    let summary: Value =
        serde_saphyr::from_str(&fs::read_to_string(root.join("summary.yaml")).unwrap()).unwrap();
    assert_eq!(summary["secrets"]["encrypted"], true);
    let key = keyring.find("backups@example.com").unwrap();
    assert_eq!(
        summary["secrets"]["recipients"][0],
        key.fingerprint.as_str()
    );
}

#[test]
fn a_hostile_object_name_is_left_out_reported_and_never_written_outside() {
    let hostile = [
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "..", "namespace": "shop"}, "data": {"x": "dotdot"}}),
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "../../../escaped", "namespace": "shop"}, "data": {"x": "slash"}}),
    ];
    let cluster = Cluster::start(&hostile);
    let output = cluster.run_ok(&["backup", "create", "--out", "shop.tar.zst", "-n", "shop"]);
    let err = stderr(&output);
    assert!(err.contains("left out ConfigMap shop/..:"), "{err}");
    assert!(
        err.contains("left out ConfigMap shop/../../../escaped:"),
        "{err}"
    );
    // Nothing escaped the temporary folder, beside the output or above it.
    for place in [cluster.dir.path(), cluster.dir.path().parent().unwrap()] {
        assert!(!place.join("escaped.yaml").exists());
    }
    let names: Vec<String> = fs::read_dir(cluster.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(".korral-backup")),
        "{names:?}"
    );

    let archive = decompressed(&cluster.path("shop.tar.zst"));
    assert!(!contains(&archive, "dotdot"));
    cluster.run_ok(&["backup", "verify", "shop.tar.zst"]);
    let root = cluster.extract("shop.tar.zst");
    let summary: Value =
        serde_saphyr::from_str(&fs::read_to_string(root.join("summary.yaml")).unwrap()).unwrap();
    let left: Vec<&str> = summary["leftOut"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(left.len(), 2, "{summary}");
    assert!(left.contains(&"..") && left.contains(&"../../../escaped"));
    assert!(files(&root).iter().all(|f| !f.contains("escaped")));
}

#[test]
fn scheduled_backups_are_named_by_time_and_keep_prunes_the_oldest() {
    let cluster = Cluster::start(&[]);
    let dir = cluster.path("backups");
    fs::create_dir(&dir).unwrap();
    for old in [
        "backup-korral-test-20200101T000000Z.tar.zst",
        "backup-korral-test-20200102T000000Z.tar.zst",
        "backup-korral-test-20200103T000000Z.tar.zst",
        "backup-other-20200101T000000Z.tar.zst",
        "keep-me.tar.zst",
    ] {
        fs::write(dir.join(old), "old").unwrap();
    }
    let output = cluster.run_ok(&[
        "backup", "create", "--to-dir", "backups", "--keep", "2", "-n", "shop",
    ]);
    let err = stderr(&output);
    assert!(err.contains("deleted"), "{err}");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let ours: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("backup-korral-test-"))
        .collect();
    assert_eq!(ours.len(), 2, "{names:?}");
    assert_eq!(ours[0], "backup-korral-test-20200103T000000Z.tar.zst");
    assert!(
        ours[1].ends_with("Z.tar.zst") && !ours[1].contains("2020"),
        "{names:?}"
    );
    assert!(names.contains(&"backup-other-20200101T000000Z.tar.zst".to_owned()));
    assert!(names.contains(&"keep-me.tar.zst".to_owned()));
    cluster.run_ok(&["backup", "verify", &format!("backups/{}", ours[1])]);
}

#[test]
fn a_tampered_backup_fails_verify_naming_the_problem() {
    let cluster = Cluster::start(&[]);
    cluster.run_ok(&["backup", "create", "--out", "shop.tar.zst", "-n", "shop"]);
    let mut data = fs::read(cluster.path("shop.tar.zst")).unwrap();
    let middle = data.len() / 2;
    data[middle] ^= 0xff;
    fs::write(cluster.path("bad.tar.zst"), data).unwrap();
    let output = cluster.run(&["backup", "verify", "bad.tar.zst"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
}

#[test]
fn an_unknown_kind_is_an_input_error() {
    let cluster = Cluster::start(&[]);
    let output = cluster.run(&[
        "backup",
        "create",
        "--out",
        "x.tar.zst",
        "-n",
        "shop",
        "--include-kinds",
        "Widgit",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("`Widgit`"), "{}", stderr(&output));
    assert!(!cluster.path("x.tar.zst").exists());
}

#[test]
fn encrypted_secrets_move_between_korral_and_gpg_both_ways() {
    let cluster = Cluster::start(&[]);
    let scratch = crate::bundle::Scratch::new();
    let backup = |recipient: &str, out: &Path| {
        let output = cluster
            .korral()
            .env("KORRAL_KEYRING", scratch.keyring())
            .args([
                "backup",
                "create",
                "-n",
                "shop",
                "--include-kinds",
                "Secret",
            ])
            .args(["--encrypt-to", recipient, "--out"])
            .arg(out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let to = out.with_extension("d");
        let output = cluster
            .korral()
            .env("KORRAL_KEYRING", scratch.keyring())
            .args(["bundle", "extract"])
            .arg(out)
            .arg("--to")
            .arg(&to)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        to.join("resources/core/Secret/shop/db.yaml.asc")
    };

    // A korral key: gpg decrypts what korral encrypted to it.
    let fingerprint = scratch.korral_key("Backups", "ed25519");
    let encrypted = backup(&fingerprint, &scratch.path("korral.tar.zst"));
    scratch
        .korral()
        .args([
            "keys",
            "export",
            "--secret",
            &fingerprint,
            "--out",
            "backups-secret.asc",
        ])
        .assert()
        .success();
    scratch.gpg_ok(&["--import", "backups-secret.asc"]);
    let plain = scratch.gpg_ok(&["--decrypt", encrypted.to_str().unwrap()]);
    assert!(plain.contains(SECRET_BASE64), "{plain}");

    // A gpg key (with gpg's default Curve25519 encryption subkey): korral encrypts to
    // its public key, and gpg decrypts.
    scratch.gpg_ok(&[
        "--quick-gen-key",
        "Gpg <gpg@example.com>",
        "default",
        "default",
        "never",
    ]);
    let public = scratch.gpg_ok(&["--export", "--armor", "gpg@example.com"]);
    fs::write(scratch.path("gpg.asc"), public).unwrap();
    scratch
        .korral()
        .args(["keys", "import", "gpg.asc"])
        .assert()
        .success();
    let encrypted = backup("gpg@example.com", &scratch.path("gpg.tar.zst"));
    let plain = scratch.gpg_ok(&["--decrypt", encrypted.to_str().unwrap()]);
    assert!(plain.contains(SECRET_BASE64), "{plain}");
}

#[test]
fn all_namespaces_a_selector_and_kind_filters_narrow_the_backup() {
    let cluster = Cluster::start(&[]);
    cluster.run_ok(&[
        "backup",
        "create",
        "--out",
        "all.tar.zst",
        "-A",
        "--exclude-kinds",
        "Secret,services",
    ]);
    let root = cluster.extract("all.tar.zst");
    let all = files(&root);
    for expected in [
        "resources/core/ConfigMap/other/elsewhere.yaml",
        "resources/example.com/Gadget/other/g1.yaml",
        "resources/core/Namespace/_cluster/other.yaml",
        "resources/apiextensions.k8s.io/CustomResourceDefinition/_cluster/gadgets.example.com.yaml",
    ] {
        assert!(
            all.contains(&expected.to_owned()),
            "{expected} not in {all:#?}"
        );
    }
    for file in &all {
        for absent in ["/Event/", "/Secret/", "/Service/"] {
            assert!(!file.contains(absent), "{file}");
        }
    }
    let summary: Value =
        serde_saphyr::from_str(&fs::read_to_string(root.join("summary.yaml")).unwrap()).unwrap();
    assert_eq!(summary["allNamespaces"], true);
    assert_eq!(summary["excludeKinds"][1], "services");

    // A selector narrows every list; the namespace still comes along.
    cluster.run_ok(&[
        "backup",
        "create",
        "--out",
        "web.tar.zst",
        "-n",
        "shop",
        "-l",
        "app=web",
    ]);
    let root = cluster.extract("web.tar.zst");
    assert_eq!(
        files(&root),
        [
            "korral-bundle.yaml",
            "resources/apps/Deployment/shop/web.yaml",
            "resources/core/Namespace/_cluster/shop.yaml",
            "summary.yaml"
        ]
    );
}

/// The objects of a multi-document YAML file.
fn documents(path: &Path) -> Vec<Value> {
    let text = fs::read_to_string(path).unwrap();
    Loader::load_str("<schedule>", &text)
        .unwrap()
        .objects()
        .iter()
        .map(|o| o.raw().to_value())
        .collect()
}

/// `korral backup schedule nightly -n shop --encrypt-to …` into `schedule.yaml`, with
/// a key generated for it.
fn schedule_encrypted(cluster: &Cluster) {
    let generated = cluster
        .korral()
        .args([
            "keys",
            "generate",
            "--name",
            "Backups",
            "--email",
            "backups@example.com",
        ])
        .env("KORRAL_PASSPHRASE", "s3cret")
        .output()
        .unwrap();
    assert!(generated.status.success(), "{}", stderr(&generated));
    let output = cluster.run_ok(&[
        "backup",
        "schedule",
        "nightly",
        "--schedule",
        "15 2 * * *",
        "-n",
        "shop",
        "--keep",
        "5",
        "--storage",
        "2Gi",
        "--encrypt-to",
        "backups@example.com",
        "--out",
        "schedule.yaml",
    ]);
    assert!(stdout(&output).is_empty());
    let err = stderr(&output);
    assert!(
        err.contains("korral deploy nightly -n korral-backup"),
        "{err}"
    );
    assert!(!err.contains("in clear"), "{err}");
}

#[test]
fn a_schedule_passes_the_audit_and_deploys() {
    let cluster = Cluster::start_with(
        &[],
        ServerOptions {
            controllers: Some(Controllers {
                tick: std::time::Duration::from_millis(20),
                ..Controllers::default()
            }),
            ..ServerOptions::default()
        },
    );
    schedule_encrypted(&cluster);

    // korral's own audit: nothing at high or above, on the CronJob or anywhere.
    let audit = cluster.run(&[
        "audit",
        "-f",
        "schedule.yaml",
        "--fail-on",
        "high",
        "-o",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&audit.stdout).unwrap();
    assert!(audit.status.success(), "{report:#}\n{}", stderr(&audit));
    let findings = report["findings"].as_array().unwrap();
    let serious: Vec<&Value> = findings
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("high" | "critical")))
        .collect();
    assert!(serious.is_empty(), "{serious:#?}");
    // Restricted Pod Security: no finding of that standard on the pod.
    let pod_security: Vec<&Value> = findings
        .iter()
        .filter(|f| f["object"]["kind"] == "CronJob")
        .filter(|f| f["code"].as_str().unwrap().starts_with("PS"))
        .collect();
    assert!(pod_security.is_empty(), "{pod_security:#?}");

    let deployed = cluster.run(&[
        "deploy",
        "nightly",
        "-n",
        "korral-backup",
        "-f",
        "schedule.yaml",
        "--no-wait",
        "--timeout",
        "60s",
    ]);
    assert!(
        deployed.status.success(),
        "{}\n{}",
        stdout(&deployed),
        stderr(&deployed)
    );
    let server = &cluster.server;
    let cron_job = server
        .get("batch/v1", "CronJob", Some("korral-backup"), "nightly")
        .expect("the CronJob is in the cluster");
    assert_eq!(cron_job["spec"]["schedule"], "15 2 * * *");
    let rbac = "rbac.authorization.k8s.io/v1";
    assert!(
        server
            .get(rbac, "RoleBinding", Some("shop"), "korral-backup.nightly")
            .is_some()
    );
    assert!(
        server
            .get(
                rbac,
                "ClusterRoleBinding",
                None,
                "korral-backup.nightly.namespaces"
            )
            .is_some()
    );
    assert!(
        server
            .get(
                "v1",
                "PersistentVolumeClaim",
                Some("korral-backup"),
                "nightly"
            )
            .is_some()
    );
}

#[test]
fn a_schedules_command_run_as_its_pod_backs_up_encrypted_with_the_mounted_key() {
    let cluster = Cluster::start(&[]);
    schedule_encrypted(&cluster);
    // The ConfigMap laid out as its volume would be, the claim a folder: the pod's
    // command must find the key and encrypt the Secret with no other setup.
    let objects = documents(&cluster.path("schedule.yaml"));
    let config_map = objects.iter().find(|o| o["kind"] == "ConfigMap").unwrap();
    let spec = &objects.iter().find(|o| o["kind"] == "CronJob").unwrap()["spec"]["jobTemplate"]["spec"]
        ["template"]["spec"];
    let mounted = cluster.path("mounted-keyring");
    for item in spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["configMap"]["items"].as_array())
        .flatten()
    {
        let path = mounted.join(item["path"].as_str().unwrap());
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let key = config_map["data"][item["key"].as_str().unwrap()]
            .as_str()
            .unwrap();
        fs::write(path, key).unwrap();
    }
    let backups = cluster.path("claim");
    let args: Vec<String> = spec["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| match a.as_str().unwrap() {
            "/backups" => backups.display().to_string(),
            "/keyring" => mounted.display().to_string(),
            other => other.to_owned(),
        })
        .collect();
    assert_eq!(spec["containers"][0]["command"][0], "korral");
    let output = cluster
        .korral()
        .args(&args)
        // Only what the pod has: no keyring of the user's.
        .env("KORRAL_KEYRING", cluster.path("no-such-keyring"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}\n{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("1 Secret encrypted"), "{err}");
    let written: Vec<PathBuf> = fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let archive = decompressed(&written[0]);
    assert!(!contains(&archive, SECRET_BASE64));
    assert!(contains(&archive, "greeting"));
}

#[test]
fn a_schedule_with_a_hostile_or_missing_value_writes_nothing() {
    let cluster = Cluster::start(&[]);
    for (args, expected) in [
        (
            vec!["--schedule", "15 2 * * *\nkind: Secret", "-A"],
            "is not a cron schedule",
        ),
        (
            vec!["--schedule", "$(id) * * * *", "-A"],
            "is not a cron schedule",
        ),
        (
            vec!["--schedule", "@daily", "-n", "kube/system"],
            "is not a namespace name",
        ),
        (
            vec!["--schedule", "@daily", "-A", "--storage", "10Gi; x"],
            "is not a volume size",
        ),
        (
            vec![
                "--schedule",
                "@daily",
                "-A",
                "--image",
                "korral:1 --privileged",
            ],
            "is not an image reference",
        ),
        (
            vec![
                "--schedule",
                "@daily",
                "-A",
                "--encrypt-to",
                "nobody@example.com",
            ],
            "no key matches",
        ),
        // What to back up is never guessed.
        (vec!["--schedule", "@daily"], "--backup-namespace"),
    ] {
        let mut all = vec!["backup", "schedule", "nightly", "--out", "s.yaml"];
        all.extend(args);
        let output = cluster.run(&all);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{all:?}\n{}",
            stderr(&output)
        );
        let err = stderr(&output);
        assert!(err.contains(expected), "{all:?}: {err}");
        assert!(!cluster.path("s.yaml").exists(), "{all:?}");
    }

    // To standard output, the whole cluster, in the clear: said so.
    let output = cluster.run_ok(&["backup", "schedule", "all", "--schedule", "@daily", "-A"]);
    let objects: Vec<Value> = Loader::load_str("<stdout>", &stdout(&output))
        .unwrap()
        .objects()
        .iter()
        .map(|o| o.raw().to_value())
        .collect();
    assert!(objects.iter().any(|o| o["kind"] == "ClusterRoleBinding"));
    assert!(!objects.iter().any(|o| o["kind"] == "RoleBinding"));
    assert!(stderr(&output).contains("Secret values in clear"));
    // The whole-cluster grant is as intended for the audit as the namespaced one.
    cluster.run_ok(&[
        "backup",
        "schedule",
        "all",
        "--schedule",
        "@daily",
        "-A",
        "--out",
        "all.yaml",
    ]);
    cluster.run_ok(&["audit", "-f", "all.yaml", "--fail-on", "high"]);
}
