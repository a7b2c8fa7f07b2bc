//! The live commands against a hostile server and a leaky exec credential plugin:
//! every wait ends (`--request-timeout`), every answer is bounded, no secret and no
//! terminal control reaches the output. On the old code these commands hung forever
//! (the `timeout` below turns that into a failure) or echoed secrets.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use korral_testkit::{Answer, HostileServer};

use crate::util::{korral, stderr};

/// Longer than any of these commands takes; the old code never ended.
const PATIENCE: Duration = Duration::from_secs(60);

struct Hostile {
    server: HostileServer,
    dir: tempfile::TempDir,
}

impl Hostile {
    fn start(prefix: &str, answer: Answer) -> Self {
        let server = HostileServer::start(prefix, answer).unwrap();
        let dir = tempfile::tempdir().unwrap();
        server.write_kubeconfig(dir.path().join("config")).unwrap();
        Self { server, dir }
    }

    fn korral(&self, args: &[&str]) -> std::process::Output {
        korral()
            .env("KUBECONFIG", self.dir.path().join("config"))
            .env_remove("HOME")
            .args(args)
            .timeout(PATIENCE)
            .output()
            .unwrap()
    }
}

#[test]
fn status_against_a_server_that_never_answers_ends_at_the_request_timeout() {
    let hostile = Hostile::start("/", Answer::Silent);
    let output = hostile.korral(&["status", "--request-timeout", "1s"]);
    // Nothing was checked: 2, never 1 ("checked, and unhealthy").
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains(&format!(
            "`{}` did not answer within 1s; check the cluster is up, or pass a longer --request-timeout (0 waits forever)",
            hostile.server.url()
        )),
        "{text}"
    );
}

#[test]
fn topology_against_a_trickling_server_ends_at_the_request_timeout() {
    let hostile = Hostile::start("/api/v1/pods", Answer::Trickle(Duration::from_millis(100)));
    let output = hostile.korral(&["topology", "-A", "--request-timeout", "2s"]);
    let text = stderr(&output);
    assert!(
        text.contains("did not finish answering within 2s"),
        "{text}"
    );
}

#[test]
fn snapshot_of_a_list_that_never_ends_stops_and_says_why() {
    let hostile = Hostile::start("/api/v1/pods", Answer::RepeatedContinue);
    let out = hostile.dir.path().join("snap.json");
    let output = hostile.korral(&["snapshot", "--out", out.to_str().unwrap()]);
    let text = stderr(&output);
    assert!(
        text.contains("sent a `continue` token it had sent before (page 2): the list would never end; it is stopped; `pods` is left out"),
        "{text}"
    );
}

#[test]
fn request_timeout_takes_kubectls_syntax() {
    let hostile = Hostile::start("/none", Answer::Silent);
    let output = hostile.korral(&["status", "--request-timeout", "soon"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid timeout `soon`: use a number of seconds, or a number and a unit (`30s`, `2m`, `1h`); `0` waits forever"),
        "{}",
        stderr(&output)
    );
    for ok in ["0", "45", "1m30s"] {
        let output = hostile.korral(&["status", "--request-timeout", ok]);
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("API: "),
            "{ok}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn terminal_controls_from_a_hostile_server_are_escaped() {
    let hostile = Hostile::start(
        "/api",
        Answer::Status(500, "\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[2Jfine".to_owned()),
    );
    let output = hostile.korral(&["status"]);
    let text = stderr(&output);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(
        text.contains(r"\e]52;c;cm0gLXJmIH4=\u{7}\e[2Jfine"),
        "{text}"
    );
}

#[test]
fn a_failing_exec_plugin_leaks_no_secret() {
    let hostile = Hostile::start("/none", Answer::Silent);
    let plugin = hostile.dir.path().join("plugin.sh");
    std::fs::write(
        &plugin,
        "#!/bin/sh\necho '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"TOKEN-SECRET\"}}'\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let kubeconfig = hostile.server.kubeconfig_yaml().replace(
        &format!("token: {}", korral_testkit::HOSTILE_TOKEN),
        &format!(
            "exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      args: [--secret=ARG-SECRET]\n      env: [{{name: KEY, value: ENV-SECRET}}]",
            plugin.display()
        ),
    );
    std::fs::write(hostile.dir.path().join("config"), kubeconfig).unwrap();
    let output = hostile.korral(&["status"]);
    assert_eq!(output.status.code(), Some(2));
    let text = format!(
        "{}{}",
        stderr(&output),
        String::from_utf8_lossy(&output.stdout)
    );
    for secret in ["TOKEN-SECRET", "ARG-SECRET", "ENV-SECRET"] {
        assert!(!text.contains(secret), "{secret}: {text}");
    }
    assert!(
        text.contains("of context `hostile` failed with exit code 1"),
        "{text}"
    );
}
