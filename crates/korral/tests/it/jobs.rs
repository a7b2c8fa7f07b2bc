//! `korral run` and `korral jobs …` against the API test server, with the controller
//! running as `korral jobs controller` in its own process.

use std::process::{Child, Stdio};
use std::time::Duration;

use korral_testkit::{ApiServer, Controllers};
use serde_json::{Value, json};

use crate::util::{controlled_server, stdout};

struct Env {
    server: ApiServer,
    dir: tempfile::TempDir,
    controller: Child,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self.controller.kill();
        let _ = self.controller.wait();
    }
}

impl Env {
    fn new() -> Self {
        let (server, dir) = controlled_server(Controllers::default());
        let install = crate::util::korral()
            .env("KUBECONFIG", dir.path().join("config"))
            .args(["jobs", "install", "--crds-only"])
            .output()
            .unwrap();
        assert!(
            install.status.success(),
            "{}",
            crate::util::stderr(&install)
        );
        let controller = std::process::Command::new(assert_cmd::cargo::cargo_bin("korral"))
            .args(["jobs", "controller", "-n", "default", "--poll", "0.1"])
            .env("KUBECONFIG", dir.path().join("config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self {
            server,
            dir,
            controller,
        }
    }

    fn korral(&self) -> assert_cmd::Command {
        let mut cmd = crate::util::korral();
        cmd.env("KUBECONFIG", self.dir.path().join("config"));
        cmd
    }

    fn create(&self, value: Value) {
        self.server.create(value).unwrap();
    }

    fn tool(&self, name: &str, image: &str, extra: &Value) {
        let mut spec =
            json!({"template": {"spec": {"containers": [{"name": "tool", "image": image}]}}});
        if let (Some(s), Some(e)) = (spec.as_object_mut(), extra.as_object()) {
            s.extend(e.clone());
        }
        self.create(
            json!({"apiVersion": "jobs.korral.dev/v1alpha1", "kind": "Tool",
            "metadata": {"name": name, "namespace": "default"}, "spec": spec}),
        );
    }

    fn run(&self, name: &str, tool: &str, extra: &Value) {
        let mut spec = json!({"tool": tool});
        if let (Some(s), Some(e)) = (spec.as_object_mut(), extra.as_object()) {
            s.extend(e.clone());
        }
        self.create(
            json!({"apiVersion": "jobs.korral.dev/v1alpha1", "kind": "Run",
            "metadata": {"name": name, "namespace": "default"}, "spec": spec}),
        );
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self
            .korral()
            .args(args)
            .args(["-o", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", crate::util::stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    }

    /// Polls `korral …-o json` until `test` holds.
    fn wait(&self, args: &[&str], what: &str, test: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..600 {
            last = self.json(args);
            if test(&last) {
                return last;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("never {what}: {last:#}");
    }
}

fn phase(run: &Value) -> &str {
    run["status"]["phase"].as_str().unwrap_or_default()
}

#[test]
fn korral_run_waits_for_a_run_and_reports_it() {
    let env = Env::new();
    env.tool("hello", "hello:1", &json!({}));
    let out = env
        .korral()
        .args([
            "run", "hello", "-n", "default", "--name", "hello-1", "--wait", "--", "--greet", "you",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::util::stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Phase:     Succeeded"), "{text}");
    assert!(text.contains("Job:     hello-1-1"), "{text}");
    let list = stdout(&env.korral().args(["jobs", "list"]).output().unwrap());
    assert!(
        list.lines()
            .any(|l| l.contains("hello-1") && l.contains("Succeeded")),
        "{list}"
    );
    // The topology shows the Run owning its Job, which owns its pod.
    let topology: Value = serde_json::from_str(&stdout(
        &env.korral()
            .args(["topology", "-n", "default", "-o", "json"])
            .output()
            .unwrap(),
    ))
    .unwrap();
    let owns = |source: &str, target: &str| {
        topology["edges"].as_array().unwrap().iter().any(|e| {
            e["relation"] == "owns"
                && e["source"].as_str().unwrap().contains(source)
                && e["target"].as_str().unwrap().contains(target)
        })
    };
    assert!(
        owns(
            "Run.jobs.korral.dev/default/hello-1",
            "Job.batch/default/hello-1-1"
        ),
        "{topology:#}"
    );
    assert!(
        owns("Job.batch/default/hello-1-1", "Pod/default/hello-1-1-"),
        "{topology:#}"
    );
}

#[test]
fn korral_jobs_queue_shows_who_waits_behind_whom() {
    let env = Env::new();
    env.create(
        json!({"apiVersion": "jobs.korral.dev/v1alpha1", "kind": "Queue",
        "metadata": {"name": "one", "namespace": "default"}, "spec": {"maxConcurrent": 1}}),
    );
    env.tool("block", "block:unschedulable", &json!({"queue": "one"}));
    env.tool("work", "work:1", &json!({"queue": "one"}));
    env.run("blocker", "block", &json!({}));
    env.wait(&["jobs", "get", "blocker"], "running", |r| {
        phase(r) == "Running"
    });
    for (name, priority) in [("low", 1), ("high", 10), ("mid", 5)] {
        env.run(name, "work", &json!({"priority": priority}));
    }
    let views = env.wait(&["jobs", "queue", "one"], "three waiting", |v| {
        v[0]["waiting"].as_array().is_some_and(|w| w.len() == 3)
    });
    let order: Vec<(&str, u64)> = views[0]["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["name"].as_str().unwrap(), w["position"].as_u64().unwrap()))
        .collect();
    assert_eq!(order, [("high", 1), ("mid", 2), ("low", 3)]);
    assert_eq!(views[0]["running"], json!(["blocker"]));
    let table = stdout(
        &env.korral()
            .args(["jobs", "queue", "one"])
            .output()
            .unwrap(),
    );
    let rows: Vec<&str> = table.lines().filter(|l| l.contains("Waiting")).collect();
    assert!(
        rows[0].contains("high") && rows[0].contains("the queue is full: 1 of 1 runs running"),
        "{table}"
    );
    assert!(
        rows[1].contains("mid") && rows[1].contains("waits behind `high`"),
        "{table}"
    );
    assert!(rows[2].contains("low"), "{table}");
    // Cancelled, the blocker makes room: all three run, the most important first.
    env.korral()
        .args(["jobs", "cancel", "blocker"])
        .assert()
        .success();
    for name in ["high", "mid", "low"] {
        env.wait(&["jobs", "get", name], "succeeded", |r| {
            phase(r) == "Succeeded"
        });
    }
}

#[test]
fn the_dead_letter_queue_lists_and_retries() {
    let env = Env::new();
    env.tool("broken", "broken:fail", &json!({"retry": {"limit": 0}}));
    env.run("broken-1", "broken", &json!({}));
    env.wait(&["jobs", "get", "broken-1"], "dead-lettered", |r| {
        phase(r) == "DeadLettered"
    });
    let dlq = stdout(&env.korral().args(["jobs", "dlq"]).output().unwrap());
    assert!(
        dlq.lines()
            .any(|l| l.contains("broken-1") && l.contains("exit code 1")),
        "{dlq}"
    );
    // Without a name or --all nothing is retried; a name not in the queue is refused.
    env.korral().args(["jobs", "dlq", "retry"]).assert().code(2);
    env.korral()
        .args(["jobs", "dlq", "retry", "nope"])
        .assert()
        .code(2);
    env.korral()
        .args(["jobs", "dlq", "retry", "broken-1"])
        .assert()
        .success();
    let again = env.wait(&["jobs", "get", "broken-1"], "a second attempt", |r| {
        r["status"]["attempts"]
            .as_array()
            .is_some_and(|a| a.len() == 2)
            && phase(r) == "DeadLettered"
    });
    assert_eq!(again["status"]["attempts"][1]["job"], "broken-1-2");
    let logs = stdout(
        &env.korral()
            .args(["jobs", "logs", "broken-1", "--attempt", "1"])
            .output()
            .unwrap(),
    );
    assert!(logs.contains("failing on purpose"), "{logs}");
}

#[test]
fn a_workflow_runs_and_is_drawn_as_a_tree() {
    let env = Env::new();
    env.tool("ok", "ok:1", &json!({}));
    let file = env.dir.path().join("wf.yaml");
    std::fs::write(
        &file,
        "apiVersion: jobs.korral.dev/v1alpha1\nkind: Workflow\nmetadata: {name: ship}\nspec:\n  steps:\n  - {name: a, tool: ok}\n  - {name: b, tool: ok, dependsOn: [a]}\n  - {name: c, tool: ok, dependsOn: [a]}\n  - {name: d, tool: ok, dependsOn: [b, c]}\n",
    )
    .unwrap();
    let out = env
        .korral()
        .args(["jobs", "workflow", "run", "-n", "default", "--wait", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::util::stderr(&out));
    let tree = stdout(&out);
    assert!(
        tree.starts_with("ship Succeeded\n└─ a  Succeeded  run/ship-a\n"),
        "{tree}"
    );
    assert!(
        tree.contains("d  Succeeded  run/ship-d  (after b, c)"),
        "{tree}"
    );
    // A cycle is refused before anything is created.
    std::fs::write(
        &file,
        "apiVersion: jobs.korral.dev/v1alpha1\nkind: Workflow\nmetadata: {name: loop}\nspec:\n  steps:\n  - {name: a, tool: ok, dependsOn: [b]}\n  - {name: b, tool: ok, dependsOn: [a]}\n",
    )
    .unwrap();
    let out = env
        .korral()
        .args(["jobs", "workflow", "run", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::util::stderr(&out).contains("a → b → a"));
}

#[test]
fn install_puts_the_controller_in_the_cluster_through_the_apply_engine() {
    let (server, dir) = controlled_server(Controllers::default());
    let install = |image: &str, extra: &[&str]| {
        crate::util::korral()
            .env("KUBECONFIG", dir.path().join("config"))
            .args(["jobs", "install", "--image", image])
            .args(extra)
            .output()
            .unwrap()
    };
    let deployment = || {
        server.get(
            "apps/v1",
            "Deployment",
            Some("korral-jobs"),
            "korral-jobs-controller",
        )
    };
    let out = install("registry.local/korral:0.1", &[]);
    assert!(out.status.success(), "{}", crate::util::stderr(&out));
    let notes = crate::util::stderr(&out);
    assert!(
        notes.contains("CustomResourceDefinition runs.jobs.korral.dev created"),
        "{notes}"
    );
    let container =
        deployment().expect("the Deployment")["spec"]["template"]["spec"]["containers"][0].clone();
    assert_eq!(container["image"], "registry.local/korral:0.1");
    assert_eq!(
        container["args"],
        json!([
            "jobs",
            "controller",
            "-A",
            "--lease-namespace",
            "korral-jobs"
        ])
    );
    let role = server
        .get(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            None,
            "korral-jobs-controller",
        )
        .expect("the ClusterRole");
    assert!(
        role["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["resources"] == json!(["jobs"]))
    );
    // A dry run of another image is validated by the server and changes nothing.
    let dry = install("registry.local/korral:0.2", &["--dry-run"]);
    assert!(dry.status.success(), "{}", crate::util::stderr(&dry));
    assert!(
        crate::util::stderr(&dry)
            .contains("Deployment korral-jobs/korral-jobs-controller updated (dry run)")
    );
    let image = deployment().unwrap()["spec"]["template"]["spec"]["containers"][0]["image"].clone();
    assert_eq!(image, "registry.local/korral:0.1");
}
