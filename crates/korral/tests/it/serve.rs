//! `korral serve` through the real binary: files read-only with a token file, and TLS
//! with a self-signed certificate the client trusts.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use crate::util::shop;

/// A running `korral serve`, stopped (by its own pid) when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `korral serve ARGS --listen 127.0.0.1:0` with its config dir in `home`, and
/// waits for the line that says where it listens.
fn start(home: &Path, args: &[&str]) -> Server {
    start_with_env(home, args, &[])
}

/// [`start`] with more environment variables.
pub(crate) fn start_with_env(home: &Path, args: &[&str], env: &[(&str, &Path)]) -> Server {
    let child = Command::new(assert_cmd::cargo::cargo_bin("korral"))
        .arg("serve")
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Owned by the guard at once: a failed wait below still stops the process.
    let mut server = Server { child, port: 0 };
    let mut stderr = BufReader::new(server.child.stderr.take().unwrap());
    let mut said = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "korral serve ended: {said}"
        );
        said.push_str(&line);
        if let Some(at) = line.find("://127.0.0.1:") {
            let port = line[at + 13..]
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap()
                .parse()
                .unwrap();
            // Keep reading stderr so the server never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
            server.port = port;
            return server;
        }
    }
}

const TOKEN: &str = "serve-test-token-0123456789";

/// `korral serve -f examples/shop --token-file HOME/token ARGS` (the token [`TOKEN`]).
fn start_with_token(args: &[&str]) -> (tempfile::TempDir, Server) {
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let shop = shop();
    let mut all = vec![
        "-f",
        shop.to_str().unwrap(),
        "--token-file",
        token_file.to_str().unwrap(),
    ];
    all.extend(args);
    let server = start(home.path(), &all);
    (home, server)
}

/// An HTTP/1.1 exchange on `stream`: the status and the body.
fn exchange(
    stream: impl std::io::Read + std::io::Write,
    path: &str,
    token: Option<&str>,
) -> (u16, String) {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n");
    raw(stream, &request)
}

/// Sends `request` as it is and reads the answer to its end: the status and the body.
fn raw(mut stream: impl std::io::Read + std::io::Write, request: &str) -> (u16, String) {
    stream.write_all(request.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    // A TLS peer that closes without close_notify ends in an error after the data.
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

pub(crate) fn http_get(port: u16, path: &str, token: Option<&str>) -> (u16, String) {
    exchange(
        TcpStream::connect(("127.0.0.1", port)).unwrap(),
        path,
        token,
    )
}

#[test]
fn serve_files_read_only_with_a_token_file() {
    let (_home, server) = start_with_token(&[]);
    let token = TOKEN;
    let (status, body) = http_get(server.port, "/api/v1/clusters", Some(token));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"readOnly\":true"), "{body}");
    let (status, body) = http_get(server.port, "/api/v1/clusters", None);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("\"code\":\"unauthorized\""), "{body}");
    let (status, _) = http_get(server.port, "/readyz", None);
    assert_eq!(status, 200);

    // A browser's WebSocket: a ticket, then the upgrade with it, once.
    let (status, body) = raw(
        TcpStream::connect(("127.0.0.1", server.port)).unwrap(),
        &format!(
            "POST /api/v1/ws-ticket HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 200, "{body}");
    let ticket: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ticket = ticket["ticket"].as_str().unwrap().to_owned();
    let upgrade = format!(
        "GET /api/v1/watch?ticket={ticket}&topics=topology HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    // The status line only: an upgraded (or kept-alive) connection stays open.
    let status_line = || {
        let mut socket = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        socket.write_all(upgrade.as_bytes()).unwrap();
        let mut head = [0u8; 12];
        socket.read_exact(&mut head).unwrap();
        String::from_utf8_lossy(&head).into_owned()
    };
    assert_eq!(
        status_line(),
        "HTTP/1.1 101",
        "the ticket opens the WebSocket"
    );
    assert_eq!(status_line(), "HTTP/1.1 401", "a ticket works once");
    stops_on_sigterm(server);
}

/// SIGTERM (as a service manager or Kubernetes sends it) ends the server cleanly.
fn stops_on_sigterm(mut server: Server) {
    let pid = server.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn a_first_start_makes_a_private_token_and_prints_it_once() {
    let home = tempfile::tempdir().unwrap();
    let shop = shop();
    let token_file = home.path().join("config/korral/serve-token");
    let first = start(home.path(), &["-f", shop.to_str().unwrap()]);
    let token = std::fs::read_to_string(&token_file).unwrap();
    let token = token.trim();
    assert_eq!(token.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(http_get(first.port, "/api/v1/clusters", Some(token)).0, 200);
    drop(first);
    // A second start reads the same token.
    let second = start(home.path(), &["-f", shop.to_str().unwrap()]);
    assert_eq!(
        http_get(second.port, "/api/v1/clusters", Some(token)).0,
        200
    );
}

#[test]
fn tls_with_a_self_signed_certificate_the_client_trusts() {
    use rustls::pki_types::pem::PemObject as _;
    let (home, server) = start_with_token(&["--tls"]);
    // The certificate is kept beside the token file.
    let cert = home.path().join("serve-cert.pem");
    let mut roots = rustls::RootCertStore::empty();
    for der in rustls::pki_types::CertificateDer::pem_file_iter(&cert).unwrap() {
        roots.add(der.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connection = rustls::ClientConnection::new(
        Arc::new(config),
        rustls::pki_types::ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let (status, body) = exchange(
        rustls::StreamOwned::new(connection, tcp),
        "/api/v1/clusters/",
        Some(TOKEN),
    );
    // Any JSON answer of the server proves the TLS session; a trailing slash is no route.
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("\"error\""), "{body}");

    // Plain HTTP to the TLS port gets no answer.
    let mut plain = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    plain
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    write!(plain, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let _ = plain.read_to_end(&mut buf);
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
    stops_on_sigterm(server);
}

#[test]
fn bad_flags_say_what_to_do() {
    let output = crate::util::korral()
        .args(["serve", "-f", "x.yaml", "--listen", "localhost"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        crate::util::stderr(&output).contains("IP:PORT"),
        "{}",
        crate::util::stderr(&output)
    );
    let output = crate::util::korral()
        .args(["serve", "-f", "x.yaml", "--allow-origin", "*"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn serve_records_a_live_context_and_answers_its_topology() {
    let set = korral_core::Loader::new().path(shop()).load().unwrap();
    let cluster =
        korral_testkit::ApiServer::spawn(&set, korral_testkit::ServerOptions::default()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = home.path().join("kubeconfig");
    cluster.write_kubeconfig(&kubeconfig).unwrap();
    let token_file = home.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let database = format!("sqlite:{}", home.path().join("korral.db").display());
    let server = start_with_env(
        home.path(),
        &[
            "--token-file",
            token_file.to_str().unwrap(),
            "--database",
            &database,
        ],
        &[("KUBECONFIG", &kubeconfig)],
    );
    // Ready once the first lists are in (bounded: the recorder lists a few hundred objects).
    let mut ready = false;
    for _ in 0..300 {
        if http_get(server.port, "/readyz", None).0 == 200 {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(ready, "korral serve never became ready");
    let (status, body) = http_get(server.port, "/api/v1/clusters", Some(TOKEN));
    assert_eq!(status, 200, "{body}");
    let clusters: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(clusters[0]["readOnly"], false, "{body}");
    let name = clusters[0]["name"].as_str().unwrap().to_owned();
    let (status, body) = http_get(
        server.port,
        &format!("/api/v1/clusters/{name}/topology?namespace=shop"),
        Some(TOKEN),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Deployment.apps/shop/api"), "{body}");
    // The store answers too: the first list was recorded.
    let (status, body) = http_get(
        server.port,
        &format!("/api/v1/clusters/{name}/history?kind=deploy&namespace=shop&name=api"),
        Some(TOKEN),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"change\":\"Added\""), "{body}");
    drop(server);
}
