//! What each key and mouse event does, view by view (k9s's keys where k9s has them).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use korral_core::terminal::escape;
use korral_core::{LabelSelector, LabelSelectorSpec, ObjectKey};

use super::{App, Effect, Level, Mode};
use crate::command::{self, NamespaceArg, Target};
use crate::describe;
use crate::row::pod_parts;
use crate::view::{Drill, Filter, TableSource, TextKind, TextView, View};

/// The keys of the tables.
const TABLE_KEYS: &[(&str, &str)] = &[
    (
        ":",
        "command: a kind (po, deploy, svc, ns, events, any CRD), wk, health, q",
    ),
    (
        "/",
        "filter rows: a regex, !REGEX to invert, -l SELECTOR for labels",
    ),
    (
        "Enter",
        "drill down: namespace → workloads → pods → containers → logs",
    ),
    ("Esc", "clear the filter, else back"),
    ("j k ↑ ↓", "move"),
    ("g G", "first, last row"),
    ("PgUp PgDn ctrl-b ctrl-f", "page up, page down"),
    ("d", "describe"),
    ("y", "YAML (Secrets' values hidden)"),
    ("e", "edit in $EDITOR, then apply with a diff first"),
    ("l", "logs of a pod"),
    ("t", "topology: what the object relates to"),
    ("h", "history from the store of korral serve"),
    ("i", "audit findings of the object"),
    ("ctrl-d", "delete (asks first)"),
    (
        "ctrl-k",
        "kill: delete at once, grace period 0 (asks first)",
    ),
    (
        "shift-letter",
        "sort by the column starting with it (N name, A age, S status, T restarts, O node); again to reverse",
    ),
    ("0", "every namespace"),
    ("1-9", "favourite namespaces (shown in the header)"),
    ("s, shift-f", "shell and port-forward: not in this version"),
    ("?", "this help"),
    ("q ctrl-c", "quit"),
];

const TEXT_KEYS: &[(&str, &str)] = &[
    ("j k ↑ ↓", "scroll"),
    ("g G", "top, bottom"),
    ("PgUp PgDn", "page"),
    ("Esc", "back"),
    ("?", "this help"),
    ("q ctrl-c", "quit"),
];

const LOG_KEYS: &[(&str, &str)] = &[
    ("f", "follow: stay at the newest line"),
    ("w", "wrap long lines"),
    ("t", "timestamps"),
    ("c", "next container"),
    ("j k ↑ ↓ PgUp PgDn", "scroll (stops following)"),
    ("g G", "oldest line; newest line (follows again)"),
    ("Esc", "back"),
    ("?", "this help"),
    ("q ctrl-c", "quit"),
];

const TOPOLOGY_KEYS: &[(&str, &str)] = &[
    ("Enter", "go to the selected object's neighbourhood"),
    ("d", "describe the selected object"),
    ("y", "YAML of the selected object"),
    ("j k ↑ ↓", "move"),
    ("Esc", "back"),
    ("?", "this help"),
    ("q ctrl-c", "quit"),
];

const CONTAINER_KEYS: &[(&str, &str)] = &[
    ("Enter l", "logs of the container"),
    ("j k ↑ ↓", "move"),
    ("Esc", "back"),
    ("?", "this help"),
    ("q ctrl-c", "quit"),
];

const CONFIRM_KEYS: &[(&str, &str)] = &[("y", "yes"), ("n Esc", "no")];

/// The keys of `view`, as the help lists them.
pub fn help(view: &View) -> &'static [(&'static str, &'static str)] {
    match view {
        View::Table(_) => TABLE_KEYS,
        View::Text(t) if t.kind == TextKind::Diff => CONFIRM_KEYS,
        View::Text(_) | View::Health(_) => TEXT_KEYS,
        View::Logs(_) => LOG_KEYS,
        View::Topology(_) => TOPOLOGY_KEYS,
        View::Containers(_) => CONTAINER_KEYS,
    }
}

fn is_ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

impl App {
    /// What a key does. Returns the effects for the driver to carry out.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if is_ctrl(&key, 'c') {
            self.quit = true;
            return Vec::new();
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => {
                self.message = None;
                self.normal_key(key)
            }
            Mode::Command(text) => self.command_key(key, text),
            Mode::Filter(text) => self.filter_key(key, text),
            Mode::Confirm { prompt, effect } => match key.code {
                KeyCode::Char('y' | 'Y') => {
                    if matches!(self.view(), View::Text(t) if t.kind == TextKind::Diff) {
                        self.stack.pop();
                    }
                    vec![effect]
                }
                KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                    if matches!(self.view(), View::Text(t) if t.kind == TextKind::Diff) {
                        self.stack.pop();
                    }
                    self.say("cancelled", Level::Info);
                    Vec::new()
                }
                // Scrolling a diff while it waits for an answer.
                _ => {
                    self.text_key(key);
                    self.mode = Mode::Confirm { prompt, effect };
                    Vec::new()
                }
            },
        }
    }

    fn command_key(&mut self, key: KeyEvent, mut text: String) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => self.run_command(&text),
            KeyCode::Backspace => {
                if text.pop().is_some() {
                    self.mode = Mode::Command(text);
                }
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                text.push(c);
                self.mode = Mode::Command(text);
            }
            _ => self.mode = Mode::Command(text),
        }
        Vec::new()
    }

    fn run_command(&mut self, text: &str) {
        let parsed = match command::parse(text, &self.resources()) {
            Ok(parsed) => parsed,
            Err(message) => {
                self.say(&message, Level::Error);
                return;
            }
        };
        match parsed.namespace {
            NamespaceArg::Keep => {}
            NamespaceArg::All => self.use_namespace(None),
            NamespaceArg::One(ns) => self.use_namespace(Some(ns)),
        }
        match parsed.target {
            Target::Quit => self.quit = true,
            Target::Kind(resource) => {
                self.open_table(TableSource::Kind((resource.group, resource.kind)));
            }
            Target::Workloads => self.open_table(TableSource::Workloads),
            Target::Health => self.open_health(),
            Target::Help => self.open_help(),
        }
    }

    fn filter_key(&mut self, key: KeyEvent, mut text: String) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => self.set_filter(""),
            KeyCode::Enter => {}
            KeyCode::Backspace => {
                text.pop();
                self.set_filter(&text);
                self.mode = Mode::Filter(text);
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                text.push(c);
                self.set_filter(&text);
                self.mode = Mode::Filter(text);
            }
            _ => self.mode = Mode::Filter(text),
        }
        Vec::new()
    }

    /// Filters the current table; a selector still being typed that does not parse
    /// leaves the rows as they were.
    fn set_filter(&mut self, text: &str) {
        let parsed = Filter::parse(text);
        if let View::Table(table) = self.view_mut() {
            match parsed {
                Ok(filter) => {
                    table.filter = filter;
                    table.selected = 0;
                    table.offset = 0;
                    table.selected_key = None;
                    self.message = None;
                }
                Err(message) => self.message = Some((message, Level::Error)),
            }
        }
    }

    fn open_help(&mut self) {
        let keys = help(self.view());
        let width = keys
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0)
            + 3;
        let lines = keys
            .iter()
            .map(|(k, what)| format!("{k:<width$}{what}"))
            .collect();
        self.push_text(TextKind::Help, " help ".to_owned(), None, lines);
    }

    fn normal_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Char('q') if key.modifiers.difference(KeyModifiers::SHIFT).is_empty() => {
                self.quit = true;
                return Vec::new();
            }
            KeyCode::Char(':') => {
                self.mode = Mode::Command(String::new());
                return Vec::new();
            }
            KeyCode::Char('?') => {
                if !matches!(self.view(), View::Text(t) if t.kind == TextKind::Help) {
                    self.open_help();
                }
                return Vec::new();
            }
            _ => {}
        }
        match self.view() {
            View::Table(_) => self.table_key(key),
            View::Logs(_) => self.logs_key(key),
            View::Topology(_) => self.topology_key(key),
            View::Containers(_) => self.containers_key(key),
            View::Text(_) | View::Health(_) => {
                if key.code == KeyCode::Esc {
                    self.back()
                } else {
                    self.text_key(key);
                    Vec::new()
                }
            }
        }
    }

    /// Esc: one view back (the last view stays).
    fn back(&mut self) -> Vec<Effect> {
        if self.stack.len() > 1 {
            let left = self.stack.pop();
            if matches!(left, Some(View::Logs(_))) {
                return vec![Effect::StopLogs];
            }
        }
        Vec::new()
    }

    fn table_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let page = self.areas().table_rows().max(1) as isize;
        let selected = self.selected_key();
        let View::Table(table) = self.view_mut() else {
            return Vec::new();
        };
        if is_ctrl(&key, 'f') {
            table.select(page);
            return Vec::new();
        }
        if is_ctrl(&key, 'b') {
            table.select(-page);
            return Vec::new();
        }
        if is_ctrl(&key, 'd') || is_ctrl(&key, 'k') {
            let force = is_ctrl(&key, 'k');
            return self.confirm_delete(selected, force);
        }
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => table.select(1),
            KeyCode::Up | KeyCode::Char('k') => table.select(-1),
            KeyCode::PageDown => table.select(page),
            KeyCode::PageUp => table.select(-page),
            KeyCode::Home | KeyCode::Char('g') => table.select_at(0),
            KeyCode::End | KeyCode::Char('G') => table.select_at(usize::MAX),
            KeyCode::Char('/') => {
                let text = table
                    .filter
                    .as_ref()
                    .map(|f| f.text.clone())
                    .unwrap_or_default();
                self.mode = Mode::Filter(text);
            }
            KeyCode::Esc => {
                if table.filter.is_some() {
                    table.filter = None;
                } else {
                    return self.back();
                }
            }
            KeyCode::Enter => return self.drill(selected),
            KeyCode::Char(c @ '0'..='9') => {
                let index = usize::from(c as u8 - b'0');
                if index == 0 {
                    self.use_namespace(None);
                } else if let Some(ns) = self.favourites.get(index - 1).cloned() {
                    self.use_namespace(Some(ns));
                }
            }
            KeyCode::Char(c) if c.is_ascii_uppercase() && !matches!(c, 'G' | 'F') => {
                self.sort_by(c);
            }
            _ => return self.object_key(key, selected),
        }
        Vec::new()
    }

    /// Keys on one object, in a table or a topology: describe, YAML, edit, logs,
    /// topology, history, audit.
    fn object_key(&mut self, key: KeyEvent, selected: Option<ObjectKey>) -> Vec<Effect> {
        let Some(object) = selected else {
            if matches!(
                key.code,
                KeyCode::Char('d' | 'y' | 'e' | 'l' | 't' | 'h' | 'i')
            ) {
                self.say("no row selected", Level::Error);
            }
            return Vec::new();
        };
        let shown = escape(&object.to_string()).into_owned();
        match key.code {
            KeyCode::Char('d') => {
                let lines = describe::describe(&self.cache, &object, self.now);
                self.push_text(
                    TextKind::Describe,
                    format!(" describe {shown} "),
                    Some(object),
                    lines,
                );
            }
            KeyCode::Char('y') => {
                if let Some(entry) = self.cache.get(&object) {
                    let lines = describe::yaml(&entry.object);
                    self.push_text(
                        TextKind::Yaml,
                        format!(" yaml {shown} "),
                        Some(object),
                        lines,
                    );
                }
            }
            KeyCode::Char('e') => {
                if !self.cluster.live {
                    self.say(
                        "edit needs a live cluster; these objects were read from files",
                        Level::Error,
                    );
                } else if object.group.is_empty() && object.kind == "Secret" {
                    self.say(
                        "korral never shows Secrets' values, so it cannot edit them; use kubectl edit",
                        Level::Error,
                    );
                } else {
                    return vec![Effect::Edit(object)];
                }
            }
            KeyCode::Char('l') => {
                if object.group.is_empty() && object.kind == "Pod" {
                    return self.open_logs(&object, None);
                }
                self.say(
                    "logs are for pods: Enter shows the pods of a workload",
                    Level::Error,
                );
            }
            KeyCode::Char('t') => self.open_topology(object),
            KeyCode::Char('h') => {
                if self.cluster.live {
                    return vec![Effect::History(object)];
                }
                self.say(
                    "history needs a live cluster recorded by korral serve",
                    Level::Error,
                );
            }
            KeyCode::Char('i') => self.open_audit(&object),
            KeyCode::Char('s') => self.say(
                "shell (s) is not in this version; use kubectl exec -it",
                Level::Error,
            ),
            KeyCode::Char('F') => self.say(
                "port-forward (shift-f) is not in this version; use kubectl port-forward",
                Level::Error,
            ),
            _ => {}
        }
        Vec::new()
    }

    fn confirm_delete(&mut self, selected: Option<ObjectKey>, force: bool) -> Vec<Effect> {
        let Some(key) = selected else {
            return Vec::new();
        };
        if !self.cluster.live {
            self.say(
                "these objects were read from files: nothing can be deleted",
                Level::Error,
            );
            return Vec::new();
        }
        let verb = if force {
            "Kill (grace period 0)"
        } else {
            "Delete"
        };
        self.mode = Mode::Confirm {
            prompt: format!("{verb} {}? (y/n)", escape(&key.to_string())),
            effect: Effect::Delete { key, force },
        };
        Vec::new()
    }

    /// Sort by the column that `letter` names (again: reverse).
    fn sort_by(&mut self, letter: char) {
        let namespace = self.namespace.clone();
        let App { cache, stack, .. } = self;
        let Some(View::Table(table)) = stack.last_mut() else {
            return;
        };
        let columns = table.columns(cache, namespace.as_deref());
        let special = match letter {
            'T' => Some("RESTARTS"),
            'O' => Some("NODE"),
            _ => None,
        };
        let found = columns.iter().position(|c| match special {
            Some(name) => c.name == name,
            None => c.name.starts_with(letter),
        });
        if let Some(column) = found {
            table.sort = match table.sort {
                Some((c, descending)) if c == column => Some((c, !descending)),
                _ => Some((column, false)),
            };
        }
    }

    /// Enter in a table.
    fn drill(&mut self, selected: Option<ObjectKey>) -> Vec<Effect> {
        let Some(key) = selected else {
            return Vec::new();
        };
        let Some(entry) = self.cache.get(&key) else {
            return Vec::new();
        };
        let value = entry.object.raw().to_value();
        let shown = format!("{}/{}", key.kind.to_ascii_lowercase(), escape(&key.name));
        let pods = || (String::new(), "Pod".to_owned());
        let drill = match (key.group.as_str(), key.kind.as_str()) {
            ("", "Namespace") => {
                self.use_namespace(Some(key.name.clone()));
                self.stack.push(View::Table(crate::view::TableView::new(
                    TableSource::Workloads,
                )));
                return Vec::new();
            }
            ("", "Pod") => {
                self.open_containers(key);
                return Vec::new();
            }
            ("", "Node") => (pods(), Drill::Node(key.name.clone())),
            ("batch", "CronJob") => match entry.object.metadata().uid.clone() {
                Some(uid) => (
                    ("batch".to_owned(), "Job".to_owned()),
                    Drill::Owner { uid, title: shown },
                ),
                None => return Vec::new(),
            },
            ("", "Service") => {
                let labels: std::collections::BTreeMap<String, String> = value
                    .pointer("/spec/selector")
                    .and_then(|s| serde_json::from_value(s.clone()).ok())
                    .unwrap_or_default();
                if labels.is_empty() {
                    self.say("this Service selects no pods", Level::Info);
                    return Vec::new();
                }
                (
                    pods(),
                    Self::selects(&key, LabelSelector::from_labels(&labels), shown),
                )
            }
            _ => {
                let spec: Option<LabelSelectorSpec> = value
                    .pointer("/spec/selector")
                    .and_then(|s| serde_json::from_value(s.clone()).ok());
                match spec.map(|s| LabelSelector::from_spec(&s)) {
                    Some(Ok(selector)) if !selector.is_empty() => {
                        (pods(), Self::selects(&key, selector, shown))
                    }
                    _ => {
                        // Nothing to drill into: describe it, as k9s does.
                        return self.object_key(KeyEvent::from(KeyCode::Char('d')), Some(key));
                    }
                }
            }
        };
        let mut table = crate::view::TableView::new(TableSource::Kind(drill.0));
        table.drill = Some(drill.1);
        self.stack.push(View::Table(table));
        Vec::new()
    }

    fn selects(key: &ObjectKey, selector: LabelSelector, title: String) -> Drill {
        Drill::Selects {
            namespace: key.namespace.clone().unwrap_or_default(),
            selector,
            title,
        }
    }

    /// Scrolls a text or health view.
    fn text_key(&mut self, key: KeyEvent) {
        let page = self.areas().text_rows().max(1);
        let (scroll, len) = match self.view_mut() {
            View::Text(TextView { scroll, lines, .. }) => (scroll, lines.len()),
            View::Health(h) => (&mut h.scroll, h.lines.len()),
            _ => return,
        };
        let last = len.saturating_sub(page);
        *scroll = match key.code {
            KeyCode::Down | KeyCode::Char('j') => *scroll + 1,
            KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => *scroll + page,
            KeyCode::PageUp => scroll.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => last,
            _ => *scroll,
        }
        .min(last);
    }

    fn logs_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let page = self.areas().text_rows().max(1);
        let View::Logs(logs) = self.view_mut() else {
            return Vec::new();
        };
        let last = logs.lines.len().saturating_sub(page);
        let from = if logs.follow { last } else { logs.scroll };
        match key.code {
            KeyCode::Esc => return self.back(),
            KeyCode::Char('f') => {
                logs.follow = !logs.follow;
                logs.scroll = last;
            }
            KeyCode::Char('w') => logs.wrap = !logs.wrap,
            KeyCode::Char('t') => {
                logs.timestamps = !logs.timestamps;
                return self.restart_logs();
            }
            KeyCode::Char('c') => {
                if logs.containers.len() < 2 {
                    self.say("this pod has one container", Level::Info);
                    return Vec::new();
                }
                let at = logs
                    .containers
                    .iter()
                    .position(|c| *c == logs.container)
                    .unwrap_or(0);
                logs.container = logs.containers[(at + 1) % logs.containers.len()].clone();
                return self.restart_logs();
            }
            KeyCode::Down | KeyCode::Char('j') => {
                logs.follow = false;
                logs.scroll = (from + 1).min(last);
            }
            KeyCode::Up | KeyCode::Char('k') => {
                logs.follow = false;
                logs.scroll = from.saturating_sub(1);
            }
            KeyCode::PageDown => {
                logs.follow = false;
                logs.scroll = (from + page).min(last);
            }
            KeyCode::PageUp => {
                logs.follow = false;
                logs.scroll = from.saturating_sub(page);
            }
            KeyCode::Home | KeyCode::Char('g') => {
                logs.follow = false;
                logs.scroll = 0;
            }
            KeyCode::End | KeyCode::Char('G') => logs.follow = true,
            _ => {}
        }
        Vec::new()
    }

    fn topology_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let selected = self.selected_key();
        let View::Topology(topology) = self.view_mut() else {
            return Vec::new();
        };
        let last = topology.neighbours.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => return self.back(),
            KeyCode::Down | KeyCode::Char('j') => {
                topology.selected = (topology.selected + 1).min(last);
            }
            KeyCode::Up | KeyCode::Char('k') => {
                topology.selected = topology.selected.saturating_sub(1);
            }
            KeyCode::Enter => {
                if let Some(key) = selected.filter(|k| self.cache.get(k).is_some()) {
                    self.open_topology(key);
                } else {
                    self.say(
                        "that object is not in the cluster (a dangling reference)",
                        Level::Error,
                    );
                }
            }
            _ => return self.object_key(key, selected),
        }
        Vec::new()
    }

    fn containers_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let View::Containers(view) = self.view() else {
            return Vec::new();
        };
        let pod = view.pod.clone();
        let names: Vec<String> = self
            .cache
            .get(&pod)
            .map(|e| {
                let parts = pod_parts(&e.object);
                parts
                    .spec
                    .init_containers
                    .iter()
                    .chain(&parts.spec.containers)
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        let View::Containers(view) = self.view_mut() else {
            return Vec::new();
        };
        let last = names.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => return self.back(),
            KeyCode::Down | KeyCode::Char('j') => view.selected = (view.selected + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => view.selected = view.selected.saturating_sub(1),
            KeyCode::Enter | KeyCode::Char('l') => {
                let container = names.get(view.selected).cloned();
                return self.open_logs(&pod, container);
            }
            _ => return self.object_key(key, Some(pod)),
        }
        Vec::new()
    }

    /// What the mouse does: the wheel moves the selection (or scrolls), a click
    /// selects a row.
    pub fn on_mouse(&mut self, mouse: MouseEvent) {
        let body = self.areas().body;
        let delta: isize = match mouse.kind {
            MouseEventKind::ScrollDown => 3,
            MouseEventKind::ScrollUp => -3,
            MouseEventKind::Down(crossterm::event::MouseButton::Left) => 0,
            _ => return,
        };
        let key = if delta > 0 {
            KeyCode::Down
        } else {
            KeyCode::Up
        };
        match self.view() {
            View::Logs(_) => {
                for _ in 0..delta.unsigned_abs() {
                    self.logs_key(KeyEvent::from(key));
                }
                return;
            }
            View::Text(_) | View::Health(_) => {
                for _ in 0..delta.unsigned_abs() {
                    self.text_key(KeyEvent::from(key));
                }
                return;
            }
            _ => {}
        }
        match self.view_mut() {
            View::Table(table) => {
                if delta == 0 {
                    // Border and header rows above the first row.
                    let first = body.y + 2;
                    if mouse.row >= first && mouse.row < body.y + body.height.saturating_sub(1) {
                        let index = table.offset + usize::from(mouse.row - first);
                        if index < table.rows.len() {
                            table.select_at(index);
                        }
                    }
                } else {
                    table.select(delta);
                }
            }
            View::Topology(t) => {
                let last = t.neighbours.len().saturating_sub(1);
                t.selected = t.selected.saturating_add_signed(delta).min(last);
            }
            View::Containers(c) => c.selected = c.selected.saturating_add_signed(delta),
            _ => {}
        }
    }
}
