use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use korral_core::ObjectKey;

use super::*;
use crate::fixture::{app, object};

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let effects = app.on_key(KeyEvent::from(code));
    app.prepare();
    effects
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    let effects = app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    app.prepare();
    effects
}

fn typed(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(press(app, KeyCode::Char(c)));
    }
    effects
}

fn command(app: &mut App, text: &str) {
    typed(app, &format!(":{text}"));
    press(app, KeyCode::Enter);
}

fn names(app: &App) -> Vec<String> {
    match app.view() {
        View::Table(t) => t.rows.iter().map(|k| k.name.clone()).collect(),
        other => panic!("not a table: {other:?}"),
    }
}

fn pod(ns: &str, name: &str) -> ObjectKey {
    ObjectKey::new("", "Pod", Some(ns), name)
}

#[test]
fn pods_of_every_namespace_sorted_by_namespace_and_name() {
    let mut app = app(100, 20);
    app.prepare();
    assert_eq!(names(&app), ["db-0", "web-a", "web-b"]);
    assert_eq!(app.cache.unhealthy_pods(), 1);
}

#[test]
fn the_command_bar_opens_kinds_by_short_name() {
    let mut app = app(100, 20);
    command(&mut app, "deploy");
    assert_eq!(names(&app), ["web"]);
    command(&mut app, "svc");
    assert_eq!(names(&app), ["web"]);
    command(&mut app, "ns");
    assert_eq!(names(&app), ["default", "shop"]);
    command(&mut app, "events");
    assert_eq!(names(&app), ["web-b.1"]);
    command(&mut app, "nothing");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("no kind `nothing`")
    );
    command(&mut app, "po default");
    assert_eq!(names(&app), ["db-0"]);
    assert_eq!(app.namespace.as_deref(), Some("default"));
    command(&mut app, "q");
    assert!(app.quit);
}

#[test]
fn escape_leaves_the_command_bar_without_running_it() {
    let mut app = app(100, 20);
    typed(&mut app, ":deploy");
    assert!(matches!(&app.mode, Mode::Command(t) if t == "deploy"));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.mode, Mode::Normal));
    assert_eq!(names(&app), ["db-0", "web-a", "web-b"]);
}

#[test]
fn the_filter_narrows_as_it_is_typed_and_escape_clears_it() {
    let mut app = app(100, 20);
    typed(&mut app, "/web-");
    assert_eq!(names(&app), ["web-a", "web-b"]);
    typed(&mut app, "b");
    assert_eq!(names(&app), ["web-b"]);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.mode, Mode::Normal));
    assert_eq!(names(&app), ["web-b"]);
    press(&mut app, KeyCode::Esc);
    assert_eq!(names(&app), ["db-0", "web-a", "web-b"]);
}

#[test]
fn filters_take_regexes_inversions_and_label_selectors() {
    let mut app = app(100, 20);
    typed(&mut app, "/crash|pending");
    assert_eq!(names(&app), ["web-b"], "matched on the STATUS cell too");
    press(&mut app, KeyCode::Esc);
    typed(&mut app, "/!web");
    assert_eq!(names(&app), ["db-0"]);
    press(&mut app, KeyCode::Esc);
    typed(&mut app, "/-l app=db");
    assert_eq!(names(&app), ["db-0"]);
    press(&mut app, KeyCode::Esc);
    // Not a regex: taken literally, no panic.
    typed(&mut app, "/web-(");
    assert!(names(&app).is_empty());
}

#[test]
fn moving_keeps_within_the_rows() {
    let mut app = app(100, 20);
    app.prepare();
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(app.selected_key(), Some(pod("shop", "web-b")));
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.selected_key(), Some(pod("shop", "web-a")));
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(app.selected_key(), Some(pod("default", "db-0")));
    press(&mut app, KeyCode::Char('G'));
    assert_eq!(app.selected_key(), Some(pod("shop", "web-b")));
}

#[test]
fn the_selection_follows_its_object_when_rows_move() {
    let mut app = app(100, 20);
    app.prepare();
    press(&mut app, KeyCode::Char('G'));
    assert_eq!(app.selected_key(), Some(pod("shop", "web-b")));
    // A pod sorting before it arrives.
    let added = object(
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"aaa","namespace":"default"},"status":{"phase":"Running"}}"#,
    );
    app.update(Update::Objects {
        resource: Resource::new("v1", "Pod", "pods", true),
        change: Change::Upsert(crate::cache::Entry::new(added)),
    });
    app.prepare();
    assert_eq!(names(&app), ["aaa", "db-0", "web-a", "web-b"]);
    assert_eq!(app.selected_key(), Some(pod("shop", "web-b")));
}

#[test]
fn shift_letters_sort_by_column_and_again_reverse() {
    let mut app = app(100, 20);
    press(&mut app, KeyCode::Char('T'));
    assert_eq!(names(&app), ["db-0", "web-a", "web-b"], "restarts 0, 0, 7");
    press(&mut app, KeyCode::Char('T'));
    assert_eq!(names(&app)[0], "web-b");
    press(&mut app, KeyCode::Char('A'));
    assert_eq!(names(&app), ["db-0", "web-a", "web-b"], "oldest first");
    press(&mut app, KeyCode::Char('S'));
    assert_eq!(
        names(&app),
        ["db-0", "web-b", "web-a"],
        "ContainerCreating, CrashLoopBackOff, Running"
    );
}

#[test]
fn number_keys_switch_to_favourite_namespaces() {
    let mut app = app(100, 20);
    command(&mut app, "po shop");
    assert_eq!(app.favourites, ["shop", "default"]);
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(app.namespace.as_deref(), Some("default"));
    assert_eq!(names(&app), ["db-0"]);
    press(&mut app, KeyCode::Char('0'));
    assert_eq!(app.namespace, None);
    assert_eq!(names(&app).len(), 3);
}

#[test]
fn enter_drills_from_namespace_to_workloads_to_pods_to_containers_to_logs() {
    let mut app = app(100, 20);
    command(&mut app, "ns");
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.selected_key().unwrap().name, "shop");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.namespace.as_deref(), Some("shop"));
    assert_eq!(names(&app), ["migrate", "web"]);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(names(&app), ["web-a", "web-b"], "the Deployment's selector");
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view(), View::Containers(c) if c.pod.name == "web-b"));
    press(&mut app, KeyCode::Char('j'));
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&effects[..], [Effect::Logs { pod, container, .. }] if pod == "web-b" && container == "proxy"),
        "{effects:?}"
    );
    // Esc walks back the whole way, ending the log stream first.
    assert_eq!(press(&mut app, KeyCode::Esc), [Effect::StopLogs]);
    press(&mut app, KeyCode::Esc);
    assert_eq!(names(&app), ["web-a", "web-b"]);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert_eq!(names(&app), ["default", "shop"]);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.stack.len(), 1, "the first view stays");
}

#[test]
fn a_service_drills_into_the_pods_it_selects() {
    let mut app = app(100, 20);
    command(&mut app, "svc");
    press(&mut app, KeyCode::Enter);
    assert_eq!(names(&app), ["web-a", "web-b"]);
}

#[test]
fn describe_and_yaml_open_and_escape_goes_back() {
    let mut app = app(100, 20);
    app.prepare();
    press(&mut app, KeyCode::Char('G'));
    press(&mut app, KeyCode::Char('d'));
    let View::Text(text) = app.view() else {
        panic!()
    };
    assert_eq!(text.kind, TextKind::Describe);
    assert!(text.lines.iter().any(|l| l.contains("CrashLoopBackOff")));
    assert!(
        text.lines
            .iter()
            .any(|l| l.contains("Back-off restarting failed container web")),
        "its events"
    );
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('y'));
    let View::Text(text) = app.view() else {
        panic!()
    };
    assert_eq!(text.kind, TextKind::Yaml);
    assert!(text.lines.iter().any(|l| l.contains("name: web-b")));
}

#[test]
fn a_secrets_yaml_holds_no_value_and_it_cannot_be_edited() {
    let mut app = app(100, 20);
    command(&mut app, "secret");
    press(&mut app, KeyCode::Char('y'));
    let View::Text(text) = app.view() else {
        panic!()
    };
    let all = text.lines.join("\n");
    assert!(
        !all.contains("aHVudGVyMg") && all.contains("sha256:"),
        "{all}"
    );
    press(&mut app, KeyCode::Esc);
    assert!(press(&mut app, KeyCode::Char('e')).is_empty());
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("never shows Secrets")
    );
}

#[test]
fn delete_and_kill_ask_first() {
    let mut app = app(100, 20);
    app.prepare();
    assert!(ctrl(&mut app, 'd').is_empty());
    assert!(
        matches!(&app.mode, Mode::Confirm { prompt, .. } if prompt.starts_with("Delete Pod/default/db-0"))
    );
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert!(matches!(app.mode, Mode::Normal));
    ctrl(&mut app, 'k');
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        [Effect::Delete {
            key: pod("default", "db-0"),
            force: true
        }]
    );
}

#[test]
fn edit_history_and_logs_ask_the_driver() {
    let mut app = app(100, 20);
    app.prepare();
    assert_eq!(
        press(&mut app, KeyCode::Char('e')),
        [Effect::Edit(pod("default", "db-0"))]
    );
    assert_eq!(
        press(&mut app, KeyCode::Char('h')),
        [Effect::History(pod("default", "db-0"))]
    );
    let effects = press(&mut app, KeyCode::Char('l'));
    assert!(matches!(&effects[..], [Effect::Logs { container, .. }] if container == "db"));
}

#[test]
fn files_are_read_only() {
    let mut app = app(100, 20);
    app.cluster.live = false;
    app.prepare();
    assert!(press(&mut app, KeyCode::Char('e')).is_empty());
    assert!(ctrl(&mut app, 'd').is_empty());
    assert!(matches!(app.mode, Mode::Normal));
    assert!(press(&mut app, KeyCode::Char('l')).is_empty());
    assert!(app.message.as_ref().unwrap().0.contains("live cluster"));
}

#[test]
fn an_edits_diff_waits_for_yes() {
    let mut app = app(100, 20);
    let key = ObjectKey::new("apps", "Deployment", Some("shop"), "web");
    let object = serde_json::json!({"kind": "Deployment"});
    app.update(Update::EditDiff {
        key: key.clone(),
        diff: vec!["-  replicas: 2".to_owned(), "+  replicas: 3".to_owned()],
        object: object.clone(),
    });
    assert!(matches!(app.view(), View::Text(t) if t.kind == TextKind::Diff));
    press(&mut app, KeyCode::Down);
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        [Effect::Apply { key, object }]
    );
    assert!(matches!(app.view(), View::Table(_)));
}

#[test]
fn logs_follow_wrap_timestamps_and_containers() {
    let mut app = app(100, 10);
    app.prepare();
    press(&mut app, KeyCode::Char('G'));
    let effects = press(&mut app, KeyCode::Char('l'));
    let [Effect::Logs { id, .. }] = effects[..] else {
        panic!("{effects:?}")
    };
    let lines: Vec<String> = (0..20).map(|i| format!("line {i}")).collect();
    app.update(Update::LogLines { id, lines });
    app.update(Update::LogLines {
        id: id + 100,
        lines: vec!["from an old stream".to_owned()],
    });
    let View::Logs(logs) = app.view() else {
        panic!()
    };
    assert_eq!(logs.lines.len(), 20);
    assert!(logs.follow);
    press(&mut app, KeyCode::Char('k'));
    let View::Logs(logs) = app.view() else {
        panic!()
    };
    assert!(!logs.follow, "scrolling up stops following");
    press(&mut app, KeyCode::Char('w'));
    let effects = press(&mut app, KeyCode::Char('t'));
    assert!(
        matches!(&effects[..], [Effect::Logs { timestamps: true, container, .. }] if container == "web")
    );
    let effects = press(&mut app, KeyCode::Char('c'));
    assert!(matches!(&effects[..], [Effect::Logs { container, .. }] if container == "proxy"));
    let View::Logs(logs) = app.view() else {
        panic!()
    };
    assert!(logs.wrap && logs.follow && logs.lines.is_empty());
}

#[test]
fn help_lists_the_keys_of_the_view() {
    let mut app = app(100, 20);
    press(&mut app, KeyCode::Char('?'));
    let View::Text(text) = app.view() else {
        panic!()
    };
    for key in ["ctrl-d", "ctrl-k", "shift-letter", "1-9", "Enter", "/"] {
        assert!(
            text.lines.iter().any(|l| l.starts_with(key)),
            "{key}: {:?}",
            text.lines
        );
    }
}

#[test]
fn topology_lists_neighbours_and_enter_moves_there() {
    let mut app = app(100, 20);
    command(&mut app, "svc");
    press(&mut app, KeyCode::Char('t'));
    let View::Topology(t) = app.view() else {
        panic!()
    };
    let ids: Vec<&str> = t.neighbours.iter().map(|n| n.id.as_str()).collect();
    assert!(
        ids.contains(&"Pod/shop/web-a") && ids.contains(&"Pod/shop/web-b"),
        "{ids:?}"
    );
    press(&mut app, KeyCode::Enter);
    let View::Topology(t) = app.view() else {
        panic!()
    };
    assert_eq!(t.focus.kind, "Pod");
}

#[test]
fn health_shows_the_status_report() {
    let mut app = app(100, 20);
    command(&mut app, "health");
    let View::Health(h) = app.view() else {
        panic!()
    };
    assert!(
        h.lines
            .iter()
            .any(|l| l.contains("web-b") && l.contains("CrashLoopBackOff")),
        "{:?}",
        h.lines
    );
}

#[test]
fn audit_lists_the_findings_of_the_object() {
    let mut app = app(100, 20);
    app.prepare();
    press(&mut app, KeyCode::Char('G'));
    press(&mut app, KeyCode::Char('i'));
    let View::Text(text) = app.view() else {
        panic!()
    };
    assert_eq!(text.kind, TextKind::Audit);
    assert!(
        text.lines.iter().any(|l| l.contains("fix:")),
        "{:?}",
        text.lines
    );
}

#[test]
fn the_mouse_wheel_moves_and_a_click_selects() {
    let mut app = app(100, 20);
    app.prepare();
    let mouse = |kind, row| MouseEvent {
        kind,
        column: 5,
        row,
        modifiers: KeyModifiers::NONE,
    };
    app.on_mouse(mouse(MouseEventKind::ScrollDown, 5));
    assert_eq!(app.selected_key(), Some(pod("shop", "web-b")));
    // Header 2 lines, border 1, column header 1: the second row is at line 5.
    app.on_mouse(mouse(MouseEventKind::Down(MouseButton::Left), 5));
    assert_eq!(app.selected_key(), Some(pod("shop", "web-a")));
}

#[test]
fn young_rows_on_screen_wake_the_loop_every_second_else_every_half_minute() {
    let mut app = app(100, 20);
    app.prepare();
    assert_eq!(
        app.next_wake(),
        Some(std::time::Duration::from_secs(1)),
        "web-b is 45 s old"
    );
    command(&mut app, "deploy");
    assert_eq!(app.next_wake(), Some(std::time::Duration::from_secs(30)));
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(
        app.next_wake(),
        None,
        "a describe waits for a key or a change"
    );
}

#[test]
fn quit_keys() {
    let mut app = app(100, 20);
    ctrl(&mut app, 'c');
    assert!(app.quit);
    let mut app = crate::fixture::app(100, 20);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
    // Typed into the filter, `q` is a letter.
    let mut app = crate::fixture::app(100, 20);
    typed(&mut app, "/q");
    assert!(!app.quit);
}

#[test]
fn a_deleted_object_leaves_the_table_and_the_unhealthy_count() {
    let mut app = app(100, 20);
    app.update(Update::Objects {
        resource: Resource::new("v1", "Pod", "pods", true),
        change: Change::Delete(pod("shop", "web-b")),
    });
    app.prepare();
    assert_eq!(names(&app), ["db-0", "web-a"]);
    assert_eq!(app.cache.unhealthy_pods(), 0);
}
