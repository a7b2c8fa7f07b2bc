//! `korral tui` in a real terminal (tmux) against the Kubernetes API test server,
//! through a real kubeconfig. Every wait polls the screen until a deadline: no sleep
//! is an assertion.

use std::path::Path;

use korral_core::Loader;
use korral_testkit::{ApiServer, ServerOptions};

use crate::util::{Terminal, shop, stderr};

const A: &str = "frontend-6crnsrns6f-cvfnj";

fn serve(options: ServerOptions) -> (ApiServer, tempfile::TempDir) {
    let set = Loader::new().path(shop()).load().unwrap();
    let server = ApiServer::spawn(&set, options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    server.write_kubeconfig(dir.path().join("config")).unwrap();
    (server, dir)
}

/// `korral tui ARGS` in a fresh terminal, then `exit=CODE` when it ends.
fn tui(name: &str, kubeconfig: &Path, args: &str) -> Terminal {
    let korral = assert_cmd::cargo::cargo_bin("korral");
    Terminal::start(
        name,
        &format!(
            "KUBECONFIG='{}' NO_COLOR=1 EDITOR=false '{}' tui {args}; echo exit=$?; sleep 120",
            kubeconfig.display(),
            korral.display()
        ),
    )
}

#[test]
fn tui_browses_a_live_cluster_and_follows_it() {
    let (server, dir) = serve(ServerOptions::default());
    server.append_log("shop", A, "frontend", "GET /cart 500 error");
    let terminal = tui("browse", &dir.path().join("config"), "-A");
    let screen = terminal.wait_for(A);
    assert!(screen.contains("pods(all)"), "{screen}");
    assert!(screen.contains("Context: korral-test"), "{screen}");

    // :deploy, then a filter.
    terminal.type_text(":deploy");
    terminal.keys(&["Enter"]);
    terminal.wait_for("deployments(all)");
    terminal.wait_for("catalog");
    terminal.type_text("/front");
    terminal.keys(&["Enter"]);
    let screen = terminal.wait_for("</front>");
    assert!(!screen.contains("catalog"), "{screen}");

    // Enter: the Deployment's pods.
    terminal.keys(&["Enter"]);
    terminal.wait_for("pods(deployment/frontend)");
    terminal.wait_for(A);

    // YAML, then describe.
    terminal.type_text("y");
    terminal.wait_for(&format!("yaml Pod/shop/{A}"));
    terminal.wait_for("image: registry.example.com/shop/frontend");
    terminal.keys(&["Escape"]);
    terminal.wait_gone("yaml Pod/shop");
    terminal.type_text("d");
    terminal.wait_for(&format!("describe Pod/shop/{A}"));
    terminal.wait_for("Containers:");
    terminal.keys(&["Escape"]);
    terminal.wait_gone("describe Pod/shop");

    // Logs, followed: a line written after they opened shows up.
    terminal.type_text("l");
    terminal.wait_for("GET /cart 500 error");
    server.append_log("shop", A, "frontend", "POST /checkout 201 after follow");
    terminal.wait_for("POST /checkout 201 after follow");
    terminal.keys(&["Escape"]);
    terminal.wait_gone("follow:on");

    // A pod created in the server appears without a key press.
    terminal.type_text(":po shop");
    terminal.keys(&["Enter"]);
    terminal.wait_for("pods(shop)");
    server
        .create(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "tui-newcomer", "namespace": "shop"},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        }))
        .unwrap();
    terminal.wait_for("tui-newcomer");

    // q quits with 0, and the terminal is the shell's again.
    terminal.type_text("q");
    let screen = terminal.wait_for("exit=");
    assert!(screen.contains("exit=0"), "{screen}");
    assert!(
        !screen.contains("Context: korral-test"),
        "the TUI's screen is gone:\n{screen}"
    );
    let alternate = terminal.tmux(&["display-message", "-p", "#{alternate_on}"]);
    assert_eq!(alternate.trim(), "0", "the alternate screen was left");
}

#[test]
fn tui_says_why_it_cannot_connect_and_connects_when_it_can() {
    // A port with nothing on it yet: the kubeconfig of a server that is then stopped.
    let (server, dir) = serve(ServerOptions::default());
    let port = server.addr().port();
    server.shutdown();
    let terminal = tui("reconnect", &dir.path().join("config"), "-n shop");
    let screen = terminal.wait_for("✗ reconnecting");
    assert!(screen.contains("connection refused"), "{screen}");
    assert!(screen.contains("by itself"), "{screen}");
    assert!(!screen.to_lowercase().contains("panicked"), "{screen}");
    let (_server, _dir) = serve(ServerOptions {
        port,
        ..ServerOptions::default()
    });
    terminal.wait_for(A);
    terminal.wait_gone("✗ reconnecting");
    terminal.keys(&["C-c"]);
    let screen = terminal.wait_for("exit=");
    assert!(screen.contains("exit=0"), "{screen}");
}

#[test]
fn tui_reads_files_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let korral = assert_cmd::cargo::cargo_bin("korral");
    let terminal = Terminal::start(
        "files",
        &format!(
            "cd '{}' && NO_COLOR=1 '{}' tui -f '{}' -c deploy; echo exit=$?; sleep 120",
            dir.path().display(),
            korral.display(),
            shop().display()
        ),
    );
    terminal.wait_for("deployments(all)");
    terminal.wait_for("read-only");
    terminal.keys(&["C-d"]);
    terminal.wait_for("nothing can be deleted");
    terminal.type_text("q");
    let screen = terminal.wait_for("exit=");
    assert!(screen.contains("exit=0"), "{screen}");
}

#[test]
fn tui_without_a_terminal_exits_2() {
    let output = crate::util::korral()
        .args(["tui", "-f"])
        .arg(shop())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("needs a terminal"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn tui_edits_through_a_dry_run_diff_then_applies() {
    let (server, dir) = serve(ServerOptions::default());
    let korral = assert_cmd::cargo::cargo_bin("korral");
    // The editor: a script that changes the replicas, as a person would in vi.
    let terminal = Terminal::start(
        "edit",
        &format!(
            "KUBECONFIG='{}' NO_COLOR=1 EDITOR='sed -i s/replicas:.2$/replicas:\\ 3/' '{}' tui -n shop -c deploy; echo exit=$?; sleep 120",
            dir.path().join("config").display(),
            korral.display()
        ),
    );
    terminal.wait_for("deployments(shop)");
    terminal.type_text("/frontend");
    terminal.keys(&["Enter"]);
    terminal.wait_for("</frontend>");
    terminal.type_text("e");
    let screen = terminal.wait_for("+  replicas: 3");
    assert!(screen.contains("-  replicas: 2"), "{screen}");
    assert!(screen.contains("Apply this change"), "{screen}");
    // Nothing is written before the answer.
    let before = server
        .get("apps/v1", "Deployment", Some("shop"), "frontend")
        .unwrap();
    assert_eq!(before["spec"]["replicas"], 2);
    terminal.type_text("y");
    terminal.wait_for("applied Deployment.apps/shop/frontend");
    let after = server
        .get("apps/v1", "Deployment", Some("shop"), "frontend")
        .unwrap();
    assert_eq!(after["spec"]["replicas"], 3);
    terminal.type_text("q");
    let screen = terminal.wait_for("exit=");
    assert!(screen.contains("exit=0"), "{screen}");
}
