//! Exec credential plugins (`users[].user.exec`): run by korral with a time limit, and
//! never echoed. On the old code kube's error for a failing plugin held the token it
//! printed, its error output, its arguments and its environment, and a plugin that
//! hung hung korral.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use korral_kube::{ClusterConfig, Error, KubeOptions, Limits, discover};

use crate::util::{PATIENCE, cluster};

/// A kubeconfig for `server` whose user runs `script` (a shell script) with an
/// argument and an environment variable that are secrets.
fn exec_kubeconfig(dir: &Path, server: &str, script: &str) -> PathBuf {
    let plugin = dir.join("plugin.sh");
    std::fs::write(&plugin, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n\
             users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      args: [--password=ARG-SECRET]\n      env:\n      - name: PLUGIN_SECRET\n        value: ENV-SECRET\n      interactiveMode: Never\n\
             contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n\
             current-context: c\n",
            plugin.display()
        ),
    )
    .unwrap();
    kubeconfig
}

fn credential(token: &str) -> String {
    format!(
        r#"{{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{{"token":"{token}"}}}}"#
    )
}

async fn connect(kubeconfig: PathBuf, limits: Limits) -> korral_kube::Result<korral_kube::Client> {
    let config = ClusterConfig::load(KubeOptions {
        kubeconfig: Some(kubeconfig),
        limits,
        ..KubeOptions::default()
    })?;
    tokio::time::timeout(PATIENCE, config.client())
        .await
        .expect("connecting never ended")
}

#[tokio::test]
async fn an_exec_plugins_token_is_sent() {
    let cluster = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    // The plugin sees its argument and environment, as kubectl gives them.
    let script = format!(
        r#"[ "$1" = --password=ARG-SECRET ] && [ "$PLUGIN_SECRET" = ENV-SECRET ] || exit 3
echo "$KUBERNETES_EXEC_INFO" | grep -q '"interactive":false' || exit 4
echo '{}'"#,
        credential(cluster.server.token())
    );
    let kubeconfig = exec_kubeconfig(dir.path(), &cluster.server.url(), &script);
    let client = connect(kubeconfig, Limits::default()).await.unwrap();
    let discovery = discover(&client).await.unwrap();
    assert!(discovery.find("", "Pod").is_some());
}

#[tokio::test]
async fn a_failing_exec_plugin_never_shows_its_token_output_arguments_or_environment() {
    let cluster = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "echo '{}'\necho 'STDERR-SECRET' >&2\nexit 1",
        credential("TOKEN-SECRET")
    );
    let kubeconfig = exec_kubeconfig(dir.path(), &cluster.server.url(), &script);
    let err = connect(kubeconfig, Limits::default()).await.unwrap_err();
    let text = format!("{err} {err:?}");
    for secret in ["TOKEN-SECRET", "STDERR-SECRET", "ARG-SECRET", "ENV-SECRET"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(matches!(err, Error::ExecPlugin { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "the exec credential plugin `{}` of context `c` failed with exit code 1; its own message is above; log in again or run the plugin by hand",
            dir.path().join("plugin.sh").display()
        )
    );
}

#[tokio::test]
async fn an_exec_plugins_garbled_output_is_not_quoted() {
    let cluster = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    // serde would quote the value of a field of the wrong type: the token.
    let script = r#"echo '{"kind":"ExecCredential","status":{"token":["TOKEN-SECRET"]}}'"#;
    let kubeconfig = exec_kubeconfig(dir.path(), &cluster.server.url(), script);
    let err = connect(kubeconfig, Limits::default()).await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains("TOKEN-SECRET"), "{err}");
    assert!(
        err.to_string()
            .contains("printed no valid ExecCredential JSON (fault at line 1, column"),
        "{err}"
    );
}

#[tokio::test]
async fn a_hanging_exec_plugin_is_stopped() {
    let cluster = cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = exec_kubeconfig(dir.path(), &cluster.server.url(), "exec sleep 600");
    let limits = Limits {
        exec_timeout: Some(Duration::from_millis(500)),
        ..Limits::default()
    };
    let err = connect(kubeconfig, limits).await.unwrap_err();
    assert!(
        err.to_string().contains(
            "did not finish within 500ms; it may be waiting for a login: run it by hand, or pass a longer --request-timeout"
        ),
        "{err}"
    );
}
