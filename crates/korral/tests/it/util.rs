use std::path::PathBuf;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use korral_testkit::{ApiServer, Controllers, ServerOptions};

/// The `korral` binary, with colour off and a clean environment for output.
pub fn korral() -> Command {
    let mut cmd = Command::cargo_bin("korral").unwrap();
    cmd.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    cmd
}

/// The bundled example cluster.
pub fn shop() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop")
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The API test server with its simulated controllers, seeded with one Ready Node for
/// pods to run on, and a fresh folder holding a kubeconfig for it (`config`).
pub fn controlled_server(controllers: Controllers) -> (ApiServer, tempfile::TempDir) {
    let node = korral_core::Object::from_json(
        r#"{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}}"#,
        korral_core::Source {
            file: korral_core::FileId(0),
            line: 1,
        },
    )
    .unwrap();
    let seed =
        korral_core::ObjectSet::from_objects(vec![node], vec!["<seed>".to_owned()], Vec::new());
    let options = ServerOptions {
        controllers: Some(controllers),
        ..ServerOptions::default()
    };
    let server = ApiServer::spawn(&seed, options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    server.write_kubeconfig(dir.path().join("config")).unwrap();
    (server, dir)
}

/// How long a screen may take to show what a test waits for (a debug build on a busy
/// machine).
const DEADLINE: Duration = Duration::from_secs(30);

/// A tmux session on its own server socket, killed when dropped.
pub struct Terminal {
    socket: String,
}

impl Terminal {
    pub fn start(name: &str, command: &str) -> Self {
        let terminal = Self {
            socket: format!("korral-{name}-{}", std::process::id()),
        };
        terminal.tmux(&["new-session", "-d", "-x", "160", "-y", "40", command]);
        // Esc reaches the program at once (tmux waits 500 ms for a sequence otherwise).
        terminal.tmux(&["set-option", "-s", "escape-time", "0"]);
        terminal
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let output = std::process::Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs (scripts/test installs it)");
        assert!(
            output.status.success(),
            "tmux {args:?}: {}",
            stderr(&output)
        );
        stdout(&output)
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J"])
    }

    /// Waits until the screen shows `text`.
    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "`{text}` never appeared:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen no longer shows `text`.
    pub fn wait_gone(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if !screen.contains(text) {
                return screen;
            }
            assert!(start.elapsed() < DEADLINE, "`{text}` stayed:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
