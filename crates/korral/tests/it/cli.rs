use crate::util::{korral, stdout};

#[test]
fn help_lists_the_commands() {
    let output = korral().arg("--help").output().unwrap();
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("topology"), "{text}");
    assert!(text.contains("completion"), "{text}");
}

#[test]
fn topology_help_has_examples() {
    let output = korral().args(["topology", "--help"]).output().unwrap();
    let text = stdout(&output);
    assert!(text.contains("korral topology -f examples/shop"), "{text}");
    assert!(text.contains("--focus"), "{text}");
}

#[test]
fn completions_are_printed() {
    let output = korral().args(["completion", "bash"]).output().unwrap();
    assert!(output.status.success());
    assert!(stdout(&output).contains("_korral"));
}

#[test]
fn usage_errors_exit_2() {
    let output = korral()
        .args(["topology", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "unknown flag");
    let output = korral()
        .args(["topology", "-f", "x", "-n", "a", "-A"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "-n with -A");
}

#[test]
fn without_files_or_a_kubeconfig_the_error_says_where_it_looked() {
    let home = tempfile::tempdir().unwrap();
    let output = korral()
        .arg("topology")
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = crate::util::stderr(&output);
    assert!(err.contains("kubeconfig"), "{err}");
}
