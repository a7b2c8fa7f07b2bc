//! The views the app stacks: tables, text, logs, topology, health.

use std::collections::VecDeque;
use std::fmt::Write as _;

use jiff::Timestamp;
use korral_core::terminal::escape;
use korral_core::{LabelSelector, ObjectKey};
use regex::Regex;

use crate::cache::{Cache, Entry, GroupKind};
use crate::row::{Column, ColumnKind, Health, age, columns, leading_number};

/// The kinds `:workloads` shows.
pub const WORKLOAD_KINDS: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
];

const WORKLOAD_COLUMNS: &[Column] = &[
    Column {
        name: "KIND",
        kind: ColumnKind::Text,
    },
    Column {
        name: "NAME",
        kind: ColumnKind::Text,
    },
    Column {
        name: "READY",
        kind: ColumnKind::Number,
    },
    Column {
        name: "STATUS",
        kind: ColumnKind::Text,
    },
    Column {
        name: "AGE",
        kind: ColumnKind::Age,
    },
];

const NAMESPACE_COLUMN: Column = Column {
    name: "NAMESPACE",
    kind: ColumnKind::Text,
};

/// What a table lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableSource {
    /// One kind.
    Kind(GroupKind),
    /// [`WORKLOAD_KINDS`] together.
    Workloads,
}

/// A narrower set of rows, from a drill down.
#[derive(Debug, Clone)]
pub enum Drill {
    /// Pods a workload or Service selects, in its namespace.
    Selects {
        /// The namespace.
        namespace: String,
        /// The selector.
        selector: LabelSelector,
        /// `deploy/web`, for the title.
        title: String,
    },
    /// Objects owned by the object with this uid (a CronJob's Jobs).
    Owner {
        /// The owner's uid.
        uid: String,
        /// For the title.
        title: String,
    },
    /// Pods on one node.
    Node(String),
}

impl Drill {
    fn title(&self) -> String {
        match self {
            Self::Selects { title, .. } | Self::Owner { title, .. } => title.clone(),
            Self::Node(name) => format!("node/{}", escape(name)),
        }
    }

    fn keeps(&self, entry: &Entry) -> bool {
        match self {
            Self::Selects {
                namespace,
                selector,
                ..
            } => {
                entry.object.namespace() == Some(namespace.as_str())
                    && selector.matches(entry.object.labels())
            }
            Self::Owner { uid, .. } => entry
                .object
                .metadata()
                .owner_references
                .iter()
                .any(|o| o.uid.as_deref() == Some(uid.as_str())),
            Self::Node(name) => entry.row.cells.get(5).map(String::as_str) == Some(&*escape(name)),
        }
    }
}

/// The `/` filter.
#[derive(Debug, Clone)]
pub struct Filter {
    /// As typed.
    pub text: String,
    matcher: Matcher,
}

#[derive(Debug, Clone)]
enum Matcher {
    Regex { regex: Regex, inverse: bool },
    Labels(LabelSelector),
}

impl Filter {
    /// Reads a filter: `-l SELECTOR` filters by labels, `!TEXT` keeps what does not
    /// match, anything else is a case-insensitive regex (taken literally when it is not
    /// one). `Err` is the message for a selector that does not parse.
    pub fn parse(text: &str) -> Result<Option<Self>, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let matcher = if let Some(selector) = trimmed.strip_prefix("-l") {
            let selector = LabelSelector::parse(selector.trim()).map_err(|e| {
                format!("-l {}: {}", escape(selector.trim()), escape(&e.to_string()))
            })?;
            Matcher::Labels(selector)
        } else {
            let (pattern, inverse) = match trimmed.strip_prefix('!') {
                Some(rest) => (rest, true),
                None => (trimmed, false),
            };
            let regex = Regex::new(&format!("(?i){pattern}"))
                .or_else(|_| Regex::new(&format!("(?i){}", regex::escape(pattern))))
                .map_err(|e| e.to_string())?;
            Matcher::Regex { regex, inverse }
        };
        Ok(Some(Self {
            text: trimmed.to_owned(),
            matcher,
        }))
    }

    fn keeps(&self, entry: &Entry) -> bool {
        match &self.matcher {
            Matcher::Labels(selector) => selector.matches(entry.object.labels()),
            Matcher::Regex { regex, inverse } => {
                let hit = entry
                    .object
                    .namespace()
                    .is_some_and(|ns| regex.is_match(ns))
                    || entry.row.cells.iter().any(|c| regex.is_match(c));
                hit != *inverse
            }
        }
    }
}

/// What a table's rows depend on: the kinds' generations, the namespace, the filter
/// and the sort.
type Signature = (u64, Option<String>, String, Option<(usize, bool)>);

/// A table of objects.
#[derive(Debug, Clone)]
pub struct TableView {
    /// What it lists.
    pub source: TableSource,
    /// A drill down's narrowing.
    pub drill: Option<Drill>,
    /// The `/` filter.
    pub filter: Option<Filter>,
    /// Sorted by this column (index into [`TableView::columns`]), descending when true.
    pub sort: Option<(usize, bool)>,
    /// The selected row.
    pub selected: usize,
    /// The first row shown.
    pub offset: usize,
    /// The selected object, kept across re-sorts.
    pub selected_key: Option<ObjectKey>,
    /// The rows, filtered and sorted (recomputed only when their inputs change).
    pub rows: Vec<ObjectKey>,
    signature: Option<Signature>,
}

impl TableView {
    /// A table of `source`.
    pub fn new(source: TableSource) -> Self {
        Self {
            source,
            drill: None,
            filter: None,
            sort: None,
            selected: 0,
            offset: 0,
            selected_key: None,
            rows: Vec::new(),
            signature: None,
        }
    }

    /// The group and kinds it lists.
    pub fn kinds(&self) -> Vec<(&str, &str)> {
        match &self.source {
            TableSource::Kind((g, k)) => vec![(g.as_str(), k.as_str())],
            TableSource::Workloads => WORKLOAD_KINDS.to_vec(),
        }
    }

    /// Whether the rows show objects of several namespaces (a NAMESPACE column).
    pub fn shows_namespaces(&self, cache: &Cache, namespace: Option<&str>) -> bool {
        if matches!(self.drill, Some(Drill::Selects { .. })) || namespace.is_some() {
            return false;
        }
        self.kinds()
            .iter()
            .any(|(g, k)| cache.kind(g, k).is_none_or(|d| d.resource.namespaced))
    }

    /// The columns shown.
    pub fn columns(&self, cache: &Cache, namespace: Option<&str>) -> Vec<Column> {
        let mut out = Vec::new();
        if self.shows_namespaces(cache, namespace) {
            out.push(NAMESPACE_COLUMN);
        }
        match &self.source {
            TableSource::Kind((g, k)) => out.extend_from_slice(columns(g, k)),
            TableSource::Workloads => out.extend_from_slice(WORKLOAD_COLUMNS),
        }
        out
    }

    /// The cells of one row, AGE filled in for `now`.
    pub fn cells(&self, entry: &Entry, with_namespace: bool, now: Timestamp) -> Vec<String> {
        let mut out = Vec::new();
        if with_namespace {
            out.push(escape(entry.object.namespace().unwrap_or("")).into_owned());
        }
        let own_columns = columns(entry.object.group(), entry.object.kind());
        let mut own: Vec<String> = entry.row.cells.clone();
        for (i, c) in own_columns.iter().enumerate() {
            if c.kind == ColumnKind::Age
                && let Some(cell) = own.get_mut(i)
            {
                *cell = age(entry.row.created, now);
            }
        }
        match &self.source {
            TableSource::Kind(_) => out.extend(own),
            TableSource::Workloads => {
                out.push(entry.object.kind().to_owned());
                out.push(own.first().cloned().unwrap_or_default());
                out.extend(workload_cells(entry.object.kind(), &own));
                out.push(age(entry.row.created, now));
            }
        }
        out
    }

    /// The title: `pods(shop)[42]`, with the drill and filter.
    pub fn title(&self, cache: &Cache, namespace: Option<&str>) -> String {
        let name = match &self.source {
            TableSource::Kind((g, k)) => cache.kind(g, k).map_or_else(
                || format!("{}s", k.to_ascii_lowercase()),
                |d| d.resource.plural.clone(),
            ),
            TableSource::Workloads => "workloads".to_owned(),
        };
        let scope = match &self.drill {
            Some(drill) => drill.title(),
            None => namespace.map_or_else(|| "all".to_owned(), |ns| escape(ns).into_owned()),
        };
        let mut title = format!(" {name}({scope})[{}] ", self.rows.len());
        if let Some(filter) = &self.filter {
            let _ = write!(title, "</{}> ", escape(&filter.text));
        }
        title
    }

    /// Recomputes the rows when what they depend on changed: the kinds' objects, the
    /// namespace, the filter or the sort. Costs one pass over the kind and one sort;
    /// nothing when nothing changed.
    pub fn refresh(&mut self, cache: &Cache, namespace: Option<&str>) {
        let generation: u64 = self
            .kinds()
            .iter()
            .filter_map(|(g, k)| cache.kind(g, k))
            .map(|d| d.generation)
            .sum();
        let signature = (
            generation,
            namespace.map(str::to_owned),
            self.filter
                .as_ref()
                .map(|f| f.text.clone())
                .unwrap_or_default(),
            self.sort,
        );
        if self.signature.as_ref() == Some(&signature) {
            return;
        }
        self.signature = Some(signature);
        let namespace = match &self.drill {
            Some(Drill::Selects { .. }) => None,
            _ => namespace,
        };
        let mut entries: Vec<&Entry> = Vec::new();
        for (g, k) in self.kinds() {
            let Some(data) = cache.kind(g, k) else {
                continue;
            };
            entries.extend(data.objects.values().filter(|e| {
                namespace
                    .is_none_or(|ns| !data.resource.namespaced || e.object.namespace() == Some(ns))
                    && self.drill.as_ref().is_none_or(|d| d.keeps(e))
                    && self.filter.as_ref().is_none_or(|f| f.keeps(e))
            }));
        }
        let with_ns = self.shows_namespaces(cache, namespace);
        let columns = self.columns(cache, namespace);
        let is_event = matches!(&self.source, TableSource::Kind((_, k)) if k == "Event");
        let by_name = |a: &&Entry, b: &&Entry| {
            (a.object.namespace(), a.object.name(), a.object.kind()).cmp(&(
                b.object.namespace(),
                b.object.name(),
                b.object.kind(),
            ))
        };
        match self.sort {
            Some((column, descending)) if column < columns.len() => {
                let now = Timestamp::UNIX_EPOCH;
                let kind = columns[column].kind;
                let key = |e: &&Entry| -> SortKey {
                    match kind {
                        ColumnKind::Age => SortKey::Time(e.row.created),
                        ColumnKind::Number => SortKey::Number(leading_number(
                            &self.cells(e, with_ns, now).swap_remove(column),
                        )),
                        ColumnKind::Text => {
                            SortKey::Text(self.cells(e, with_ns, now).swap_remove(column))
                        }
                    }
                };
                let mut keyed: Vec<(SortKey, &Entry)> =
                    entries.iter().map(|e| (key(e), *e)).collect();
                keyed.sort_by(|a, b| {
                    let order = a.0.cmp(&b.0).then_with(|| by_name(&a.1, &b.1));
                    if descending { order.reverse() } else { order }
                });
                entries = keyed.into_iter().map(|(_, e)| e).collect();
            }
            // Events: newest last, as kubectl events lists them.
            _ if is_event => entries.sort_by(|a, b| {
                a.row
                    .created
                    .cmp(&b.row.created)
                    .then_with(|| by_name(a, b))
            }),
            _ => entries.sort_by(by_name),
        }
        self.rows = entries.iter().map(|e| e.object.key()).collect();
        self.reselect();
    }

    /// Keeps the selected object selected after the rows moved (or the nearest row
    /// when it went away).
    fn reselect(&mut self) {
        if let Some(key) = &self.selected_key
            && let Some(at) = self.rows.iter().position(|k| k == key)
        {
            self.selected = at;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        self.selected_key = self.rows.get(self.selected).cloned();
    }

    /// Moves the selection by `delta` rows.
    pub fn select(&mut self, delta: isize) {
        let last = self.rows.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.selected_key = self.rows.get(self.selected).cloned();
    }

    /// Selects row `index`.
    pub fn select_at(&mut self, index: usize) {
        self.selected = index.min(self.rows.len().saturating_sub(1));
        self.selected_key = self.rows.get(self.selected).cloned();
    }

    /// Scrolls so that the selection is within `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(1));
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Time(Option<Timestamp>),
    Number(i64),
    Text(String),
}

/// READY and STATUS of a workload row, from its kind's own cells.
fn workload_cells(kind: &str, own: &[String]) -> [String; 2] {
    let cell = |i: usize| own.get(i).cloned().unwrap_or_default();
    match kind {
        "Deployment" | "StatefulSet" => [cell(1), String::new()],
        "DaemonSet" => [format!("{}/{}", cell(3), cell(1)), String::new()],
        "Job" => [cell(2), cell(1)],
        "CronJob" => [
            cell(3),
            if cell(2) == "True" {
                "Suspended".to_owned()
            } else {
                String::new()
            },
        ],
        _ => [String::new(), String::new()],
    }
}

/// What a text view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// `d`.
    Describe,
    /// `y`.
    Yaml,
    /// `?`.
    Help,
    /// `i`: audit findings.
    Audit,
    /// `h`: versions from the store.
    History,
    /// An edit's diff, waiting for `y` to apply.
    Diff,
}

/// Lines of text, scrolled.
#[derive(Debug, Clone)]
pub struct TextView {
    /// What it is.
    pub kind: TextKind,
    /// The title.
    pub title: String,
    /// The object it is about (describe and YAML follow its changes).
    pub key: Option<ObjectKey>,
    /// Escaped lines.
    pub lines: Vec<String>,
    /// The first line shown.
    pub scroll: usize,
    /// The cache generation the lines were made at.
    pub generation: u64,
}

/// How many log lines a logs view keeps.
pub const LOG_LINES: usize = 5_000;

/// One container's log.
#[derive(Debug, Clone)]
pub struct LogsView {
    /// Which stream its lines come from (lines of an older stream are dropped).
    pub id: u64,
    /// The pod.
    pub pod: ObjectKey,
    /// The container shown.
    pub container: String,
    /// Every container of the pod, to switch with `c`.
    pub containers: Vec<String>,
    /// Escaped lines, the newest last, at most [`LOG_LINES`].
    pub lines: VecDeque<String>,
    /// Stay at the newest line as lines come.
    pub follow: bool,
    /// Wrap long lines.
    pub wrap: bool,
    /// Ask the kubelet for timestamps.
    pub timestamps: bool,
    /// The first line shown when not following.
    pub scroll: usize,
    /// Why the stream ended, when it did.
    pub ended: Option<String>,
}

/// One neighbour in a topology view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    /// `→` for an edge out of the focus, `←` for one into it.
    pub outgoing: bool,
    /// The relation's name (`owns`, `selects`, `mounts`…).
    pub relation: String,
    /// The node id (`Kind/ns/name`).
    pub id: String,
    /// The object, when the cache has it.
    pub key: Option<ObjectKey>,
}

/// An object's neighbourhood.
#[derive(Debug, Clone)]
pub struct TopologyView {
    /// The object in the middle.
    pub focus: ObjectKey,
    /// What relates to it.
    pub neighbours: Vec<Neighbour>,
    /// The selected neighbour.
    pub selected: usize,
    /// The first shown.
    pub offset: usize,
    /// The cache generation it was computed at.
    pub generation: u64,
}

/// The live health summary.
#[derive(Debug, Clone, Default)]
pub struct HealthView {
    /// The report's lines.
    pub lines: Vec<String>,
    /// Their health, for colour.
    pub health: Vec<Health>,
    /// The first line shown.
    pub scroll: usize,
    /// The cache generation it was computed at (`None`: never).
    pub generation: Option<u64>,
    /// When it was computed (it is recomputed at most once a second).
    pub computed: Option<std::time::Instant>,
}

/// The containers of a pod.
#[derive(Debug, Clone)]
pub struct ContainersView {
    /// The pod.
    pub pod: ObjectKey,
    /// The selected container.
    pub selected: usize,
}

/// One screen of the stack.
#[derive(Debug, Clone)]
pub enum View {
    /// Objects.
    Table(TableView),
    /// Describe, YAML, help, audit, history, a diff.
    Text(TextView),
    /// A container's log.
    Logs(LogsView),
    /// An object's neighbourhood.
    Topology(TopologyView),
    /// The health summary.
    Health(HealthView),
    /// A pod's containers.
    Containers(ContainersView),
}
