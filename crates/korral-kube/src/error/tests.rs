use std::io;
use std::path::PathBuf;

use super::*;

fn prod() -> Target {
    Target {
        context: "prod".to_owned(),
        server: "https://10.0.0.1:6443".to_owned(),
    }
}

fn list_secrets() -> Action<'static> {
    Action {
        verb: "list",
        resource: "secrets",
        namespace: Some("x"),
    }
}

fn status(code: u16, message: &str) -> kube::Error {
    let status = kube::core::Status::failure(message, "Reason").with_code(code);
    kube::Error::Api(Box::new(status))
}

#[test]
fn unauthorized_says_to_log_in_again() {
    let err = prod().error(&list_secrets(), status(401, "Unauthorized"));
    assert_eq!(
        err.to_string(),
        "the credentials of context `prod` were refused (401 Unauthorized): they may have expired; log in again or refresh the kubeconfig"
    );
    assert_eq!(err.status_code(), Some(401));
}

#[test]
fn forbidden_names_verb_resource_namespace_and_context() {
    let err = prod().error(
        &list_secrets(),
        status(
            403,
            r#"secrets is forbidden: User "bob" cannot list resource "secrets""#,
        ),
    );
    assert_eq!(
        err.to_string(),
        "forbidden: user may not list `secrets` in namespace `x` (context `prod`)"
    );
    let cluster_wide = Action {
        verb: "list",
        resource: "nodes",
        namespace: None,
    };
    assert_eq!(
        prod().status_error(&cluster_wide, 403, "").to_string(),
        "forbidden: user may not list `nodes` at cluster scope (context `prod`)"
    );
}

#[test]
fn other_statuses_keep_the_servers_message() {
    let err = prod().error(
        &list_secrets(),
        status(500, "etcdserver: request timed out"),
    );
    assert_eq!(
        err.to_string(),
        "cannot list `secrets` in namespace `x` (context `prod`): the server answered 500: etcdserver: request timed out"
    );
    assert_eq!(err.status_code(), Some(500));
}

#[test]
fn connection_failures_are_unreachable() {
    let cases = [
        (io::ErrorKind::ConnectionRefused, "connection refused"),
        (io::ErrorKind::TimedOut, "timed out"),
        (io::ErrorKind::ConnectionReset, "connection reset"),
    ];
    for (kind, reason) in cases {
        let cause = io::Error::new(kind, "os error");
        let err = prod().error(&list_secrets(), kube::Error::Service(Box::new(cause)));
        assert_eq!(
            err.to_string(),
            format!(
                "cannot reach `https://10.0.0.1:6443` (context `prod`): {reason}; check the cluster is up and the kubeconfig's server address"
            )
        );
    }
    let dns = io::Error::other("failed to lookup address information: Name or service not known");
    let err = prod().error(&list_secrets(), kube::Error::Service(Box::new(dns)));
    assert!(
        err.to_string()
            .contains("the server's name does not resolve"),
        "{err}"
    );
}

#[test]
fn unknown_transport_failures_show_the_innermost_cause() {
    let err = prod().error(
        &list_secrets(),
        kube::Error::Service(Box::new(io::Error::other(
            "invalid peer certificate: UnknownIssuer",
        ))),
    );
    assert!(matches!(err, Error::Unreachable { .. }));
    assert!(
        err.to_string()
            .contains("invalid peer certificate: UnknownIssuer"),
        "{err}"
    );
}

#[test]
fn garbled_answers_are_response_errors() {
    let serde = serde_json::from_str::<u32>("nope").unwrap_err();
    let err = prod().error(&list_secrets(), kube::Error::SerdeError(serde));
    assert!(
        err.to_string().starts_with(
            "cannot list `secrets` in namespace `x` (context `prod`): unexpected answer from `https://10.0.0.1:6443`: "
        ),
        "{err}"
    );
}

#[test]
fn kubeconfig_messages_name_files_and_contexts() {
    let files = vec![
        PathBuf::from("/home/me/.kube/config"),
        PathBuf::from("/tmp/b"),
    ];
    let err = Error::ContextNotFound {
        context: "staging".to_owned(),
        files: files.clone(),
        available: vec!["prod".to_owned(), "dev".to_owned()],
    };
    assert_eq!(
        err.to_string(),
        "context `staging` is not in kubeconfig `/home/me/.kube/config`, `/tmp/b`; pass --context with one of its contexts: `prod`, `dev`"
    );
    let err = Error::NoContext {
        files,
        available: vec![],
    };
    assert_eq!(
        err.to_string(),
        "no context selected: kubeconfig `/home/me/.kube/config`, `/tmp/b` has no `current-context`; pass --context with one of its contexts: (none)"
    );
    let err = Error::NoKubeconfig {
        searched: vec![PathBuf::from("/home/me/.kube/config")],
    };
    assert_eq!(
        err.to_string(),
        "no kubeconfig found (looked at `/home/me/.kube/config`) and not running inside a cluster; pass --kubeconfig, set `KUBECONFIG`, or create `~/.kube/config`"
    );
}
