//! Every view, drawn on ratatui's TestBackend and snapshotted.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::draw;
use crate::app::{App, Update};
use crate::fixture::app;

fn screen(app: &mut App) -> String {
    app.prepare();
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|frame| draw(frame, app)).unwrap();
    terminal.backend().to_string()
}

fn keys(app: &mut App, text: &str) {
    app.prepare();
    for c in text.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        let _ = app.on_key(KeyEvent::from(code));
        app.prepare();
    }
}

#[test]
fn pods_of_every_namespace() {
    let mut app = app(110, 12);
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn deployments_in_a_namespace() {
    let mut app = app(110, 10);
    keys(&mut app, ":deploy shop\n");
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn namespaces() {
    let mut app = app(110, 10);
    keys(&mut app, ":ns\n");
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn workloads_of_a_namespace() {
    let mut app = app(110, 10);
    keys(&mut app, ":ns\nj\n");
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn services_nodes_events_and_secrets() {
    let mut app = app(120, 9);
    keys(&mut app, ":svc\n");
    let services = screen(&mut app);
    keys(&mut app, ":no\n");
    let nodes = screen(&mut app);
    keys(&mut app, ":ev\n");
    let events = screen(&mut app);
    keys(&mut app, ":secret\n");
    let secrets = screen(&mut app);
    insta::assert_snapshot!(format!("{services}\n{nodes}\n{events}\n{secrets}"));
}

#[test]
fn a_filtered_and_sorted_table_while_filtering() {
    let mut app = app(110, 10);
    keys(&mut app, "T/web");
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn describe_of_a_crashing_pod() {
    let mut app = app(110, 30);
    keys(&mut app, "Gd");
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn yaml_of_a_secret_without_its_value() {
    let mut app = app(110, 22);
    keys(&mut app, ":secret\ny");
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn containers_of_a_pod() {
    let mut app = app(110, 9);
    keys(&mut app, "G\n");
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn logs_following_and_ended() {
    let mut app = app(110, 9);
    keys(&mut app, "Gl");
    let crate::view::View::Logs(logs) = app.view() else {
        panic!()
    };
    let id = logs.id;
    let lines = (1..=8).map(|i| format!("line {i}")).collect();
    app.update(Update::LogLines { id, lines });
    app.update(Update::LogEnded {
        id,
        error: Some("container web is waiting to start".to_owned()),
    });
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn topology_of_a_service() {
    let mut app = app(110, 10);
    keys(&mut app, ":svc\nt");
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn health() {
    let mut app = app(120, 14);
    keys(&mut app, ":health\n");
    let text = screen(&mut app);
    insta::assert_snapshot!(text);
}

#[test]
fn history_and_audit() {
    let mut app = app(110, 12);
    app.update(Update::Text {
        kind: crate::view::TextKind::History,
        title: " history ConfigMap/shop/settings ".to_owned(),
        lines: vec![
            "# version 1 · 2026-12-06 10:00:00 UTC · added by kubectl".to_owned(),
            "data:".to_owned(),
            "  mode: slow".to_owned(),
            "# version 2 · 2026-12-06 11:00:00 UTC · modified by korral".to_owned(),
            "-  mode: slow".to_owned(),
            "+  mode: fast".to_owned(),
        ],
    });
    let history = screen(&mut app);
    keys(&mut app, "\u{1b}Gi");
    let audit = screen(&mut app);
    insta::assert_snapshot!(format!("{history}\n{audit}"));
}

#[test]
fn help_of_the_tables() {
    let mut app = app(120, 28);
    keys(&mut app, "?");
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn a_delete_asks_first() {
    let mut app = app(110, 10);
    let _ = app.on_key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL));
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn a_connection_in_trouble_says_so_and_a_tiny_terminal_does_not_panic() {
    let mut app = app(110, 8);
    app.update(Update::Trouble(Some(
        "cannot reach `https://127.0.0.1:1` (context `test`): connection refused".to_owned(),
    )));
    let troubled = screen(&mut app);
    for (w, h) in [(1, 1), (10, 2), (0, 0), (30, 4)] {
        app.size = (w, h);
        app.prepare();
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|frame| draw(frame, &app)).unwrap();
    }
    insta::assert_snapshot!(troubled);
}

#[test]
fn names_with_terminal_controls_are_drawn_escaped() {
    let mut app = app(110, 8);
    app.update(Update::Objects {
        resource: korral_kube::Resource::new("v1", "Pod", "pods", true),
        change: crate::cache::Change::Upsert(crate::cache::Entry::new(crate::fixture::object(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"evil\u001b]0;pwned\u0007","namespace":"shop"},"status":{"phase":"Running"}}"#,
        ))),
    });
    let text = screen(&mut app);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text}"
    );
    assert!(text.contains("evil\\e]0;pwned\\u{7}"), "{text}");
}
