//! A hostile API server: plain TCP on 127.0.0.1 that misbehaves on purpose, for the
//! attacks a real server (or something posing as one) can make on a client: never
//! answering, trickling, endless bodies, lists that never end, terminal controls in
//! messages.
//!
//! It speaks just enough HTTP/1.1 and Kubernetes for a client to get to the request
//! under attack: `/version`, discovery of `pods` in `v1` (no groups), and empty pod
//! lists. Requests whose path starts with the attacked prefix get the [`Answer`]. One
//! thread per connection; a thread ends when its client goes away.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How the hostile server answers the attacked requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Reads the request and never answers.
    Silent,
    /// Answers `200 OK` with a chunked body of one space every interval, forever.
    Trickle(Duration),
    /// Answers `200 OK` with a chunked body of spaces that never ends, as fast as the
    /// client reads.
    Endless,
    /// Answers a list whose `continue` token is always the same: the list loops.
    RepeatedContinue,
    /// Answers a list whose `continue` token is always new: the list never ends.
    EndlessContinue,
    /// Answers with this HTTP code and a `Status` carrying this message.
    Status(u16, String),
}

/// A running hostile server. It serves until the test process ends.
#[derive(Debug)]
pub struct HostileServer {
    addr: SocketAddr,
}

/// The bearer token the kubeconfig it writes holds.
pub const HOSTILE_TOKEN: &str = "hostile-token";

impl HostileServer {
    /// Serves `answer` to every request whose path starts with `prefix` (`/` for all).
    ///
    /// # Errors
    ///
    /// When no port can be bound.
    pub fn start(prefix: &str, answer: Answer) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let attack = Arc::new((prefix.to_owned(), answer, AtomicU64::new(0)));
        std::thread::Builder::new()
            .name("korral-test-hostile".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let attack = Arc::clone(&attack);
                    std::thread::spawn(move || {
                        let _ = serve(stream, &attack.0, &attack.1, &attack.2);
                    });
                }
            })?;
        Ok(Self { addr })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kubeconfig for it: cluster, user and context named `hostile`, current.
    pub fn kubeconfig_yaml(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: hostile\n  cluster:\n    server: {}\n\
             users:\n- name: hostile\n  user:\n    token: {HOSTILE_TOKEN}\n\
             contexts:\n- name: hostile\n  context:\n    cluster: hostile\n    user: hostile\n\
             current-context: hostile\n",
            self.url()
        )
    }

    /// Writes [`HostileServer::kubeconfig_yaml`] to `path`.
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn write_kubeconfig(&self, path: impl AsRef<Path>) -> io::Result<()> {
        std::fs::write(path, self.kubeconfig_yaml())
    }
}

fn serve(stream: TcpStream, prefix: &str, answer: &Answer, pages: &AtomicU64) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        // The headers; requests korral sends have no body.
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
                break;
            }
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/");
        if path.starts_with(prefix) {
            attack(&mut out, answer, pages)?;
        } else {
            let (code, body) = ordinary(path);
            respond(&mut out, code, &body)?;
        }
    }
}

/// What a plain, empty cluster answers.
fn ordinary(path: &str) -> (u16, String) {
    let path = path.split('?').next().unwrap_or(path);
    let body = match path {
        "/version" => {
            r#"{"major":"1","minor":"33","gitVersion":"v1.33.0","platform":"linux/amd64"}"#
        }
        "/api" => r#"{"kind":"APIVersions","versions":["v1"]}"#,
        "/apis" => r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[]}"#,
        "/api/v1" => {
            r#"{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list","watch"]}]}"#
        }
        _ if path.ends_with("/pods") => return (200, list("1", None)),
        _ => {
            return (
                404,
                status(404, "the server could not find the requested resource"),
            );
        }
    };
    (200, body.to_owned())
}

fn list(rv: &str, token: Option<&str>) -> String {
    let token = token.map_or_else(String::new, |t| format!(r#","continue":"{t}""#));
    format!(
        r#"{{"kind":"PodList","apiVersion":"v1","metadata":{{"resourceVersion":"{rv}"{token}}},"items":[]}}"#
    )
}

fn status(code: u16, message: &str) -> String {
    serde_json::json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "code": code,
    })
    .to_string()
}

fn respond(out: &mut TcpStream, code: u16, body: &str) -> io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {code} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        if code < 400 { "OK" } else { "Error" },
        body.len()
    )?;
    out.flush()
}

fn attack(out: &mut TcpStream, answer: &Answer, pages: &AtomicU64) -> io::Result<()> {
    match answer {
        Answer::Silent => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
        Answer::Trickle(every) => {
            out.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")?;
            loop {
                out.write_all(b"1\r\n \r\n")?;
                out.flush()?;
                std::thread::sleep(*every);
            }
        }
        Answer::Endless => {
            out.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")?;
            let chunk = format!("{:x}\r\n{}\r\n", 64 << 10, " ".repeat(64 << 10));
            loop {
                out.write_all(chunk.as_bytes())?;
            }
        }
        Answer::RepeatedContinue => respond(out, 200, &list("1", Some("again"))),
        Answer::EndlessContinue => {
            let page = pages.fetch_add(1, Ordering::Relaxed);
            respond(out, 200, &list("1", Some(&format!("page-{page}"))))
        }
        Answer::Status(code, message) => respond(out, *code, &status(*code, message)),
    }
}
