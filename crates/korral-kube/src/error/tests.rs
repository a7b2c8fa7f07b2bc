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

fn tls(err: rustls::Error) -> kube::Error {
    // As tokio-rustls reports it, under hyper's connect error.
    kube::Error::Service(Box::new(io::Error::new(io::ErrorKind::InvalidData, err)))
}

#[test]
fn tls_failures_say_what_to_check_not_that_the_cluster_is_down() {
    use rustls::CertificateError;
    let cases = [
        (
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
            "the server's certificate is signed by an unknown authority; check the cluster's `certificate-authority-data` (or `certificate-authority`) in the kubeconfig; `insecure-skip-tls-verify: true` skips the check, for testing only",
        ),
        (
            rustls::Error::InvalidCertificate(CertificateError::Expired),
            "the server's certificate has expired; renew the cluster's serving certificate, or check this machine's clock",
        ),
        (
            rustls::Error::InvalidCertificate(CertificateError::NotValidForName),
            "the server's certificate is not issued for the host name in `server`; use the name it was issued for, or set `tls-server-name` in the kubeconfig's cluster",
        ),
        (
            rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired),
            "the server refused korral's client certificate (CertificateRequired); check `client-certificate-data` and `client-key-data` of the kubeconfig's user",
        ),
        (
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
            "the server does not speak TLS there; check the scheme (`https://`) and port of `server` in the kubeconfig",
        ),
    ];
    for (cause, problem) in cases {
        let err = prod().error(&list_secrets(), tls(cause));
        assert!(matches!(err, Error::Tls { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "cannot connect securely to `https://10.0.0.1:6443` (context `prod`): {problem}"
            )
        );
    }
}

#[test]
fn server_messages_are_escaped() {
    let err = prod().error(&list_secrets(), status(500, "a\u{1b}[2Jb\u{9b}c"));
    assert_eq!(
        err.to_string(),
        r"cannot list `secrets` in namespace `x` (context `prod`): the server answered 500: a\e[2Jb\u{9b}c"
    );
    let hostile_name = Action {
        verb: "list",
        resource: "pods\u{1b}]0;x\u{7}",
        namespace: None,
    };
    let err = prod().response_error(&hostile_name, "bad \u{7}".to_owned());
    assert!(
        !err.to_string()
            .chars()
            .any(korral_core::terminal::is_unsafe),
        "{err}"
    );
}

#[test]
fn failing_exec_plugins_in_kube_errors_are_not_quoted() {
    use std::os::unix::process::ExitStatusExt;
    let out = std::process::Output {
        status: std::process::ExitStatus::from_raw(256),
        stdout: b"TOKEN-SECRET".to_vec(),
        stderr: b"STDERR-SECRET".to_vec(),
    };
    let err = kube::client::AuthError::AuthExecRun {
        cmd: "\"plugin\" \"--password=ARG-SECRET\"".to_owned(),
        out: Box::new(out),
    };
    let message = auth_message(&err);
    for secret in ["TOKEN-SECRET", "STDERR-SECRET", "ARG-SECRET"] {
        assert!(!message.contains(secret), "{message}");
    }
    assert!(message.contains("exit status: 1"), "{message}");
}
