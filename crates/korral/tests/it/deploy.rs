//! `korral deploy`, `diff`, `rollback`, `releases` and `undeploy` against the API test
//! server with its simulated controllers (rollouts, Jobs, garbage collection, a kubelet
//! that fails pods by image tag).

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use korral_testkit::{ApiServer, Controllers};
use serde_json::Value;

use crate::util::{controlled_server, korral, stderr, stdout};

/// A cluster with controllers, a kubeconfig, and a folder of manifests.
struct Cluster {
    server: ApiServer,
    dir: tempfile::TempDir,
}

/// The first version of the app: a namespace, a CRD and a resource of its kind, two
/// ConfigMaps, a Secret, a Deployment that reads one ConfigMap, and its Service.
fn app(image: &str, extra_config_map: bool) -> String {
    let mut text = format!(
        r"apiVersion: v1
kind: Namespace
metadata: {{name: shop}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {{name: w1}}
spec: {{size: 3}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: widgets.example.com}}
spec:
  group: example.com
  scope: Namespaced
  names: {{plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: {image}
        envFrom: [{{configMapRef: {{name: web-config}}}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: web-config}}
data: {{greeting: hello}}
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80}}]
"
    );
    if extra_config_map {
        text.push_str(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {a: b}\n",
        );
    }
    text
}

impl Cluster {
    fn start() -> Self {
        Self::start_with(Controllers {
            tick: Duration::from_millis(20),
            ..Controllers::default()
        })
    }

    fn start_with(controllers: Controllers) -> Self {
        let (server, dir) = controlled_server(controllers);
        std::fs::create_dir(dir.path().join("app")).unwrap();
        Self { server, dir }
    }

    fn app_dir(&self) -> PathBuf {
        self.dir.path().join("app")
    }

    /// Writes `text` as the app folder's only file.
    fn write_app(&self, text: &str) {
        std::fs::write(self.app_dir().join("app.yaml"), text).unwrap();
    }

    fn korral(&self) -> assert_cmd::Command {
        let mut cmd = korral();
        cmd.env("KUBECONFIG", self.dir.path().join("config"));
        cmd
    }

    fn deploy(&self, extra: &[&str]) -> std::process::Output {
        self.korral()
            .args(["deploy", "shop", "-n", "shop", "--timeout", "60s", "-f"])
            .arg(self.app_dir())
            .args(extra)
            .output()
            .unwrap()
    }

    fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        self.server.get(api_version, kind, namespace, name)
    }

    fn image(&self) -> String {
        self.get("apps/v1", "Deployment", Some("shop"), "web")
            .unwrap()["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn revision(&self, n: u32) -> Option<Value> {
        self.get(
            "v1",
            "Secret",
            Some("shop"),
            &format!("korral.rev.v1.shop.v{n}"),
        )
    }
}

fn label<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .pointer("/metadata/labels")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
}

fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in:\n{text}"))
}

#[test]
fn a_first_deploy_applies_a_crd_before_its_resource_waits_and_records_an_applyset() {
    let cluster = Cluster::start();
    cluster.write_app(&app("nginx:1.27", true));
    let output = cluster.deploy(&[]);
    let err = stderr(&output);
    assert!(output.status.success(), "{}\n{err}", stdout(&output));
    assert!(
        stdout(&output).contains("deployed shop revision 1 in shop: 7 objects applied (7 created)"),
        "{}",
        stdout(&output)
    );
    // Kinds in kapp's order, the CRD established before its resource, and the rollout
    // waited for.
    assert!(
        position(&err, "created Namespace shop")
            < position(&err, "created CustomResourceDefinition widgets.example.com")
    );
    assert!(
        position(&err, "ready CustomResourceDefinition widgets.example.com")
            < position(&err, "created Widget shop/w1")
    );
    assert!(
        position(&err, "created ConfigMap shop/web-config")
            < position(&err, "created Deployment shop/web")
    );
    assert!(
        position(&err, "created Service shop/web") < position(&err, "created Deployment shop/web")
    );
    assert!(err.contains("ready Deployment shop/web"), "{err}");
    let deployment = cluster
        .get("apps/v1", "Deployment", Some("shop"), "web")
        .unwrap();
    assert_eq!(
        deployment["status"]["availableReplicas"], 2,
        "{deployment:#}"
    );

    // KEP-3659: the parent with its id, tooling and kinds; every member labelled.
    let parent = cluster
        .get("v1", "Secret", Some("shop"), "korral.set.v1.shop")
        .unwrap();
    let id = label(&parent, "applyset.kubernetes.io/id").unwrap();
    assert_eq!(id, korral_apply::set_id("shop", "shop"));
    assert_eq!(
        annotation(&parent, "applyset.kubernetes.io/contains-group-kinds"),
        Some(
            "ConfigMap,CustomResourceDefinition.apiextensions.k8s.io,Deployment.apps,Namespace,Service,Widget.example.com"
        )
    );
    assert!(
        annotation(&parent, "applyset.kubernetes.io/tooling")
            .unwrap()
            .starts_with("korral/v")
    );
    for (api_version, kind, ns, name) in [
        ("v1", "Namespace", None, "shop"),
        (
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "widgets.example.com",
        ),
        ("example.com/v1", "Widget", Some("shop"), "w1"),
        ("v1", "ConfigMap", Some("shop"), "extra"),
        ("apps/v1", "Deployment", Some("shop"), "web"),
    ] {
        let object = cluster
            .get(api_version, kind, ns, name)
            .unwrap_or_else(|| panic!("{kind} {name} missing"));
        assert_eq!(
            label(&object, "applyset.kubernetes.io/part-of"),
            Some(id),
            "{kind} {name}"
        );
        let managers: Vec<&str> = object["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["operation"] == "Apply")
            .filter_map(|m| m["manager"].as_str())
            .collect();
        assert_eq!(
            managers,
            ["korral"],
            "{kind} {name} is applied server-side by korral"
        );
    }
    let revision = cluster.revision(1).unwrap();
    assert_eq!(
        label(&revision, "deploy.korral.dev/status"),
        Some("deployed")
    );
    assert_eq!(revision["type"], "korral.dev/revision.v1");

    let releases = cluster
        .korral()
        .args(["releases", "-A", "-o", "json"])
        .output()
        .unwrap();
    assert!(releases.status.success(), "{}", stderr(&releases));
    let sets: Value = serde_json::from_slice(&releases.stdout).unwrap();
    assert_eq!(sets[0]["name"], "shop");
    assert_eq!(sets[0]["latest"]["number"], 1);
    assert_eq!(sets[0]["latest"]["status"], "deployed");
}

#[test]
fn diff_shows_the_change_and_prune_deletes_only_what_left_the_set() {
    let cluster = Cluster::start();
    cluster.write_app(&app("nginx:1.27", true));
    assert!(cluster.deploy(&[]).status.success());
    // Created by someone else, in the same namespace, of a kind the set holds.
    cluster
        .server
        .create(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "outside", "namespace": "shop"}, "data": {"x": "y"}}))
        .unwrap();
    cluster.write_app(&app("nginx:1.28", false));

    let diff = cluster
        .korral()
        .args(["diff", "shop", "-n", "shop", "-f"])
        .arg(cluster.app_dir())
        .output()
        .unwrap();
    assert_eq!(
        diff.status.code(),
        Some(1),
        "differences exit 1: {}",
        stderr(&diff)
    );
    let text = stdout(&diff);
    assert!(
        text.contains("-        image: nginx:1.27\n+        image: nginx:1.28"),
        "{text}"
    );
    assert!(text.contains("--- live/ConfigMap.shop.extra"), "{text}");
    assert!(!text.contains("outside"), "{text}");
    assert!(
        !text.contains("managedFields") && !text.contains("resourceVersion"),
        "{text}"
    );
    assert!(
        !text.contains("Widget"),
        "unchanged objects are not shown: {text}"
    );

    let output = cluster.deploy(&["--prune"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("deleted ConfigMap shop/extra"),
        "{}",
        stderr(&output)
    );
    assert!(
        cluster
            .get("v1", "ConfigMap", Some("shop"), "extra")
            .is_none()
    );
    assert!(
        cluster
            .get("v1", "ConfigMap", Some("shop"), "outside")
            .is_some(),
        "never anything outside the set"
    );
    assert_eq!(cluster.image(), "nginx:1.28");
    assert_eq!(
        label(&cluster.revision(1).unwrap(), "deploy.korral.dev/status"),
        Some("superseded")
    );
    assert_eq!(
        label(&cluster.revision(2).unwrap(), "deploy.korral.dev/status"),
        Some("deployed")
    );

    let same = cluster
        .korral()
        .args(["diff", "shop", "-n", "shop", "-f"])
        .arg(cluster.app_dir())
        .output()
        .unwrap();
    assert_eq!(
        same.status.code(),
        Some(0),
        "no differences exit 0: {}",
        stdout(&same)
    );
    assert_eq!(stdout(&same), "");
}

#[test]
fn a_failing_image_rolls_back_names_the_pod_and_marks_the_revision_failed() {
    let cluster = Cluster::start();
    cluster.write_app(&app("nginx:1.27", false));
    assert!(cluster.deploy(&[]).status.success());
    cluster.write_app(&app("nginx:missing", false));
    let output = cluster.deploy(&["--rollback-on-failure", "--failure-grace", "1s"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}\n{}", stderr(&output));
    assert!(out.contains("Deployment shop/web"), "{out}");
    assert!(out.contains("pod shop/web-"), "the pod is named: {out}");
    assert!(
        out.contains("ImagePullBackOff") || out.contains("ErrImagePull"),
        "{out}"
    );
    assert!(out.contains("rolled back to revision 1"), "{out}");
    assert_eq!(
        cluster.image(),
        "nginx:1.27",
        "the previous template is back"
    );
    let failed = cluster.revision(2).unwrap();
    assert_eq!(label(&failed, "deploy.korral.dev/status"), Some("failed"));
    assert!(
        annotation(&failed, "deploy.korral.dev/message")
            .unwrap()
            .contains("ImagePull")
    );
    let back = cluster.revision(3).unwrap();
    assert_eq!(label(&back, "deploy.korral.dev/status"), Some("deployed"));
    assert_eq!(
        annotation(&back, "deploy.korral.dev/description"),
        Some("rollback to 1 after revision 2 failed")
    );
}

#[test]
fn rollback_puts_revision_1_back_and_undeploy_removes_everything() {
    let cluster = Cluster::start();
    cluster.write_app(&app("nginx:1.27", true));
    assert!(cluster.deploy(&[]).status.success());
    cluster.write_app(&app("nginx:1.28", false));
    assert!(cluster.deploy(&["--prune"]).status.success());
    assert!(
        cluster
            .get("v1", "ConfigMap", Some("shop"), "extra")
            .is_none()
    );

    let output = cluster
        .korral()
        .args(["rollback", "shop", "1", "-n", "shop"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("deployed shop revision 3"),
        "{}",
        stdout(&output)
    );
    assert_eq!(cluster.image(), "nginx:1.27");
    assert!(
        cluster
            .get("v1", "ConfigMap", Some("shop"), "extra")
            .is_some(),
        "revision 1 had it"
    );

    let history = cluster
        .korral()
        .args(["releases", "shop", "-n", "shop"])
        .output()
        .unwrap();
    let text = stdout(&history);
    assert!(text.contains("rollback to 1"), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.trim_start().starts_with(char::is_numeric))
            .count(),
        3,
        "{text}"
    );

    let output = cluster
        .korral()
        .args(["undeploy", "shop", "-n", "shop", "--wait"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    let err = stderr(&output);
    // Reverse order: the resource before its CRD would go, workloads before config.
    assert!(
        position(&err, "deleted Deployment shop/web")
            < position(&err, "deleted ConfigMap shop/web-config"),
        "{err}"
    );
    assert!(
        err.contains("kept CustomResourceDefinition widgets.example.com"),
        "{err}"
    );
    for (api_version, kind, name) in [
        ("apps/v1", "Deployment", "web"),
        ("v1", "ConfigMap", "web-config"),
        ("example.com/v1", "Widget", "w1"),
    ] {
        assert!(
            cluster.get(api_version, kind, Some("shop"), name).is_none(),
            "{kind} {name} is gone"
        );
    }
    assert!(
        cluster.revision(1).is_none() && cluster.revision(3).is_none(),
        "records are gone"
    );
    // The pods went with their Deployment (garbage collection).
    let pods = cluster
        .korral()
        .args(["releases", "-A", "-o", "json"])
        .output()
        .unwrap();
    assert!(pods.status.success());
}

#[test]
fn one_malformed_object_changes_nothing() {
    let cluster = Cluster::start();
    let good = app("nginx:1.27", false);
    let bad = good.replace("replicas: 2", "replicas: \"two\"");
    cluster.write_app(&bad);
    let output = cluster.deploy(&[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "bad input exits 2: {err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(
        err.contains("app.yaml:"),
        "the file and line are named: {err}"
    );
    assert!(err.contains("Deployment shop/web"), "{err}");
    assert!(
        cluster.get("v1", "Namespace", None, "shop").is_none(),
        "nothing was applied"
    );
    assert!(
        cluster
            .get("v1", "Secret", Some("shop"), "korral.set.v1.shop")
            .is_none()
    );

    // Once the namespace exists, the server judges every object, and a bad one still
    // stops the good ones.
    cluster.server.create(serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})).unwrap();
    let output = cluster.deploy(&[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        cluster
            .get("v1", "ConfigMap", Some("shop"), "web-config")
            .is_none(),
        "the good ConfigMap was not applied"
    );

    // Broken YAML is named with its file and line before anything is sent.
    std::fs::write(
        cluster.app_dir().join("broken.yaml"),
        "kind: ConfigMap\nmetadata: {name: [\n",
    )
    .unwrap();
    let output = cluster.deploy(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("broken.yaml"),
        "{}",
        stderr(&output)
    );
}

/// Server-side apply as another field manager, the way kubectl sends it.
fn apply_as(server: &ApiServer, manager: &str, path: &str, force: bool, body: &str) -> u16 {
    let force = if force { "&force=true" } else { "" };
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    write!(
        stream,
        "PATCH {path}?fieldManager={manager}{force} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: application/apply-patch+yaml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.token(),
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_field_another_manager_owns_is_a_conflict_until_forced() {
    let cluster = Cluster::start();
    cluster.write_app(&app("nginx:1.27", false));
    assert!(cluster.deploy(&[]).status.success());
    let status = apply_as(
        &cluster.server,
        "kubectl",
        "/apis/apps/v1/namespaces/shop/deployments/web",
        false,
        r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":5}}"#,
    );
    assert_eq!(
        status, 409,
        "kubectl conflicts with korral's replicas first"
    );
    let status = apply_as(
        &cluster.server,
        "kubectl",
        "/apis/apps/v1/namespaces/shop/deployments/web",
        true,
        r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":5}}"#,
    );
    assert_eq!(status, 200, "and takes them with force");

    let output = cluster.deploy(&[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains(".spec.replicas") && err.contains("\"kubectl\""),
        "the field and its manager: {err}"
    );
    assert!(err.contains("--force-conflicts"), "{err}");
    assert_eq!(
        cluster
            .get("apps/v1", "Deployment", Some("shop"), "web")
            .unwrap()["spec"]["replicas"],
        5
    );

    let output = cluster.deploy(&["--force-conflicts"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        cluster
            .get("apps/v1", "Deployment", Some("shop"), "web")
            .unwrap()["spec"]["replicas"],
        2
    );
}

/// Starts a deploy that will wait on an unschedulable pod, and waits until its revision
/// is recorded and it is waiting.
fn start_stuck_deploy(cluster: &Cluster, revision: u32) -> std::process::Child {
    let bin = assert_cmd::cargo::cargo_bin("korral");
    let child = std::process::Command::new(bin)
        .env("KUBECONFIG", cluster.dir.path().join("config"))
        .env("NO_COLOR", "1")
        .args([
            "deploy",
            "shop",
            "-n",
            "shop",
            "--failure-grace",
            "5m",
            "--timeout",
            "5m",
            "-f",
        ])
        .arg(cluster.app_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while cluster.revision(revision).is_none() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Into its wait for the rollout.
    std::thread::sleep(Duration::from_millis(500));
    child
}

#[test]
fn an_interrupted_deploy_is_recorded_and_taken_over_by_the_next() {
    let cluster = Cluster::start();
    cluster.write_app(&app("nginx:1.27", false));
    assert!(cluster.deploy(&[]).status.success());

    // Ctrl-C: the revision says so at once.
    cluster.write_app(&app("nginx:unschedulable", false));
    let child = start_stuck_deploy(&cluster, 2);
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("revision 2 marked interrupted"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        label(&cluster.revision(2).unwrap(), "deploy.korral.dev/status"),
        Some("interrupted")
    );

    // Killed outright (a lost machine): the revision stays `deploying` until the next
    // deploy takes over, and says what the dead one left behind.
    cluster.write_app(&app("nginx:unschedulable", true));
    let mut child = start_stuck_deploy(&cluster, 3);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        label(&cluster.revision(3).unwrap(), "deploy.korral.dev/status"),
        Some("deploying")
    );
    assert!(
        cluster
            .get("v1", "ConfigMap", Some("shop"), "extra")
            .is_some()
    );

    cluster.write_app(&app("nginx:1.28", false));
    let output = cluster.deploy(&[]);
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert!(err.contains("revision 3 (deploy, started"), "{err}");
    assert!(
        err.contains("was interrupted before it finished; this deploy takes over"),
        "{err}"
    );
    assert!(
        err.contains(
            "it left 1 that this deploy does not hold (ConfigMap shop/extra): --prune deletes them"
        ),
        "{err}"
    );
    assert_eq!(
        label(&cluster.revision(3).unwrap(), "deploy.korral.dev/status"),
        Some("interrupted")
    );
    assert_eq!(
        label(&cluster.revision(4).unwrap(), "deploy.korral.dev/status"),
        Some("deployed")
    );
    assert_eq!(cluster.image(), "nginx:1.28");
}

#[test]
fn a_dry_run_validates_and_changes_nothing() {
    let cluster = Cluster::start();
    cluster.write_app(&app("nginx:1.27", false));
    let output = cluster.deploy(&["--dry-run", "-o", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let outcome: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(outcome["result"], "dry-run");
    assert_eq!(outcome["applied"].as_array().unwrap().len(), 6);
    assert!(cluster.get("v1", "Namespace", None, "shop").is_none());
    assert!(
        cluster
            .get(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                None,
                "widgets.example.com"
            )
            .is_none()
    );
}

#[test]
fn bad_set_names_and_missing_namespaces_are_bad_input() {
    let cluster = Cluster::start();
    cluster.write_app("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
    let output = cluster
        .korral()
        .args(["deploy", "Shop/../x", "-n", "shop", "-f"])
        .arg(cluster.app_dir())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot name a deployment"),
        "{}",
        stderr(&output)
    );
    let output = cluster.deploy(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("namespace `shop` does not exist"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bundle_is_verified_before_its_manifests_are_deployed() {
    let cluster = Cluster::start();
    cluster.write_app(&app("nginx:1.27", false));
    let keyring = cluster.dir.path().join("keyring");
    let bundle = cluster.dir.path().join("app.tar.zst");
    let output = korral()
        .env("KORRAL_KEYRING", &keyring)
        .args([
            "bundle",
            "create",
            "--name",
            "app",
            "--version",
            "1",
            "--out",
        ])
        .arg(&bundle)
        .arg(cluster.app_dir())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));

    // Unsigned, and a signature is required: nothing is read, nothing deployed.
    let output = cluster
        .korral()
        .env("KORRAL_KEYRING", &keyring)
        .args(["deploy", "shop", "-n", "shop", "--require-signature", "-f"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("nothing was deployed"),
        "{}",
        stderr(&output)
    );
    assert!(cluster.get("v1", "Namespace", None, "shop").is_none());

    let output = cluster
        .korral()
        .env("KORRAL_KEYRING", &keyring)
        .args(["deploy", "shop", "-n", "shop", "--timeout", "60s", "-f"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("verified bundle"),
        "{}",
        stderr(&output)
    );
    assert_eq!(cluster.image(), "nginx:1.27");
    // The bundle's own manifest is not deployed.
    assert!(!stderr(&output).contains("Bundle"), "{}", stderr(&output));
}

#[test]
fn a_fix_is_judged_by_its_own_pods_not_the_crashing_ones_it_replaces() {
    // The fix takes 3 s to be ready: the deploy looks at the pods several times
    // meanwhile, each time seeing the old template's crash-looping ones.
    let cluster = Cluster::start_with(Controllers {
        tick: Duration::from_millis(20),
        slow_ticks: 150,
        ..Controllers::default()
    });
    cluster.write_app(&app("nginx:crash", false));
    let output = cluster.deploy(&["--failure-grace", "1s"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("CrashLoopBackOff"),
        "{}",
        stdout(&output)
    );
    // No earlier good revision: the hint says so rather than offering a rollback.
    assert!(
        stdout(&output).contains("no earlier revision deployed well"),
        "{}",
        stdout(&output)
    );
    let output = cluster
        .korral()
        .args(["rollback", "shop", "-n", "shop"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no earlier revision that deployed successfully"),
        "{}",
        stderr(&output)
    );

    // The fix is slow to become ready, longer than the grace; the crashing pods of the
    // old template must not fail it.
    cluster.write_app(&app("nginx:slow", false));
    let output = cluster.deploy(&["--failure-grace", "200ms"]);
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    assert_eq!(cluster.image(), "nginx:slow");
}

#[test]
fn a_deploy_overtaken_by_another_does_not_claim_success() {
    let cluster = Cluster::start();
    cluster.write_app(&app("nginx:1.27", false));
    assert!(cluster.deploy(&[]).status.success());
    cluster.write_app(&app("nginx:unschedulable", false));
    let stuck = start_stuck_deploy(&cluster, 2);
    cluster.write_app(&app("nginx:1.28", false));
    let output = cluster.deploy(&[]);
    assert!(output.status.success(), "{}", stderr(&output));
    // The first sees the rollout finish (with the second's template), but its revision
    // was taken over: it says so and fails.
    let first = stuck.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("took over while this one ran (revision 2 is now `interrupted`)"),
        "{}",
        stderr(&first)
    );
    assert_eq!(
        label(&cluster.revision(2).unwrap(), "deploy.korral.dev/status"),
        Some("interrupted")
    );
    assert_eq!(
        label(&cluster.revision(3).unwrap(), "deploy.korral.dev/status"),
        Some("deployed")
    );
}

#[test]
fn a_bad_wave_and_a_rejected_diff_are_bad_input_and_change_nothing() {
    let cluster = Cluster::start();
    let text = app("nginx:1.27", false).replace(
        "metadata: {name: web-config}",
        "metadata: {name: web-config, annotations: {deploy.korral.dev/wave: after-web}}",
    );
    cluster.write_app(&text);
    let output = cluster.deploy(&[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("`after-web`, not a whole number"),
        "{}",
        stderr(&output)
    );
    assert!(
        cluster.get("v1", "Namespace", None, "shop").is_none(),
        "nothing was applied"
    );
    assert!(cluster.revision(1).is_none(), "no revision was recorded");

    cluster.write_app(&app("nginx:1.27", false));
    assert!(cluster.deploy(&[]).status.success());
    cluster.write_app(&app("nginx:1.27", false).replace("replicas: 2", "replicas: \"two\""));
    let output = cluster
        .korral()
        .args(["diff", "shop", "-n", "shop", "-f"])
        .arg(cluster.app_dir())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "errors are 2, differences 1: {}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("app.yaml:"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cannot unmarshal string"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn empty_fields_as_charts_render_them_deploy_and_diff_clean() {
    // `data:` and `annotations:` with nothing after them, as Helm renders empty values
    // (ingress-nginx's install manifest has both); a second deploy changes nothing.
    let cluster = Cluster::start();
    cluster.write_app(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: controller\n  annotations:\ndata:\n---\n\
         apiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n  name: web\nspec:\n  type: NodePort\n  ports:\n    - port: 80\n      targetPort: http\n",
    );
    let output = cluster.deploy(&[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let diff = cluster
        .korral()
        .args(["diff", "shop", "-n", "shop", "-f"])
        .arg(cluster.app_dir())
        .output()
        .unwrap();
    assert_eq!(diff.status.code(), Some(0), "{}", stdout(&diff));
    let config = cluster
        .get("v1", "ConfigMap", Some("shop"), "controller")
        .unwrap();
    assert_eq!(config.get("data"), None, "{config:#}");
}

#[test]
fn history_is_trimmed_but_the_last_good_revision_stays() {
    let cluster = Cluster::start();
    cluster.write_app(&app("nginx:1.27", false));
    assert!(cluster.deploy(&[]).status.success());
    cluster.write_app(&app("nginx:missing", false));
    for _ in 0..3 {
        let output = cluster.deploy(&["--failure-grace", "300ms", "--history-max", "2"]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    }
    assert!(
        cluster.revision(1).is_some(),
        "the last good revision is kept for rollback"
    );
    assert!(cluster.revision(2).is_none(), "older failures are trimmed");
    assert!(cluster.revision(3).is_some() && cluster.revision(4).is_some());
    let output = cluster
        .korral()
        .args(["rollback", "shop", "-n", "shop"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(cluster.image(), "nginx:1.27");
}
