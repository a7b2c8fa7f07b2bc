//! The terminal side: raw mode and the alternate screen (restored on exit, on error and
//! on panic), an input thread, and one loop that sleeps until a key, a change from
//! the cluster or a timer wakes it, then draws once. Idle, it does nothing.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use jiff::Timestamp;
use korral_core::ObjectSet;
use korral_kube::{Client, KubeOptions, LogOptions, Resource};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::app::{App, ClusterInfo, Effect, Level, Update};
use crate::cache::{Change, Entry};
use crate::error::{Error, Result};
use crate::live::{self, Msg};
use crate::view::TableSource;

/// Where a benchmark wants timings written: one line per measure (`first_frame_ms N`
/// once, then `event_to_frame_us N` for each frame drawn after watch events). Unset
/// in normal use: nothing is measured.
pub const TIMINGS_ENV: &str = "KORRAL_TUI_TIMINGS";

/// Where the objects come from.
pub enum Source {
    /// A live cluster.
    Live(KubeOptions),
    /// Files or dumps, read already; `name` is what the header shows.
    Offline {
        /// The objects.
        set: ObjectSet,
        /// The files, for the header.
        name: String,
    },
}

/// How to start the TUI.
pub struct Options {
    /// The cluster or the files.
    pub source: Source,
    /// The namespace shown first (`None`: every namespace).
    pub namespace: Option<String>,
    /// The first view: a kind as the command bar takes it (`po`, `deploy`, `ns`).
    pub view: String,
    /// The store `h` reads history from (default: `korral serve`'s own file).
    pub database: Option<String>,
    /// Colours (false with `NO_COLOR`).
    pub color: bool,
}

/// Runs the TUI until the user quits. The terminal is restored however it ends.
pub fn run(options: Options) -> Result<()> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let mut terminal = TerminalGuard::enter()?;
    let size = terminal.terminal.size().map_err(Error::Terminal)?;
    let (tx, rx) = channel();
    let paused = Arc::new(AtomicBool::new(false));
    spawn_input(tx.clone(), Arc::clone(&paused));

    let (info, primary) = match &options.source {
        Source::Live(kube) => (
            ClusterInfo {
                context: kube.context.clone().unwrap_or_default(),
                server: "connecting…".to_owned(),
                version: String::new(),
                live: true,
            },
            Some(primary_kind(&options.view)),
        ),
        Source::Offline { name, .. } => (
            ClusterInfo {
                context: name.clone(),
                server: "files".to_owned(),
                version: String::new(),
                live: false,
            },
            None,
        ),
    };
    let source = primary.clone().map_or(
        TableSource::Kind((String::new(), "Pod".to_owned())),
        TableSource::Kind,
    );
    let mut app = App::new(
        info,
        options.namespace.clone(),
        source,
        (size.width, size.height),
    );
    app.color = options.color;
    match options.source {
        Source::Live(kube) => {
            runtime.spawn(live::watch_cluster(
                tx.clone(),
                kube,
                options.namespace.clone(),
                primary,
            ));
        }
        Source::Offline { set, .. } => load_offline(&mut app, &set),
    }
    if !options.view.is_empty() && !app.cluster.live {
        let _ = app.on_key(key(':'));
        for c in options.view.chars() {
            let _ = app.on_key(key(c));
        }
        let _ = app.on_key(crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Enter,
        ));
    }
    let mut driver = Driver {
        runtime,
        tx,
        client: None,
        logs: None,
        database: options.database,
        paused,
        timings: Timings::open(started),
    };
    let result = driver.run(&mut app, &mut terminal, &rx);
    drop(terminal);
    // Watches and log streams end with the runtime; none may hold the exit.
    driver.runtime.shutdown_timeout(Duration::from_millis(100));
    result
}

fn key(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c))
}

/// The kind a `:` command names, without discovery (for the first watch): the
/// well-known kinds' names and short names.
fn primary_kind(view: &str) -> (String, String) {
    let known = [
        ("v1", "Pod", "pods"),
        ("apps/v1", "Deployment", "deployments"),
        ("v1", "Service", "services"),
        ("v1", "Namespace", "namespaces"),
        ("v1", "Node", "nodes"),
        ("apps/v1", "StatefulSet", "statefulsets"),
        ("apps/v1", "DaemonSet", "daemonsets"),
        ("apps/v1", "ReplicaSet", "replicasets"),
        ("batch/v1", "Job", "jobs"),
        ("batch/v1", "CronJob", "cronjobs"),
        ("v1", "ConfigMap", "configmaps"),
        ("v1", "Secret", "secrets"),
        ("events.k8s.io/v1", "Event", "events"),
    ];
    let resources: Vec<Resource> = known
        .iter()
        .map(|(v, k, p)| Resource::new(v, k, p, *k != "Namespace" && *k != "Node"))
        .collect();
    let refs: Vec<&Resource> = resources.iter().collect();
    match crate::command::parse(if view.is_empty() { "po" } else { view }, &refs) {
        Ok(crate::command::Parsed {
            target: crate::command::Target::Kind(r),
            ..
        }) => (r.group, r.kind),
        _ => (String::new(), "Pod".to_owned()),
    }
}

/// Files into the cache, each kind whole.
fn load_offline(app: &mut App, set: &ObjectSet) {
    let mut by_kind: std::collections::BTreeMap<(String, String), (Resource, Vec<Entry>)> =
        std::collections::BTreeMap::new();
    for object in set.objects() {
        let key = (object.group().to_owned(), object.kind().to_owned());
        let (_, entries) = by_kind.entry(key).or_insert_with(|| {
            let plural = format!("{}s", object.kind().to_ascii_lowercase());
            (
                Resource::new(
                    object.api_version(),
                    object.kind(),
                    &plural,
                    object.namespace().is_some(),
                ),
                Vec::new(),
            )
        });
        entries.push(Entry::new(live::mask(object.clone())));
    }
    for (_, (resource, entries)) in by_kind {
        app.update(Update::Objects {
            resource,
            change: Change::Replace(entries),
        });
    }
    app.cache.mark_synced();
}

/// The terminal in raw mode on the alternate screen, with the mouse; restored when
/// dropped and by the panic hook.
struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<std::io::Stdout>>,
}

fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

impl TerminalGuard {
    fn enter() -> Result<Self> {
        enable_raw_mode().map_err(Error::Terminal)?;
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            hook(info);
        }));
        let mut stdout = std::io::stdout();
        if let Err(err) = execute!(stdout, EnterAlternateScreen, EnableMouseCapture) {
            restore();
            return Err(Error::Terminal(err));
        }
        let terminal = Terminal::new(CrosstermBackend::new(stdout)).map_err(|e| {
            restore();
            Error::Terminal(e)
        })?;
        Ok(Self { terminal })
    }

    fn resume(&mut self) -> Result<()> {
        enable_raw_mode().map_err(Error::Terminal)?;
        execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)
            .map_err(Error::Terminal)?;
        self.terminal.clear().map_err(Error::Terminal)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Reads keys, mouse and resizes on a thread of its own. It polls (four times a
/// second) rather than blocking so that it can stand aside while an editor owns the
/// terminal.
fn spawn_input(tx: Sender<Msg>, paused: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        loop {
            if paused.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            match event::poll(Duration::from_millis(250)) {
                Ok(true) => match event::read() {
                    Ok(event) => {
                        if tx.send(Msg::Input(event)).is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                },
                Ok(false) => {}
                Err(_) => return,
            }
        }
    });
}

/// Timings for the benchmark ([`TIMINGS_ENV`]).
struct Timings {
    file: Option<std::fs::File>,
    started: Instant,
    first_frame: bool,
}

impl Timings {
    fn open(started: Instant) -> Self {
        let file = std::env::var_os(TIMINGS_ENV)
            .map(PathBuf::from)
            .and_then(|path| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .ok()
            });
        Self {
            file,
            started,
            first_frame: false,
        }
    }

    fn line(&mut self, text: &str) {
        if let Some(file) = &mut self.file {
            let _ = writeln!(file, "{text}");
        }
    }
}

struct Driver {
    runtime: tokio::runtime::Runtime,
    tx: Sender<Msg>,
    client: Option<Client>,
    logs: Option<tokio::task::JoinHandle<()>>,
    database: Option<String>,
    paused: Arc<AtomicBool>,
    timings: Timings,
}

impl Driver {
    fn run(
        &mut self,
        app: &mut App,
        terminal: &mut TerminalGuard,
        rx: &Receiver<Msg>,
    ) -> Result<()> {
        self.draw(app, terminal, None)?;
        loop {
            let wait = app.next_wake().unwrap_or(Duration::from_secs(3600));
            let first = match rx.recv_timeout(wait) {
                Ok(msg) => Some(msg),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            };
            // Everything that came meanwhile is taken before one draw.
            let mut oldest_event: Option<Instant> = None;
            let mut effects = Vec::new();
            // At most so many, so that a flood of log lines still lets a frame through.
            for msg in first
                .into_iter()
                .chain(std::iter::from_fn(|| rx.try_recv().ok()).take(10_000))
            {
                match msg {
                    Msg::Input(Event::Key(key)) if key.kind != KeyEventKind::Release => {
                        effects.extend(app.on_key(key));
                    }
                    Msg::Input(Event::Mouse(mouse)) => app.on_mouse(mouse),
                    Msg::Input(Event::Resize(w, h)) => app.size = (w, h),
                    Msg::Input(_) => {}
                    Msg::Update(update, arrived) => {
                        if let Some(at) = arrived {
                            oldest_event = Some(oldest_event.map_or(at, |o| o.min(at)));
                        }
                        app.update(update);
                    }
                    Msg::Client(client) => self.client = Some(client),
                }
                if app.quit {
                    return Ok(());
                }
            }
            for effect in effects {
                self.effect(app, terminal, effect)?;
            }
            if app.quit {
                return Ok(());
            }
            self.draw(app, terminal, oldest_event)?;
        }
    }

    fn draw(
        &mut self,
        app: &mut App,
        terminal: &mut TerminalGuard,
        oldest_event: Option<Instant>,
    ) -> Result<()> {
        app.now = Timestamp::now();
        app.prepare();
        terminal
            .terminal
            .draw(|frame| crate::render::draw(frame, app))
            .map_err(Error::Terminal)?;
        if self.timings.file.is_some() {
            let shown = match app.view() {
                crate::view::View::Table(t) => {
                    !t.rows.is_empty()
                        && t.kinds()
                            .iter()
                            .all(|(g, k)| app.cache.kind(g, k).is_some_and(|d| d.synced))
                }
                _ => false,
            };
            if shown && !self.timings.first_frame {
                self.timings.first_frame = true;
                let ms = self.timings.started.elapsed().as_millis();
                self.timings.line(&format!("first_frame_ms {ms}"));
            } else if let Some(at) = oldest_event.filter(|_| self.timings.first_frame) {
                let us = at.elapsed().as_micros();
                self.timings.line(&format!("event_to_frame_us {us}"));
            }
        }
        Ok(())
    }

    fn client(&self, app: &mut App) -> Option<Client> {
        if self.client.is_none() {
            app.say("not connected to the cluster yet", Level::Error);
        }
        self.client.clone()
    }

    fn effect(
        &mut self,
        app: &mut App,
        terminal: &mut TerminalGuard,
        effect: Effect,
    ) -> Result<()> {
        match effect {
            Effect::Logs {
                id,
                namespace,
                pod,
                container,
                timestamps,
            } => {
                if let Some(old) = self.logs.take() {
                    old.abort();
                }
                let Some(client) = self.client(app) else {
                    return Ok(());
                };
                let options = LogOptions {
                    container: Some(container),
                    follow: true,
                    tail_lines: Some(i64::try_from(crate::view::LOG_LINES).unwrap_or(5000)),
                    since_seconds: None,
                    timestamps,
                };
                self.logs = Some(self.runtime.spawn(live::logs(
                    self.tx.clone(),
                    client,
                    id,
                    namespace,
                    pod,
                    options,
                )));
            }
            Effect::StopLogs => {
                if let Some(old) = self.logs.take() {
                    old.abort();
                }
            }
            Effect::Delete { key, force } => {
                let Some(client) = self.client(app) else {
                    return Ok(());
                };
                let Some(resource) = app
                    .cache
                    .kind(&key.group, &key.kind)
                    .map(|d| d.resource.clone())
                else {
                    return Ok(());
                };
                self.runtime
                    .spawn(live::delete(self.tx.clone(), client, resource, key, force));
            }
            Effect::Edit(key) => self.edit(app, terminal, key)?,
            Effect::Apply { key, object } => {
                if let Some(client) = self.client(app) {
                    self.runtime
                        .spawn(live::apply(self.tx.clone(), client, key, object));
                }
            }
            Effect::History(key) => {
                self.runtime.spawn(live::history(
                    self.tx.clone(),
                    self.database.clone(),
                    app.cluster.context.clone(),
                    key,
                ));
            }
        }
        Ok(())
    }

    /// `e`: the object's YAML in `$KUBE_EDITOR` or `$EDITOR` (else `vi`), then the
    /// server's dry run of the result as a diff to confirm.
    fn edit(
        &mut self,
        app: &mut App,
        terminal: &mut TerminalGuard,
        key: korral_core::ObjectKey,
    ) -> Result<()> {
        let Some(client) = self.client(app) else {
            return Ok(());
        };
        let Some(entry) = app.cache.get(&key) else {
            return Ok(());
        };
        let mut value = entry.object.raw().to_value();
        live::for_edit(&mut value);
        let before = serde_saphyr::to_string(&value).unwrap_or_default();
        let file = match tempfile::Builder::new()
            .prefix("korral-edit-")
            .suffix(".yaml")
            .tempfile()
        {
            Ok(file) => file,
            Err(err) => {
                app.say(&format!("cannot write a file to edit: {err}"), Level::Error);
                return Ok(());
            }
        };
        if let Err(err) = std::fs::write(file.path(), &before) {
            app.say(&format!("cannot write a file to edit: {err}"), Level::Error);
            return Ok(());
        }
        let editor = std::env::var("KUBE_EDITOR")
            .or_else(|_| std::env::var("EDITOR"))
            .unwrap_or_else(|_| "vi".to_owned());
        self.paused.store(true, Ordering::Release);
        // Hands the terminal to the editor.
        restore();
        // The editor as the user wrote it (with its arguments), the file as `$1`.
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("sh")
            .arg(file.path())
            .status();
        let resumed = terminal.resume();
        self.paused.store(false, Ordering::Release);
        resumed?;
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => {
                app.say(
                    &format!("the editor exited with {status}: nothing applied"),
                    Level::Error,
                );
                return Ok(());
            }
            Err(err) => {
                app.say(
                    &format!("cannot run the editor `{editor}`: {err}; set EDITOR"),
                    Level::Error,
                );
                return Ok(());
            }
        }
        let after = std::fs::read_to_string(file.path()).unwrap_or_default();
        if after == before {
            app.say("edit cancelled: the file did not change", Level::Info);
            return Ok(());
        }
        let edited: serde_json::Value = match serde_saphyr::from_str(&after) {
            Ok(value) => value,
            Err(err) => {
                app.say(
                    &format!("the edited YAML does not read: {err}; nothing applied"),
                    Level::Error,
                );
                return Ok(());
            }
        };
        app.say("asking the server for the diff (dry run)…", Level::Info);
        self.runtime
            .spawn(live::preview(self.tx.clone(), client, key, edited));
        Ok(())
    }
}
