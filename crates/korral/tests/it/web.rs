//! The web UI end to end, in real headless Chromium: Debian's `chromium`, driven through
//! its WebDriver (`chromedriver`), against `korral serve` on the example cluster, read-only
//! from files and live from the Kubernetes API test server (with its controllers, and a
//! store so history exists).
//!
//! The WebDriver client is the few commands these tests use, over HTTP/1.1 on loopback,
//! here (see [`Browser`]): thirtyfour would bring reqwest, url and its ICU tables, a
//! second tower-http and base64 into every clean build for a dozen JSON requests.
//!
//! Without Chromium the tests are skipped with a message, unless
//! [`REQUIRE_CHROMIUM`] is `1` (scripts/test sets it, after installing it).
//! Screenshots go to [`SCREENSHOTS`] (or `target/tmp/web-screenshots`).

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::serve::{Server, http_get, start_with_env};
use crate::util::shop;

/// `1`: fail, rather than skip, when chromium or chromedriver is missing.
pub const REQUIRE_CHROMIUM: &str = "KORRAL_TEST_REQUIRE_CHROMIUM";

/// A folder to write the tests' screenshots to (docs take theirs from there).
pub const SCREENSHOTS: &str = "KORRAL_SCREENSHOTS";

/// How long a page may take to show what a test waits for. Generous: a debug build on
/// a busy 2-core machine, WebGL in software.
const PATIENCE: Duration = Duration::from_secs(60);

const TOKEN: &str = "web-test-token-0123456789abcdef";

/// The key of an element reference in WebDriver's JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Chromium's flags: headless as root in a sandboxed machine with no GPU and a closed
/// network; WebGL through SwiftShader (without it headless Chromium has no WebGL).
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
];

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// chromedriver, stopped (by its own pid) when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One Chromium session through chromedriver.
pub struct Browser {
    driver: Driver,
    session: String,
    _profile: tempfile::TempDir,
    shots: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closes Chromium; chromedriver goes with `driver`.
        let _ = request(
            self.driver.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}

/// An HTTP/1.1 exchange with chromedriver: the status and the JSON body. chromedriver
/// keeps connections open whatever the client asks, so the answer is read by its
/// `Content-Length` (or its chunks), not to the end of the stream.
fn request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(180)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut bytes = Vec::new();
    let mut chunk = [0_u8; 8 * 1024];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        bytes.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_ascii_lowercase();
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = head.contains("transfer-encoding: chunked");
    loop {
        let have = bytes.len() - head_end;
        let done = match length {
            Some(length) => have >= length,
            None if chunked => bytes.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if done {
            break;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    let rest = String::from_utf8_lossy(&bytes[head_end..]).into_owned();
    let body = if chunked { dechunk(&rest) } else { rest };
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    Ok((status, value))
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

impl Browser {
    /// A fresh headless Chromium (its own profile), or `None` when the machine has none
    /// and [`REQUIRE_CHROMIUM`] is not set.
    pub fn start() -> Option<Self> {
        if !have("chromium") || !have("chromedriver") {
            assert!(
                std::env::var(REQUIRE_CHROMIUM).as_deref() != Ok("1"),
                "chromium and chromedriver are needed: apt-get install chromium chromium-driver"
            );
            eprintln!(
                "skipped: no chromium/chromedriver (apt-get install chromium chromium-driver)"
            );
            return None;
        }
        // A free port: chromedriver takes no port 0.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver = Driver { child, port };
        let deadline = Instant::now() + PATIENCE;
        while !request(port, "GET", "/status", None).is_ok_and(|(_, v)| v["value"]["ready"] == true)
        {
            assert!(Instant::now() < deadline, "chromedriver never became ready");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|&a| a.to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": which("chromium"), "args": args},
        }}});
        let (status, value) = request(port, "POST", "/session", Some(&capabilities)).unwrap();
        assert_eq!(status, 200, "no Chromium session: {value}");
        let session = value["value"]["sessionId"].as_str().unwrap().to_owned();
        let shots = std::env::var_os(SCREENSHOTS).map_or_else(
            || PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots"),
            PathBuf::from,
        );
        std::fs::create_dir_all(&shots).unwrap();
        Some(Self {
            driver,
            session,
            _profile: profile,
            shots,
        })
    }

    /// A WebDriver command of this session; panics with WebDriver's message on an error.
    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let (status, value) = request(self.driver.port, method, &path, body).unwrap();
        assert_eq!(status, 200, "{method} {path}: {value}");
        value["value"].clone()
    }

    /// Like [`Browser::command`], `None` on a WebDriver error (no such element…).
    fn try_command(&self, method: &str, path: &str, body: Option<&Value>) -> Option<Value> {
        let path = format!("/session/{}{path}", self.session);
        let (status, value) = request(self.driver.port, method, &path, body).ok()?;
        (status == 200).then(|| value["value"].clone())
    }

    pub fn goto(&self, url: &str) {
        self.command("POST", "/url", Some(&json!({"url": url})));
    }

    pub fn url(&self) -> String {
        self.command("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub fn run(&self, script: &str, args: &[Value]) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": args})),
        )
    }

    /// The elements `css` finds now.
    pub fn all(&self, css: &str) -> Vec<String> {
        self.try_command(
            "POST",
            "/elements",
            Some(&json!({"using": "css selector", "value": css})),
        )
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e[ELEMENT].as_str().map(str::to_owned))
        .collect()
    }

    /// Waits until `check` gives a value; on timeout, a screenshot and a panic that says
    /// what was waited for.
    pub fn wait<T>(&self, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(value) = check() {
                return value;
            }
            if Instant::now() > deadline {
                let shot = self.screenshot("timeout");
                let body = self.run("return document.body ? document.body.innerText : ''", &[]);
                panic!(
                    "waited {}s for {what} at {}; screenshot {}; page text: {body}",
                    PATIENCE.as_secs(),
                    self.url(),
                    shot.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the first element `css` finds.
    pub fn find(&self, css: &str) -> String {
        self.wait(css, || self.all(css).into_iter().next())
    }

    pub fn click(&self, element: &str) {
        self.command(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        );
    }

    pub fn type_into(&self, element: &str, text: &str) {
        self.command(
            "POST",
            &format!("/element/{element}/value"),
            Some(&json!({"text": text})),
        );
    }

    pub fn attribute(&self, element: &str, name: &str) -> Option<String> {
        self.try_command("GET", &format!("/element/{element}/attribute/{name}"), None)
            .and_then(|v| v.as_str().map(str::to_owned))
    }

    pub fn text(&self, element: &str) -> String {
        self.try_command("GET", &format!("/element/{element}/text"), None)
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Writes a PNG of the viewport as `NAME.png` in the screenshot folder.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let data = self.command("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

fn which(program: &str) -> String {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(program))
                .find(|p| p.is_file())
        })
        .map_or_else(|| program.to_owned(), |p| p.display().to_string())
}

/// `korral serve` with the token [`TOKEN`] and more `args`, its config in a new home.
fn serve(args: &[&str], env: &[(&str, &Path)]) -> (tempfile::TempDir, Server) {
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let mut all = vec!["--token-file", token_file.to_str().unwrap()];
    all.extend(args);
    let server = start_with_env(home.path(), &all, env);
    (home, server)
}

fn api(port: u16, path: &str) -> Value {
    let (status, body) = http_get(port, path, Some(TOKEN));
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Waits for the map to be drawn with every node the server sent for the query the page
/// asked (the first frames may come before the view fits the map); returns the count.
fn drawn_map(browser: &Browser, port: u16, cluster: &str) -> u64 {
    let map = browser.find("[data-testid=topology-map][data-rendered-nodes]");
    let query = browser
        .attribute(&map, "data-map-query")
        .unwrap_or_default();
    let answer = api(port, &format!("/api/v1/clusters/{cluster}/map?{query}"));
    let expected = answer["totals"]["nodes"].as_u64().unwrap();
    assert!(expected > 0, "{answer}");
    browser.wait(
        &format!("{expected} nodes drawn, as the server sent for `{query}`"),
        || {
            let rendered: u64 = browser
                .attribute(&map, "data-rendered-nodes")?
                .parse()
                .ok()?;
            (rendered == expected).then_some(rendered)
        },
    )
}

fn session_token(browser: &Browser) -> Value {
    browser.run("return sessionStorage.getItem('korral.token')", &[])
}

#[test]
fn sign_in_draw_the_example_map_and_search_it() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let shop = shop();
    let (_home, server) = serve(&["-f", shop.to_str().unwrap()], &[]);
    let base = format!("http://127.0.0.1:{}", server.port);

    // No token: the sign-in page.
    browser.goto(&format!("{base}/map"));
    let field = browser.find("[data-testid=token]");
    browser.screenshot("signin");
    assert_eq!(
        browser.attribute(&field, "type").as_deref(),
        Some("password")
    );
    browser.type_into(&field, TOKEN);
    browser.click(&browser.find("[data-testid=sign-in]"));
    let nodes = drawn_map(&browser, server.port, "shop");
    browser.screenshot("map");
    assert_eq!(session_token(&browser), TOKEN);
    assert!(!browser.url().contains(TOKEN), "{}", browser.url());

    // Search finds a pod of the example and flies to it.
    let pods = api(
        server.port,
        "/api/v1/clusters/shop/objects?kind=Pod&namespace=shop",
    );
    let pod = pods["items"][0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let search = browser.find("[data-testid=search]");
    browser.click(&search);
    browser.type_into(&search, &pod);
    let hit = browser.wait("a search result naming the pod", || {
        browser
            .all("[data-testid=search-result]")
            .into_iter()
            .find(|hit| browser.text(hit).contains(&pod))
    });
    browser.screenshot("search");
    browser.click(&hit);
    // The map flew to it and shows it.
    browser.wait("the pod's panel on the map", || {
        let panel = browser.all("[data-testid=node-panel]").into_iter().next()?;
        browser.text(&panel).contains(&pod).then_some(())
    });
    browser.screenshot("search-flown");
    assert!(nodes > 100, "the example has 164 objects");

    // A `#token=` link signs in too, and the token leaves the address bar at once.
    browser.run("sessionStorage.clear()", &[]);
    browser.goto(&format!("{base}/status#token={TOKEN}"));
    browser.wait("the token kept from the fragment", || {
        (session_token(&browser) == TOKEN).then_some(())
    });
    browser.wait("the fragment gone from the address bar", || {
        (!browser.url().contains(TOKEN)).then_some(())
    });
}

/// The example cluster in the API test server with its controllers, recorded by
/// `korral serve` into a SQLite store.
fn live_cluster() -> (
    korral_testkit::ApiServer,
    [tempfile::TempDir; 2],
    Server,
    String,
) {
    let set = korral_core::Loader::new().path(shop()).load().unwrap();
    let options = korral_testkit::ServerOptions {
        controllers: Some(korral_testkit::Controllers::default()),
        ..korral_testkit::ServerOptions::default()
    };
    let cluster = korral_testkit::ApiServer::spawn(&set, options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    cluster.write_kubeconfig(&kubeconfig).unwrap();
    let database = format!("sqlite:{}", dir.path().join("korral.db").display());
    let (home, server) = serve(&["--database", &database], &[("KUBECONFIG", &kubeconfig)]);
    let deadline = Instant::now() + PATIENCE;
    while http_get(server.port, "/readyz", None).0 != 200 {
        assert!(Instant::now() < deadline, "korral serve never became ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    let clusters = api(server.port, "/api/v1/clusters");
    let name = clusters[0]["name"].as_str().unwrap().to_owned();
    (cluster, [dir, home], server, name)
}

#[test]
fn live_changes_reach_the_map_and_an_edited_config_map_has_a_diff_and_a_history() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let (cluster, _dirs, server, name) = live_cluster();
    let base = format!("http://127.0.0.1:{}", server.port);

    browser.goto(&format!("{base}/map#token={TOKEN}"));
    drawn_map(&browser, server.port, &name);
    // Marks the page: a reload would lose it.
    let before = browser.run(
        "window.__e2eMark = 'kept'; return window.__korralMap.lastChangeDrawnAt || 0",
        &[],
    );
    cluster
        .create(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "e2e-live-pod", "namespace": "shop", "labels": {"e2e": "live"}},
            "spec": {"containers": [{"name": "app", "image": "busybox:1"}]}}))
        .unwrap();
    browser.wait("a frame drawn with the live change", || {
        let now = browser.run("return window.__korralMap.lastChangeDrawnAt || 0", &[]);
        (now.as_f64() > before.as_f64()).then_some(())
    });
    // The map holds the new pod: search (which looks through the map's nodes) finds it.
    let search = browser.find("[data-testid=search]");
    browser.click(&search);
    browser.type_into(&search, "e2e-live-pod");
    browser.wait("the new pod found on the map", || {
        browser
            .all("[data-testid=search-result]")
            .into_iter()
            .find(|hit| {
                browser.attribute(hit, "data-id").as_deref() == Some("Pod/shop/e2e-live-pod")
            })
    });
    assert_eq!(
        browser.run("return window.__e2eMark", &[]),
        "kept",
        "the map changed without a reload"
    );
    browser.screenshot("map-live");

    // Edit a ConfigMap of the example in the YAML editor, through the server's dry-run
    // diff, and apply it.
    let maps = api(
        server.port,
        &format!("/api/v1/clusters/{name}/objects?kind=ConfigMap&namespace=shop"),
    );
    let config = maps["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["metadata"]["name"].as_str().unwrap().to_owned())
        .find(|n| n != "kube-root-ca.crt")
        .expect("a ConfigMap in shop");
    browser.goto(&format!("{base}/objects/shop/ConfigMap/{config}?tab=yaml"));
    browser.find("[data-testid=yaml-editor]");
    let yaml = browser.wait("the editor's text", || {
        browser
            .run(
                &format!("{EDITOR} return editor() ? editor().get() : null;"),
                &[],
            )
            .as_str()
            .filter(|t| t.contains(&config))
            .map(str::to_owned)
    });
    let edited = with_data_key(&yaml, "e2e", "edited-in-the-browser");
    browser.run(
        &format!("{EDITOR} editor().set(arguments[0]);"),
        &[json!(edited)],
    );
    browser.click(&browser.find("[data-testid=apply]"));
    let diff = browser.find("[data-testid=diff-view]");
    browser.wait("the diff naming the new value", || {
        browser
            .text(&diff)
            .contains("edited-in-the-browser")
            .then_some(())
    });
    browser.screenshot("diff");
    browser.click(&browser.find("[data-testid=confirm-apply]"));
    browser.find("[data-testid=apply-result]");
    browser.wait("the test server holding the edit", || {
        let object = cluster.get("v1", "ConfigMap", Some("shop"), &config)?;
        (object["data"]["e2e"] == "edited-in-the-browser").then_some(())
    });

    // Its history shows both versions (the recorder stores the change as it sees it).
    browser.goto(&format!(
        "{base}/objects/shop/ConfigMap/{config}?tab=history"
    ));
    let versions = browser.wait("two versions in the history timeline", || {
        let versions = browser.all("[data-testid=history-timeline] [data-testid=history-version]");
        if versions.len() >= 2 {
            Some(versions.len())
        } else {
            // The page reads history when it opens: open it again.
            browser.goto(&format!(
                "{base}/objects/shop/ConfigMap/{config}?tab=history"
            ));
            std::thread::sleep(Duration::from_millis(500));
            None
        }
    });
    assert!(versions >= 2);
    browser.screenshot("history");
    drop(server);
    cluster.shutdown();
}

/// The YAML editor for a test: the page's own hook (`window.__korralEditor`), or
/// CodeMirror's view found from its DOM. Edits go through a CodeMirror transaction, as
/// typing does, so the page sees them.
const EDITOR: &str = "const editor = () => { \
    if (window.__korralEditor) return window.__korralEditor; \
    const content = document.querySelector('[data-testid=yaml-editor] .cm-content'); \
    const view = content && content.cmView && content.cmView.view; \
    if (!view) return null; \
    return { get: () => view.state.doc.toString(), \
             set: (text) => view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: text}}) }; \
};";

/// `yaml` with `key: value` under `data:` (added when the object has no data).
fn with_data_key(yaml: &str, key: &str, value: &str) -> String {
    let line = format!("  {key}: {value}");
    let mut out: Vec<String> = Vec::new();
    let mut added = false;
    for l in yaml.lines() {
        out.push(l.to_owned());
        if !added && l == "data:" {
            out.push(line.clone());
            added = true;
        }
    }
    if !added {
        out.push("data:".to_owned());
        out.push(line);
    }
    out.join("\n") + "\n"
}

#[test]
fn a_data_key_is_added_to_yaml_with_or_without_data() {
    assert_eq!(
        with_data_key("kind: ConfigMap\ndata:\n  a: b\n", "k", "v"),
        "kind: ConfigMap\ndata:\n  k: v\n  a: b\n"
    );
    assert_eq!(
        with_data_key("kind: ConfigMap\n", "k", "v"),
        "kind: ConfigMap\ndata:\n  k: v\n"
    );
}
