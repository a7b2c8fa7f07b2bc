//! The app as a state machine: what is shown, and what each key, mouse event and
//! update from the cluster does to it. No terminal and no I/O here: a key returns the
//! [`Effect`]s the driver carries out (a log stream, a delete, an edit), and their
//! results come back as [`Update`]s. So every key is unit-tested.

mod keys;

use std::time::{Duration, Instant};

use jiff::Timestamp;
use korral_core::ObjectKey;
use korral_core::terminal::escape;
use korral_kube::Resource;
use ratatui::layout::Rect;

use crate::cache::{Cache, Change};
use crate::describe;
use crate::row::{Health, pod_parts};
use crate::view::{
    ContainersView, HealthView, LOG_LINES, LogsView, Neighbour, TableSource, TableView, TextKind,
    TextView, TopologyView, View,
};

pub use keys::help;

/// The cluster the app shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    /// The kube context (or the files, offline).
    pub context: String,
    /// The API server's URL.
    pub server: String,
    /// Its version (`v1.33.1`).
    pub version: String,
    /// A live cluster (writes, logs and history work); files are read-only.
    pub live: bool,
}

/// What the user is typing, or being asked.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Keys act on the view.
    Normal,
    /// The `:` command bar.
    Command(String),
    /// The `/` filter (rows follow as it is typed).
    Filter(String),
    /// A yes/no question before `effect`.
    Confirm {
        /// The question.
        prompt: String,
        /// What `y` does.
        effect: Effect,
    },
}

/// Something the driver does for the app (I/O, off the UI thread).
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Streams a container's log into [`Update::LogLines`] tagged with `id`, ending
    /// any stream before.
    Logs {
        /// The stream's id.
        id: u64,
        /// The pod's namespace.
        namespace: String,
        /// The pod.
        pod: String,
        /// The container.
        container: String,
        /// Kubelet timestamps on each line.
        timestamps: bool,
    },
    /// Ends the log stream.
    StopLogs,
    /// Deletes an object (`force`: at once, grace period 0, as ctrl-k kills).
    Delete {
        /// The object.
        key: ObjectKey,
        /// Kill rather than delete.
        force: bool,
    },
    /// Opens the object in `$EDITOR`, then sends its diff ([`Update::EditDiff`]).
    Edit(ObjectKey),
    /// Applies an edited object (after its diff was shown and confirmed).
    Apply {
        /// The object.
        key: ObjectKey,
        /// The object as edited (JSON).
        object: serde_json::Value,
    },
    /// Reads the object's history from the store ([`Update::Text`]).
    History(ObjectKey),
}

/// What the driver tells the app.
// One per watch event, moved once through a channel: boxing would cost an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Update {
    /// Connected: where, and the kinds the cluster serves.
    Connected {
        /// The cluster.
        info: ClusterInfo,
        /// What it serves.
        resources: Vec<Resource>,
    },
    /// A change to one kind's objects.
    Objects {
        /// The kind.
        resource: Resource,
        /// The change.
        change: Change,
    },
    /// The connection or a watch is in trouble (`Some`: why; it retries by itself), or
    /// recovered (`None`).
    Trouble(Option<String>),
    /// Lines of log stream `id`, already escaped.
    LogLines {
        /// The stream.
        id: u64,
        /// The lines.
        lines: Vec<String>,
    },
    /// Log stream `id` ended (with the error, if any).
    LogEnded {
        /// The stream.
        id: u64,
        /// Why, when it failed.
        error: Option<String>,
    },
    /// Text for a new view (history).
    Text {
        /// What it is.
        kind: TextKind,
        /// Its title.
        title: String,
        /// Escaped lines.
        lines: Vec<String>,
    },
    /// An edit's diff, to confirm before applying.
    EditDiff {
        /// The object.
        key: ObjectKey,
        /// Escaped diff lines.
        diff: Vec<String>,
        /// The edited object.
        object: serde_json::Value,
    },
    /// A line for the footer.
    Message(String, Level),
}

/// How a footer message is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Done, or for information.
    Info,
    /// Refused or failed.
    Error,
}

/// The screen's parts, as laid out for a terminal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Context, version, namespace, counts; favourites.
    pub header: Rect,
    /// The current view, in a border.
    pub body: Rect,
    /// The command bar, filter, message or key hints.
    pub footer: Rect,
}

impl Areas {
    /// The layout of a `width` × `height` terminal.
    pub fn of(width: u16, height: u16) -> Self {
        let header_height = 2.min(height);
        let footer_height = u16::from(height > header_height);
        Self {
            header: Rect::new(0, 0, width, header_height),
            body: Rect::new(
                0,
                header_height,
                width,
                height.saturating_sub(header_height + footer_height),
            ),
            footer: Rect::new(
                0,
                height.saturating_sub(footer_height),
                width,
                footer_height,
            ),
        }
    }

    /// How many table rows the body holds (border and header row aside).
    pub fn table_rows(&self) -> usize {
        usize::from(self.body.height.saturating_sub(3))
    }

    /// How many text lines the body holds (border aside).
    pub fn text_rows(&self) -> usize {
        usize::from(self.body.height.saturating_sub(2))
    }
}

/// The whole state of the TUI.
pub struct App {
    /// The objects.
    pub cache: Cache,
    /// The cluster.
    pub cluster: ClusterInfo,
    /// The namespace shown (`None`: every namespace).
    pub namespace: Option<String>,
    /// Namespaces on keys 1–9 (0 is every namespace), most recent first.
    pub favourites: Vec<String>,
    /// The views, the current one last.
    pub stack: Vec<View>,
    /// What the user is typing.
    pub mode: Mode,
    /// The footer's message.
    pub message: Option<(String, Level)>,
    /// Why the cluster is not answering, while it is not.
    pub trouble: Option<String>,
    /// The time ages are computed against.
    pub now: Timestamp,
    /// The terminal's size.
    pub size: (u16, u16),
    /// Colours (off with `NO_COLOR`).
    pub color: bool,
    /// Set by `q`, ctrl-c or `:q`.
    pub quit: bool,
    next_stream: u64,
}

impl App {
    /// An app showing `source` (in `namespace`, or every namespace), with the
    /// favourites `favourites`.
    pub fn new(
        cluster: ClusterInfo,
        namespace: Option<String>,
        source: TableSource,
        size: (u16, u16),
    ) -> Self {
        let mut favourites = Vec::new();
        if let Some(ns) = &namespace {
            favourites.push(ns.clone());
        }
        if !favourites.iter().any(|f| f == "default") {
            favourites.push("default".to_owned());
        }
        Self {
            cache: Cache::new(),
            cluster,
            namespace,
            favourites,
            stack: vec![View::Table(TableView::new(source))],
            mode: Mode::Normal,
            message: None,
            trouble: None,
            now: Timestamp::now(),
            size,
            color: true,
            quit: false,
            next_stream: 0,
        }
    }

    /// The layout for the current size.
    pub fn areas(&self) -> Areas {
        Areas::of(self.size.0, self.size.1)
    }

    /// The current view.
    ///
    /// # Panics
    ///
    /// Never: the stack always holds its first view (Esc stops there).
    pub fn view(&self) -> &View {
        self.stack.last().expect("the stack always holds a view")
    }

    fn view_mut(&mut self) -> &mut View {
        self.stack
            .last_mut()
            .expect("the stack always holds a view")
    }

    /// The kinds the command bar knows.
    pub fn resources(&self) -> Vec<&Resource> {
        self.cache.resources().collect()
    }

    /// Takes an update from the driver.
    pub fn update(&mut self, update: Update) {
        match update {
            Update::Connected { info, resources } => {
                self.cluster = info;
                for resource in resources {
                    self.cache.add_resource(resource);
                }
            }
            Update::Objects { resource, change } => self.cache.apply(&resource, change),
            Update::Trouble(trouble) => self.trouble = trouble,
            Update::LogLines { id, lines } => {
                if let Some(View::Logs(logs)) = self.stack.last_mut()
                    && logs.id == id
                {
                    logs.lines.extend(lines);
                    let over = logs.lines.len().saturating_sub(LOG_LINES);
                    logs.lines.drain(..over);
                    logs.scroll = logs.scroll.saturating_sub(over);
                }
            }
            Update::LogEnded { id, error } => {
                if let Some(View::Logs(logs)) = self.stack.last_mut()
                    && logs.id == id
                {
                    logs.ended = Some(error.unwrap_or_else(|| "the log ended".to_owned()));
                }
            }
            Update::Text { kind, title, lines } => self.push_text(kind, title, None, lines),
            Update::EditDiff { key, diff, object } => {
                if diff.is_empty() {
                    self.say("no change: nothing to apply", Level::Info);
                    return;
                }
                let title = format!(" diff {} (y apply, Esc cancel) ", escape(&key.to_string()));
                self.push_text(TextKind::Diff, title, Some(key.clone()), diff);
                self.mode = Mode::Confirm {
                    prompt: format!("Apply this change to {}? (y/n)", escape(&key.to_string())),
                    effect: Effect::Apply { key, object },
                };
            }
            Update::Message(text, level) => self.say(&text, level),
        }
    }

    /// Shows a message in the footer.
    pub fn say(&mut self, text: &str, level: Level) {
        self.message = Some((text.to_owned(), level));
    }

    fn push_text(
        &mut self,
        kind: TextKind,
        title: String,
        key: Option<ObjectKey>,
        lines: Vec<String>,
    ) {
        self.stack.push(View::Text(TextView {
            kind,
            title,
            key,
            lines,
            scroll: 0,
            generation: self.cache.generation(),
        }));
    }

    /// Brings the current view up to date before it is drawn: a table's rows are
    /// filtered and sorted again only if its kinds changed; a describe, YAML or
    /// topology view follows its object; the health summary is recomputed at most once
    /// a second.
    pub fn prepare(&mut self) {
        let areas = self.areas();
        let generation = self.cache.generation();
        let now = self.now;
        let namespace = self.namespace.clone();
        let App { cache, stack, .. } = self;
        match stack.last_mut() {
            Some(View::Table(table)) => {
                table.refresh(cache, namespace.as_deref());
                table.scroll_into_view(areas.table_rows());
            }
            Some(View::Text(text)) if text.generation != generation => {
                text.generation = generation;
                if let Some(key) = text.key.clone() {
                    match text.kind {
                        TextKind::Describe => text.lines = describe::describe(cache, &key, now),
                        TextKind::Yaml => {
                            if let Some(entry) = cache.get(&key) {
                                text.lines = describe::yaml(&entry.object);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Some(View::Topology(topology)) if topology.generation != generation => {
                topology.generation = generation;
                topology.neighbours = neighbours(cache, &topology.focus);
                topology.selected = topology
                    .selected
                    .min(topology.neighbours.len().saturating_sub(1));
            }
            Some(View::Health(health)) => {
                let due = health
                    .computed
                    .is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
                if health.generation != Some(generation) && due {
                    let (lines, colours) = health_lines(cache, namespace.as_deref());
                    health.lines = lines;
                    health.health = colours;
                    health.generation = Some(generation);
                    health.computed = Some(Instant::now());
                }
            }
            _ => {}
        }
    }

    /// When the driver should wake without input: the health view waiting out its
    /// one-second limit, or ages under two minutes that show seconds. `None`: only
    /// input or a change wakes it.
    pub fn next_wake(&self) -> Option<Duration> {
        match self.view() {
            View::Health(h) if h.generation != Some(self.cache.generation()) => {
                Some(Duration::from_millis(250))
            }
            // Ages under two minutes count seconds: a row on screen that young is
            // redrawn every second, the rest every 30 s.
            View::Table(t) => {
                let young = t
                    .rows
                    .iter()
                    .skip(t.offset)
                    .take(self.areas().table_rows())
                    .filter_map(|k| self.cache.get(k))
                    .any(|e| {
                        e.row
                            .created
                            .is_some_and(|c| self.now.as_second() - c.as_second() < 120)
                    });
                Some(Duration::from_secs(if young { 1 } else { 30 }))
            }
            _ => None,
        }
    }

    /// The object the current view is about, or its selected row's.
    pub fn selected_key(&self) -> Option<ObjectKey> {
        match self.view() {
            View::Table(t) => t.rows.get(t.selected).cloned(),
            View::Text(t) => t.key.clone(),
            View::Logs(l) => Some(l.pod.clone()),
            View::Topology(t) => t.neighbours.get(t.selected).and_then(|n| n.key.clone()),
            View::Containers(c) => Some(c.pod.clone()),
            View::Health(_) => None,
        }
    }

    /// Opens a table of `source`, replacing the stack (as k9s's `:` does).
    pub fn open_table(&mut self, source: TableSource) {
        self.stack = vec![View::Table(TableView::new(source))];
    }

    /// Switches the namespace (and remembers it as a favourite).
    pub fn use_namespace(&mut self, namespace: Option<String>) {
        if let Some(ns) = &namespace {
            self.favourites.retain(|f| f != ns);
            self.favourites.insert(0, ns.clone());
            self.favourites.truncate(9);
        }
        self.namespace = namespace;
    }

    fn stream_id(&mut self) -> u64 {
        self.next_stream += 1;
        self.next_stream
    }

    /// Opens the log of `container` (or the pod's first) of `pod`.
    fn open_logs(&mut self, pod: &ObjectKey, container: Option<String>) -> Vec<Effect> {
        if !self.cluster.live {
            self.say(
                "logs need a live cluster; these objects were read from files",
                Level::Error,
            );
            return Vec::new();
        }
        let Some(entry) = self.cache.get(pod) else {
            return Vec::new();
        };
        let parts = pod_parts(&entry.object);
        let containers: Vec<String> = parts
            .spec
            .init_containers
            .iter()
            .chain(&parts.spec.containers)
            .map(|c| c.name.clone())
            .collect();
        let Some(container) =
            container.or_else(|| parts.spec.containers.first().map(|c| c.name.clone()))
        else {
            self.say("this pod has no containers", Level::Error);
            return Vec::new();
        };
        let id = self.stream_id();
        self.stack.push(View::Logs(LogsView {
            id,
            pod: pod.clone(),
            container: container.clone(),
            containers,
            lines: std::collections::VecDeque::new(),
            follow: true,
            wrap: false,
            timestamps: false,
            scroll: 0,
            ended: None,
        }));
        vec![Effect::Logs {
            id,
            namespace: pod.namespace.clone().unwrap_or_default(),
            pod: pod.name.clone(),
            container,
            timestamps: false,
        }]
    }

    /// Restarts the current log view's stream (another container, timestamps).
    fn restart_logs(&mut self) -> Vec<Effect> {
        let id = self.stream_id();
        let View::Logs(logs) = self.view_mut() else {
            return Vec::new();
        };
        logs.id = id;
        logs.lines.clear();
        logs.scroll = 0;
        logs.ended = None;
        logs.follow = true;
        vec![Effect::Logs {
            id,
            namespace: logs.pod.namespace.clone().unwrap_or_default(),
            pod: logs.pod.name.clone(),
            container: logs.container.clone(),
            timestamps: logs.timestamps,
        }]
    }

    fn open_topology(&mut self, key: ObjectKey) {
        let neighbours = neighbours(&mut self.cache, &key);
        self.stack.push(View::Topology(TopologyView {
            focus: key,
            neighbours,
            selected: 0,
            offset: 0,
            generation: self.cache.generation(),
        }));
    }

    fn open_containers(&mut self, pod: ObjectKey) {
        self.stack
            .push(View::Containers(ContainersView { pod, selected: 0 }));
    }

    fn open_audit(&mut self, key: &ObjectKey) {
        let lines = audit_lines(&self.cache, key);
        let title = format!(" audit {} ", escape(&key.to_string()));
        self.push_text(TextKind::Audit, title, None, lines);
    }

    /// Opens the health summary.
    pub fn open_health(&mut self) {
        self.stack = vec![View::Health(HealthView::default())];
    }
}

/// The relations of `focus`: what it points at (`→`) and what points at it (`←`),
/// from the live graph.
pub fn neighbours(cache: &mut Cache, focus: &ObjectKey) -> Vec<Neighbour> {
    let id = focus.to_string();
    let graph = cache.graph().graph();
    let Some(at) = graph.node_by_id(&id) else {
        return Vec::new();
    };
    let nodes = graph.nodes();
    let mut out: Vec<Neighbour> = graph
        .edges()
        .iter()
        .filter(|e| e.source == at || e.target == at)
        .map(|e| {
            let outgoing = e.source == at;
            let other = &nodes[if outgoing { e.target } else { e.source }];
            Neighbour {
                outgoing,
                relation: e.relation.name().to_owned(),
                id: other.id.clone(),
                key: Some(ObjectKey::new(
                    &other.group,
                    &other.kind,
                    other.namespace.as_deref(),
                    &other.name,
                )),
            }
        })
        .collect();
    out.sort_by(|a, b| (!a.outgoing, &a.relation, &a.id).cmp(&(!b.outgoing, &b.relation, &b.id)));
    out.dedup();
    out
}

/// The audit findings about `key`: every rule, over the objects of its namespace and
/// the cluster-scoped ones (RBAC and policies reach across).
pub fn audit_lines(cache: &Cache, key: &ObjectKey) -> Vec<String> {
    let objects: Vec<korral_core::Object> = cache
        .objects()
        .filter(|o| o.namespace().is_none() || o.namespace() == key.namespace.as_deref())
        .cloned()
        .collect();
    let set =
        korral_core::ObjectSet::from_objects(objects, vec!["<cluster>".to_owned()], Vec::new());
    let report = korral_audit::audit(&set, &korral_audit::Options::default());
    let mut lines = Vec::new();
    for f in report.findings.iter().filter(|f| {
        f.object.kind == key.kind
            && f.object.name == key.name
            && f.object.namespace == key.namespace
    }) {
        lines.push(format!(
            "{:<9}{:<10}{}",
            f.severity.to_string().to_uppercase(),
            escape(&f.code),
            escape(&f.message)
        ));
        if !f.path.is_empty() {
            lines.push(format!("                   at {}", escape(&f.path)));
        }
        lines.push(format!("                   fix: {}", escape(&f.fix)));
    }
    if lines.is_empty() {
        lines.push("No findings: every audit rule passes for this object.".to_owned());
    }
    lines
}

/// The `korral status` report as lines, with a health per line for colour.
#[allow(clippy::too_many_lines)] // the report, section by section
pub fn health_lines(cache: &Cache, namespace: Option<&str>) -> (Vec<String>, Vec<Health>) {
    let wanted = [
        ("", "Node"),
        ("", "Pod"),
        ("", "PersistentVolumeClaim"),
        ("", "Event"),
        ("events.k8s.io", "Event"),
        ("apps", "Deployment"),
        ("apps", "StatefulSet"),
        ("apps", "DaemonSet"),
        ("batch", "Job"),
    ];
    let objects: Vec<korral_core::Object> = wanted
        .iter()
        .filter_map(|(g, k)| cache.kind(g, k))
        .flat_map(|d| d.objects.values().map(|e| e.object.clone()))
        .collect();
    let set =
        korral_core::ObjectSet::from_objects(objects, vec!["<cluster>".to_owned()], Vec::new());
    let mut options = korral_status::Options::live();
    options.namespace = namespace.map(str::to_owned);
    let report = korral_status::analyze(&set, &options);
    let mut lines = Vec::new();
    let mut health = Vec::new();
    let mut push = |text: String, h: Health| {
        lines.push(text);
        health.push(h);
    };
    push(
        escape(&report.summary).into_owned(),
        if report.healthy {
            Health::Ok
        } else {
            Health::Bad
        },
    );
    push(String::new(), Health::Ok);
    push(
        format!(
            "NODES: {} total, {} ready",
            report.nodes.total, report.nodes.ready
        ),
        Health::Ok,
    );
    for n in &report.nodes.issues {
        push(
            format!(
                "  {:<30}{}",
                escape(&n.name),
                escape(&n.problems.join(", "))
            ),
            Health::Bad,
        );
    }
    if !report.workloads.is_empty() {
        push("WORKLOADS SHORT OF REPLICAS".to_owned(), Health::Ok);
        for w in &report.workloads {
            push(
                format!(
                    "  {:<20}{:<12}{:<30}{}/{}",
                    escape(&w.namespace),
                    escape(&w.kind),
                    escape(&w.name),
                    w.ready,
                    w.desired
                ),
                Health::Progressing,
            );
        }
    }
    if !report.pods.is_empty() {
        push("PODS".to_owned(), Health::Ok);
        for p in &report.pods {
            push(
                format!(
                    "  {:<20}{:<40}{:<20}{:<4}{}",
                    escape(&p.namespace),
                    escape(&p.name),
                    escape(&p.reason),
                    p.restarts,
                    escape(p.message.as_deref().unwrap_or(""))
                ),
                Health::Bad,
            );
        }
    }
    if !report.claims.is_empty() {
        push("CLAIMS NOT BOUND".to_owned(), Health::Ok);
        for c in &report.claims {
            push(
                format!(
                    "  {:<20}{:<40}{}",
                    escape(&c.namespace),
                    escape(&c.name),
                    escape(&c.phase)
                ),
                Health::Progressing,
            );
        }
    }
    if !report.jobs.is_empty() {
        push("FAILED JOBS".to_owned(), Health::Ok);
        for j in &report.jobs {
            push(
                format!(
                    "  {:<20}{:<40}{}",
                    escape(&j.namespace),
                    escape(&j.name),
                    escape(&j.reason)
                ),
                Health::Bad,
            );
        }
    }
    if !report.events.is_empty() {
        push("WARNING EVENTS (last hour)".to_owned(), Health::Ok);
        for e in &report.events {
            push(
                format!(
                    "  {:<20}{:<40}{:<22}{}",
                    escape(&e.namespace),
                    escape(&e.object),
                    escape(&e.reason),
                    escape(&e.message)
                ),
                Health::Bad,
            );
        }
    }
    (lines, health)
}

#[cfg(test)]
mod tests;
