//! `korral restore` against the API test server with its controllers: a namespace is
//! backed up (here: a snapshot laid out as a backup and bundled), deleted, and put back.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use korral_testkit::{ApiServer, Controllers};
use serde_json::{Value, json};

use crate::util::{controlled_server, korral, stderr, stdout};

const APP: &str = r"apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
spec: {size: 3}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: [{apiGroups: [''], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: api-reads}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: api, namespace: shop}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: hunter2}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: api
      containers: [{name: web, image: 'nginx:1.27', envFrom: [{configMapRef: {name: web-config}}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
";

struct Cluster {
    server: ApiServer,
    dir: tempfile::TempDir,
}

impl Cluster {
    fn start() -> Self {
        let (server, dir) = controlled_server(Controllers {
            tick: Duration::from_millis(20),
            ..Controllers::default()
        });
        Self { server, dir }
    }

    fn korral(&self) -> assert_cmd::Command {
        let mut cmd = korral();
        cmd.env("KUBECONFIG", self.dir.path().join("config"))
            .env("KORRAL_KEYRING", self.dir.path().join("keyring"));
        cmd
    }

    fn get(&self, api_version: &str, kind: &str, ns: Option<&str>, name: &str) -> Option<Value> {
        self.server.get(api_version, kind, ns, name)
    }

    /// Deploys the app and waits for it.
    fn deploy_app(&self) {
        let app = self.dir.path().join("app.yaml");
        std::fs::write(&app, APP).unwrap();
        // The test server binds no claims (it has no volume provisioner): the rollout is
        // waited for here instead.
        let output = self
            .korral()
            .args(["deploy", "shop", "-n", "shop", "--no-wait", "-f"])
            .arg(&app)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let start = Instant::now();
        while self
            .get("apps/v1", "Deployment", Some("shop"), "web")
            .is_none_or(|d| d["status"]["availableReplicas"] != 2)
        {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the rollout did not finish"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A backup of namespace `shop`, by `korral backup create`.
    fn backup(&self) -> PathBuf {
        let bundle = self.dir.path().join("shop-backup.tar.zst");
        let output = self
            .korral()
            .args(["backup", "create", "-n", "shop", "--out"])
            .arg(&bundle)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        bundle
    }

    fn delete_namespace(&self, name: &str) {
        self.server.delete("v1", "Namespace", None, name).unwrap();
        let start = Instant::now();
        while self.get("v1", "Namespace", None, name).is_some() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "namespace {name} not deleted"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn restore(&self, bundle: &Path, extra: &[&str]) -> std::process::Output {
        self.korral()
            .arg("restore")
            .arg(bundle)
            .args(extra)
            .output()
            .unwrap()
    }
}

fn uid(object: &Value) -> &str {
    object["metadata"]["uid"].as_str().unwrap()
}

#[test]
#[allow(clippy::too_many_lines)] // one story: back up, delete, restore, check each part
fn a_deleted_namespace_comes_back_whole_and_its_pods_are_the_new_deployments() {
    let cluster = Cluster::start();
    cluster.deploy_app();
    let bundle = cluster.backup();
    let old_deployment = cluster
        .get("apps/v1", "Deployment", Some("shop"), "web")
        .unwrap();
    cluster.delete_namespace("shop");

    let output = cluster.restore(&bundle, &["-o", "json"]);
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let results: Vec<(String, String)> = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                format!(
                    "{}/{}",
                    o["id"]["kind"].as_str().unwrap(),
                    o["id"]["name"].as_str().unwrap()
                ),
                o["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for wanted in [
        "Namespace/shop",
        "CustomResourceDefinition/widgets.example.com",
        "Widget/w1",
        "ServiceAccount/api",
        "RoleBinding/api-reads",
        "ConfigMap/web-config",
        "Secret/creds",
        "PersistentVolumeClaim/data",
        "Deployment/web",
        "Service/web",
        "Ingress/web",
    ] {
        let result = results
            .iter()
            .find(|(id, _)| id == wanted)
            .map(|(_, r)| r.as_str());
        // The CRD outlived the namespace: it is there already.
        let expected = if wanted.starts_with("CustomResourceDefinition") {
            "skipped-exists"
        } else {
            "created"
        };
        assert_eq!(result, Some(expected), "{wanted}: {results:?}");
    }
    assert!(
        !results.iter().any(|(id, _)| id.starts_with("Pod/")
            || id.starts_with("ReplicaSet/")
            || id.starts_with("Endpoints/")),
        "controllers' objects are not restored: {results:?}"
    );
    let left_out = report["left_out"].as_array().unwrap();
    assert!(
        left_out.iter().any(|s| s["id"]["kind"] == "ReplicaSet"
            && s["reason"]
                .as_str()
                .unwrap()
                .contains("owned by Deployment web")),
        "{left_out:?}"
    );
    assert!(
        left_out.iter().any(|s| s["id"]["kind"] == "Pod"),
        "{left_out:?}"
    );

    // Spec and data are back; the Deployment is a new object, and its pods are its own.
    let secret = cluster.get("v1", "Secret", Some("shop"), "creds").unwrap();
    assert_eq!(secret["data"]["password"], "aHVudGVyMg==");
    assert_eq!(
        cluster
            .get("v1", "ConfigMap", Some("shop"), "web-config")
            .unwrap()["data"]["greeting"],
        "hello"
    );
    assert_eq!(
        cluster
            .get("example.com/v1", "Widget", Some("shop"), "w1")
            .unwrap()["spec"]["size"],
        3
    );
    let deployment = cluster
        .get("apps/v1", "Deployment", Some("shop"), "web")
        .unwrap();
    assert_ne!(uid(&deployment), uid(&old_deployment));
    // Its controller rolls it out anew: the pods are the restored Deployment's own.
    let start = Instant::now();
    let pods = loop {
        let output = cluster
            .korral()
            .args(["snapshot", "-n", "shop", "-o", "json"])
            .output()
            .unwrap();
        let list: Value = serde_json::from_slice(&output.stdout).unwrap();
        let items = list["items"].as_array().unwrap().clone();
        let of_kind = |kind: &str| -> Vec<Value> {
            items
                .iter()
                .filter(|o| o["kind"] == kind)
                .cloned()
                .collect()
        };
        let (sets, pods) = (of_kind("ReplicaSet"), of_kind("Pod"));
        let owned_by_new = sets
            .iter()
            .any(|rs| rs["metadata"]["ownerReferences"][0]["uid"] == deployment["metadata"]["uid"]);
        if owned_by_new && pods.len() == 2 {
            break (sets, pods);
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no new rollout: {items:#?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let (sets, pods) = pods;
    for pod in &pods {
        let owner = &pod["metadata"]["ownerReferences"][0];
        assert!(
            sets.iter().any(|rs| rs["metadata"]["uid"] == owner["uid"]),
            "pod {} is owned by a ReplicaSet of the restored Deployment",
            pod["metadata"]["name"]
        );
    }
    let service = cluster.get("v1", "Service", Some("shop"), "web").unwrap();
    assert!(
        service["spec"]["clusterIP"].is_string(),
        "the new cluster gave it an address"
    );

    // Again: everything exists (the twelve objects and the deploy's two records),
    // nothing is overwritten, exit 0.
    let again = cluster.restore(&bundle, &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("0 created, 0 updated, 14 skipped (exist), 0 failed"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn a_mapping_moves_the_namespace_and_its_binding_subjects() {
    let cluster = Cluster::start();
    cluster.deploy_app();
    let bundle = cluster.backup();
    let output = cluster.restore(
        &bundle,
        &["-n", "shop", "--namespace-mapping", "shop:shop-copy"],
    );
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    let binding = cluster
        .get(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            Some("shop-copy"),
            "api-reads",
        )
        .unwrap();
    assert_eq!(binding["subjects"][0]["namespace"], "shop-copy");
    assert!(
        cluster
            .get("apps/v1", "Deployment", Some("shop-copy"), "web")
            .is_some()
    );
    // The original is untouched.
    assert!(
        cluster
            .get("apps/v1", "Deployment", Some("shop"), "web")
            .is_some()
    );
}

#[test]
fn existing_objects_are_updated_only_when_asked() {
    let cluster = Cluster::start();
    cluster.deploy_app();
    let bundle = cluster.backup();
    let mut changed = cluster
        .get("v1", "ConfigMap", Some("shop"), "web-config")
        .unwrap();
    changed["data"]["greeting"] = json!("changed by hand");
    changed["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    cluster.server.update(changed).unwrap();

    let output = cluster.restore(&bundle, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        cluster
            .get("v1", "ConfigMap", Some("shop"), "web-config")
            .unwrap()["data"]["greeting"],
        "changed by hand"
    );

    let output = cluster.restore(
        &bundle,
        &["--existing", "update", "--include-kinds", "ConfigMap"],
    );
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("0 created, 1 updated"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        cluster
            .get("v1", "ConfigMap", Some("shop"), "web-config")
            .unwrap()["data"]["greeting"],
        "hello"
    );
}

#[test]
fn a_tampered_backup_is_refused_before_any_write() {
    let cluster = Cluster::start();
    cluster.deploy_app();
    let bundle = cluster.backup();
    cluster.delete_namespace("shop");
    // Flip a byte in the middle of the archive.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&bundle, &bytes).unwrap();
    let output = cluster.restore(&bundle, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("nothing was restored"),
        "{}",
        stderr(&output)
    );
    assert!(
        cluster.get("v1", "Namespace", None, "shop").is_none(),
        "nothing was written"
    );
}

#[test]
fn an_encrypted_backup_written_by_korral_restores_with_its_key() {
    let cluster = Cluster::start();
    cluster.deploy_app();
    let output = cluster
        .korral()
        .args([
            "keys",
            "generate",
            "--name",
            "Backups",
            "--email",
            "backups@example.com",
            "--passphrase-file",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let bundle = cluster.dir.path().join("shop.tar.zst");
    let output = cluster
        .korral()
        .args([
            "backup",
            "create",
            "-n",
            "shop",
            "--encrypt-to",
            "backups@example.com",
            "--out",
        ])
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    cluster.delete_namespace("shop");

    // Without the key: the Secrets cannot be read, nothing is written.
    let output = cluster
        .korral()
        .env("KORRAL_KEYRING", cluster.dir.path().join("empty-keyring"))
        .arg("restore")
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(".yaml.asc"),
        "the encrypted file is named: {}",
        stderr(&output)
    );
    assert!(cluster.get("v1", "Namespace", None, "shop").is_none());

    let output = cluster.restore(&bundle, &[]);
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    let secret = cluster.get("v1", "Secret", Some("shop"), "creds").unwrap();
    assert_eq!(secret["data"]["password"], "aHVudGVyMg==");
}
