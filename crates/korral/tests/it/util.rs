use std::path::PathBuf;

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
