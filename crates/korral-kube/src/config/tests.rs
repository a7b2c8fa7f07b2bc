use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::*;

/// A kubeconfig with one cluster, user and context per `(context, server, namespace)`.
fn kubeconfig(current: Option<&str>, contexts: &[(&str, &str, Option<&str>)]) -> String {
    let mut clusters = String::new();
    let mut users = String::new();
    let mut ctxs = String::new();
    for (name, server, namespace) in contexts {
        writeln!(clusters, "- name: {name}\n  cluster:\n    server: {server}").unwrap();
        writeln!(users, "- name: {name}\n  user:\n    token: t-{name}").unwrap();
        writeln!(
            ctxs,
            "- name: {name}\n  context:\n    cluster: {name}\n    user: {name}"
        )
        .unwrap();
        if let Some(ns) = namespace {
            writeln!(ctxs, "    namespace: {ns}").unwrap();
        }
    }
    let current = current.map_or(String::new(), |c| format!("current-context: {c}\n"));
    format!(
        "apiVersion: v1\nkind: Config\n{current}clusters:\n{clusters}users:\n{users}contexts:\n{ctxs}"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn env_with(kubeconfig: Option<Vec<&Path>>, home: Option<&Path>) -> Env {
    Env {
        kubeconfig: kubeconfig.map(|paths| std::env::join_paths(paths).unwrap()),
        home: home.map(Path::to_owned),
        in_cluster: false,
    }
}

fn options(context: Option<&str>, namespace: Option<&str>) -> KubeOptions {
    KubeOptions {
        kubeconfig: None,
        context: context.map(str::to_owned),
        namespace: namespace.map(str::to_owned),
        ..KubeOptions::default()
    }
}

#[test]
fn explicit_kubeconfig_wins_over_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a",
        &kubeconfig(Some("a"), &[("a", "https://a:6443", None)]),
    );
    let b = write(
        dir.path(),
        "b",
        &kubeconfig(Some("b"), &[("b", "https://b:6443", None)]),
    );
    let env = env_with(Some(vec![&b]), Some(dir.path()));
    let config = ClusterConfig::load_with_env(
        KubeOptions {
            kubeconfig: Some(a.clone()),
            ..KubeOptions::default()
        },
        &env,
    )
    .unwrap();
    assert_eq!(config.context(), "a");
    assert_eq!(config.server(), "https://a:6443");
    assert_eq!(config.files(), [a]);
}

#[test]
fn kubeconfig_files_merge_with_the_first_winning() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(
        dir.path(),
        "first",
        &kubeconfig(
            Some("prod"),
            &[("prod", "https://prod-first:6443", Some("shop"))],
        ),
    );
    let second = write(
        dir.path(),
        "second",
        &kubeconfig(
            Some("dev"),
            &[
                ("prod", "https://prod-second:6443", Some("other")),
                ("dev", "https://dev:6443", None),
            ],
        ),
    );
    let missing = dir.path().join("missing");
    let env = env_with(Some(vec![&first, &missing, &second]), None);

    // current-context and `prod` come from the first file.
    let config = ClusterConfig::load_with_env(options(None, None), &env).unwrap();
    assert_eq!(config.context(), "prod");
    assert_eq!(config.server(), "https://prod-first:6443");
    assert_eq!(config.namespace(), "shop");
    // Missing files are skipped, as kubectl skips them.
    assert_eq!(config.files(), [first.clone(), second.clone()]);

    // `dev` exists only in the second file.
    let config = ClusterConfig::load_with_env(options(Some("dev"), None), &env).unwrap();
    assert_eq!(config.server(), "https://dev:6443");
    assert_eq!(config.namespace(), "default");
}

#[test]
fn namespace_flag_wins_over_the_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "config",
        &kubeconfig(Some("prod"), &[("prod", "https://prod:6443", Some("shop"))]),
    );
    let env = env_with(Some(vec![&file]), None);
    let config = ClusterConfig::load_with_env(options(None, Some("ops")), &env).unwrap();
    assert_eq!(config.namespace(), "ops");
    // An empty -n is no -n.
    let config = ClusterConfig::load_with_env(options(None, Some("")), &env).unwrap();
    assert_eq!(config.namespace(), "shop");
}

#[test]
fn home_kubeconfig_is_the_fallback() {
    let home = tempfile::tempdir().unwrap();
    write(
        home.path(),
        ".kube/config",
        &kubeconfig(Some("home"), &[("home", "https://home:6443", None)]),
    );
    let config =
        ClusterConfig::load_with_env(options(None, None), &env_with(None, Some(home.path())))
            .unwrap();
    assert_eq!(config.context(), "home");
    assert_eq!(config.files(), [home.path().join(".kube").join("config")]);
    // An empty KUBECONFIG is no KUBECONFIG.
    let env = Env {
        kubeconfig: Some(OsString::new()),
        ..env_with(None, Some(home.path()))
    };
    assert_eq!(
        ClusterConfig::load_with_env(options(None, None), &env)
            .unwrap()
            .context(),
        "home"
    );
}

#[test]
fn nothing_configured_says_where_it_looked() {
    let home = tempfile::tempdir().unwrap();
    let err = ClusterConfig::load_with_env(options(None, None), &env_with(None, Some(home.path())))
        .unwrap_err();
    let expected = home.path().join(".kube").join("config");
    assert!(
        matches!(&err, Error::NoKubeconfig { searched } if searched == &[expected]),
        "{err}"
    );

    let missing = home.path().join("nope");
    let err =
        ClusterConfig::load_with_env(options(None, None), &env_with(Some(vec![&missing]), None))
            .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("`{}`", missing.display())),
        "{err}"
    );
}

#[test]
fn in_cluster_without_a_service_account_says_so() {
    let env = Env {
        in_cluster: true,
        ..Env::default()
    };
    // This machine has no service account token, so the in-cluster config fails.
    if Path::new("/var/run/secrets/kubernetes.io/serviceaccount/token").exists() {
        return;
    }
    let err = ClusterConfig::load_with_env(options(None, None), &env).unwrap_err();
    assert!(matches!(err, Error::InCluster { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("cannot use the in-cluster service account"),
        "{err}"
    );
}

#[test]
fn unknown_context_lists_the_available_ones() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "config",
        &kubeconfig(
            Some("prod"),
            &[
                ("prod", "https://prod:6443", None),
                ("dev", "https://dev:6443", None),
            ],
        ),
    );
    let env = env_with(Some(vec![&file]), None);
    let err = ClusterConfig::load_with_env(options(Some("staging"), None), &env).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "context `staging` is not in kubeconfig `{}`; pass --context with one of its contexts: `prod`, `dev`",
            file.display()
        )
    );
}

#[test]
fn no_current_context_asks_for_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "config",
        &kubeconfig(None, &[("prod", "https://prod:6443", None)]),
    );
    let env = env_with(Some(vec![&file]), None);
    let err = ClusterConfig::load_with_env(options(None, None), &env).unwrap_err();
    assert!(
        matches!(&err, Error::NoContext { available, .. } if available == &["prod"]),
        "{err}"
    );
    // --context is enough.
    assert!(ClusterConfig::load_with_env(options(Some("prod"), None), &env).is_ok());
}

#[test]
fn context_without_its_cluster_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1\nkind: Config\ncurrent-context: prod\ncontexts:\n- name: prod\n  context:\n    cluster: gone\n    user: me\n";
    let file = write(dir.path(), "config", text);
    let err = ClusterConfig::load_with_env(options(None, None), &env_with(Some(vec![&file]), None))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("context `prod` uses cluster `gone`, which kubeconfig"),
        "{err}"
    );
}

#[test]
fn malformed_kubeconfig_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "config", "clusters: [unclosed\n");
    let err = ClusterConfig::load_with_env(options(None, None), &env_with(Some(vec![&file]), None))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Kubeconfig { files, .. } if files == std::slice::from_ref(&file)),
        "{err}"
    );

    let err = ClusterConfig::load_with_env(
        KubeOptions {
            kubeconfig: Some(dir.path().join("absent")),
            ..KubeOptions::default()
        },
        &Env::default(),
    )
    .unwrap_err();
    let absent = dir.path().join("absent");
    assert!(
        err.to_string().starts_with(&format!(
            "cannot read kubeconfig `{}`: No such file or directory",
            absent.display()
        )),
        "{err}"
    );
}

#[tokio::test]
async fn client_of_a_closed_port_is_unreachable() {
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "config",
        &kubeconfig(Some("prod"), &[("prod", &server, None)]),
    );
    let config =
        ClusterConfig::load_with_env(options(None, None), &env_with(Some(vec![&file]), None))
            .unwrap();
    let client = config.client().await.unwrap();
    assert_eq!(client.context(), "prod");
    assert_eq!(client.default_namespace(), "default");
    let err = client.server_version().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot reach `{server}` (context `prod`): connection refused; check the cluster is up and the kubeconfig's server address"
        )
    );
}

#[test]
fn a_malformed_kubeconfig_never_quotes_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "config",
        "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    password: hunter2-secret\n    token: [not-a-string-secret]\n",
    );
    let err = ClusterConfig::load_with_env(
        KubeOptions {
            kubeconfig: Some(file),
            ..KubeOptions::default()
        },
        &Env::default(),
    )
    .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("hunter2") && !text.contains("not-a-string"),
        "{text}"
    );
    assert!(text.contains("line 7, column"), "{text}");
}
