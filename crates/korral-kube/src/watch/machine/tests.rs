use std::time::Duration;

use korral_core::{FileId, Object, Source};

use super::*;

fn target() -> Target {
    Target {
        context: "prod".to_owned(),
        server: "https://10.0.0.1:6443".to_owned(),
    }
}

fn pod(name: &str, rv: &str) -> Object {
    let json = format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","namespace":"shop","resourceVersion":"{rv}"}}}}"#
    );
    Object::from_json(
        &json,
        Source {
            file: FileId(0),
            line: 0,
        },
    )
    .unwrap()
}

fn api(code: u16) -> Error {
    target().status_error(
        &RequestAction {
            verb: "watch",
            resource: "pods",
            namespace: Some("shop"),
        },
        code,
        "message",
    )
}

fn unreachable() -> Error {
    Error::Unreachable {
        server: "https://10.0.0.1:6443".to_owned(),
        context: "prod".to_owned(),
        reason: "connection refused".to_owned(),
    }
}

fn page(items: Vec<Object>, rv: &str, continue_token: Option<&str>) -> Outcome {
    Outcome::Page {
        items,
        resource_version: Some(rv.to_owned()),
        continue_token: continue_token.map(str::to_owned),
    }
}

fn error_event(code: u16, reason: &str) -> Outcome {
    Outcome::Event(RawEvent::Error {
        code,
        reason: reason.to_owned(),
        error: api(code),
    })
}

/// What a step yielded, in a comparable form.
fn shown(step: &Step) -> String {
    match &step.emit {
        None => "-".to_owned(),
        Some(Ok(event)) => describe(event),
        Some(Err(err)) => format!("error {}", err.status_code().unwrap_or(0)),
    }
}

fn describe(event: &WatchEvent) -> String {
    let one = |o: &Object| {
        format!(
            "{}@{}",
            o.name(),
            o.metadata().resource_version.as_deref().unwrap_or("")
        )
    };
    match event {
        WatchEvent::Added(o) => format!("added {}", one(o)),
        WatchEvent::Modified(o) => format!("modified {}", one(o)),
        WatchEvent::Deleted(o) => format!("deleted {}", one(o)),
        WatchEvent::Restarted(all) => format!(
            "restarted [{}]",
            all.iter().map(one).collect::<Vec<_>>().join(" ")
        ),
    }
}

fn machine(rv: Option<&str>) -> Machine {
    Machine::new(target(), "pods".to_owned(), rv.map(str::to_owned))
}

/// A machine that has listed `items` at resourceVersion 10 and opened a watch.
fn watching(items: Vec<Object>) -> Machine {
    let mut m = machine(None);
    m.on(page(items, "10", None));
    m.on(Outcome::Opened);
    assert_eq!(m.action(), Action::ReadEvent);
    m
}

fn open_watch(rv: &str) -> Action {
    Action::OpenWatch {
        resource_version: rv.to_owned(),
    }
}

fn list_page(token: Option<&str>) -> Action {
    Action::ListPage {
        continue_token: token.map(str::to_owned),
    }
}

#[test]
fn backoff_doubles_to_thirty_seconds_and_resets() {
    let mut backoff = Backoff::default();
    let waits: Vec<u128> = (0..12).map(|_| backoff.fail().as_millis()).collect();
    assert_eq!(
        waits,
        [
            100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000
        ]
    );
    backoff.reset();
    assert_eq!(backoff.fail(), Duration::from_millis(100));
}

#[test]
fn starts_with_a_list_or_from_the_given_version() {
    assert_eq!(machine(None).action(), list_page(None));
    assert_eq!(machine(Some("")).action(), list_page(None));
    assert_eq!(machine(Some("42")).action(), open_watch("42"));
}

#[test]
fn paged_list_is_one_restarted_event_then_a_watch_from_its_version() {
    let mut m = machine(None);
    let step = m.on(page(vec![pod("a", "1")], "10", Some("t1")));
    assert_eq!(shown(&step), "-");
    assert_eq!(m.action(), list_page(Some("t1")));
    let step = m.on(page(vec![pod("b", "2")], "10", None));
    assert_eq!(shown(&step), "restarted [a@1 b@2]");
    assert_eq!(step.wait, None);
    assert_eq!(m.action(), open_watch("10"));
}

#[test]
fn failed_page_is_retried_with_backoff_from_the_same_token() {
    let mut m = machine(None);
    m.on(page(vec![pod("a", "1")], "10", Some("t1")));
    let step = m.on(Outcome::Failed(unreachable()));
    assert_eq!(shown(&step), "error 0");
    assert_eq!(step.wait, Some(Duration::from_millis(100)));
    assert_eq!(m.action(), list_page(Some("t1")));
    let step = m.on(Outcome::Failed(api(503)));
    assert_eq!(shown(&step), "error 503");
    assert_eq!(step.wait, Some(Duration::from_millis(200)));
    // The pages read before the failure are kept.
    let step = m.on(page(vec![pod("b", "2")], "10", None));
    assert_eq!(shown(&step), "restarted [a@1 b@2]");
    // Success reset the backoff.
    m.on(Outcome::Failed(unreachable()));
    let step = m.on(Outcome::Failed(unreachable()));
    assert_eq!(step.wait, Some(Duration::from_millis(200)));
}

#[test]
fn expired_continue_token_starts_the_list_over() {
    let mut m = machine(None);
    m.on(page(vec![pod("a", "1")], "10", Some("t1")));
    let step = m.on(Outcome::Failed(api(410)));
    assert_eq!(shown(&step), "-");
    assert_eq!(m.action(), list_page(None));
    let step = m.on(page(vec![pod("b", "3")], "20", None));
    // `a` was from the abandoned list: the new one is the whole truth.
    assert_eq!(shown(&step), "restarted [b@3]");
    assert_eq!(m.action(), open_watch("20"));
}

#[test]
fn permanent_errors_end_the_stream() {
    for code in [401, 403, 404, 400] {
        // While listing…
        let mut m = machine(None);
        assert_eq!(
            shown(&m.on(Outcome::Failed(api(code)))),
            format!("error {code}")
        );
        assert_eq!(m.action(), Action::Stop);
        // …opening…
        let mut m = machine(Some("5"));
        assert_eq!(
            shown(&m.on(Outcome::Failed(api(code)))),
            format!("error {code}")
        );
        assert_eq!(m.action(), Action::Stop);
        // …and watching, as an ERROR event or a failed read.
        let mut m = watching(vec![]);
        assert_eq!(shown(&m.on(error_event(code, ""))), format!("error {code}"));
        assert_eq!(m.action(), Action::Stop);
        let mut m = watching(vec![]);
        assert_eq!(
            shown(&m.on(Outcome::Failed(api(code)))),
            format!("error {code}")
        );
        assert_eq!(m.action(), Action::Stop);
        // Nothing moves a stopped machine.
        assert_eq!(shown(&m.on(page(vec![pod("a", "1")], "1", None))), "-");
        assert_eq!(shown(&m.on(Outcome::Opened)), "-");
        assert_eq!(m.action(), Action::Stop);
    }
}

#[test]
fn a_list_without_resource_version_cannot_be_watched() {
    let mut m = machine(None);
    let step = m.on(Outcome::Page {
        items: vec![],
        resource_version: None,
        continue_token: None,
    });
    let Some(Err(err)) = step.emit else {
        panic!("expected an error")
    };
    assert!(
        err.to_string().contains("no `metadata.resourceVersion`"),
        "{err}"
    );
    assert_eq!(m.action(), Action::Stop);
}

#[test]
fn opening_failures_retry_or_relist() {
    let mut m = machine(Some("5"));
    let step = m.on(Outcome::Failed(unreachable()));
    assert_eq!(shown(&step), "error 0");
    assert_eq!(step.wait, Some(Duration::from_millis(100)));
    assert_eq!(m.action(), open_watch("5"));
    let step = m.on(Outcome::Failed(api(410)));
    assert_eq!(shown(&step), "-");
    assert_eq!(m.action(), list_page(None));
}

#[test]
fn events_advance_the_resource_version_and_are_passed_on() {
    let mut m = watching(vec![pod("a", "1")]);
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Added(pod("b", "11"))))),
        "added b@11"
    );
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Modified(pod("a", "12"))))),
        "modified a@12"
    );
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Deleted(pod("b", "13"))))),
        "deleted b@13"
    );
    let step = m.on(Outcome::Ended);
    assert_eq!(step.wait, None);
    assert_eq!(m.action(), open_watch("13"));
}

#[test]
fn bookmarks_advance_the_resource_version_silently() {
    let mut m = watching(vec![]);
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Bookmark("99".to_owned())))),
        "-"
    );
    // An empty bookmark keeps the version known.
    m.on(Outcome::Event(RawEvent::Bookmark(String::new())));
    m.on(Outcome::Ended);
    assert_eq!(m.action(), open_watch("99"));
}

#[test]
fn repeated_events_are_passed_on_once() {
    let mut m = watching(vec![pod("a", "1")]);
    // The list already said a@1.
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Added(pod("a", "1"))))),
        "-"
    );
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Modified(pod("a", "2"))))),
        "modified a@2"
    );
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Modified(pod("a", "2"))))),
        "-"
    );
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Deleted(pod("a", "3"))))),
        "deleted a@3"
    );
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Deleted(pod("a", "3"))))),
        "-"
    );
    // Deleting what the list never had is a repeat too.
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Deleted(pod("zz", "4"))))),
        "-"
    );
    // Recreated under the same name: new.
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Added(pod("a", "5"))))),
        "added a@5"
    );
}

#[test]
fn without_a_list_unknown_deletions_are_passed_on() {
    let mut m = machine(Some("5"));
    m.on(Outcome::Opened);
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Deleted(pod("a", "6"))))),
        "deleted a@6"
    );
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Deleted(pod("a", "6"))))),
        "-"
    );
}

/// Regression (found by `repeats_are_swallowed`): without a list, the deletion of
/// an object the watch had seen was passed on twice when repeated.
#[test]
fn without_a_list_a_repeated_deletion_of_a_seen_object_is_passed_on_once() {
    let mut m = machine(Some("5"));
    m.on(Outcome::Opened);
    m.on(Outcome::Event(RawEvent::Added(pod("a", "6"))));
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Deleted(pod("a", "7"))))),
        "deleted a@7"
    );
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Deleted(pod("a", "7"))))),
        "-"
    );
}

#[test]
fn gone_while_watching_relists_and_restarts_with_the_full_set() {
    for gone in [
        error_event(410, "Expired"),
        error_event(0, "Expired"),
        error_event(500, "Gone"),
        Outcome::Failed(api(410)),
    ] {
        let mut m = watching(vec![pod("a", "1"), pod("b", "2")]);
        m.on(Outcome::Event(RawEvent::Deleted(pod("b", "11"))));
        let step = m.on(gone);
        assert_eq!(shown(&step), "-");
        assert_eq!(m.action(), list_page(None));
        let step = m.on(page(vec![pod("a", "30"), pod("c", "31")], "40", None));
        assert_eq!(shown(&step), "restarted [a@30 c@31]");
        assert_eq!(m.action(), open_watch("40"));
        // The known set is the new list's: a@30 again is a repeat, b is gone.
        m.on(Outcome::Opened);
        assert_eq!(
            shown(&m.on(Outcome::Event(RawEvent::Modified(pod("a", "30"))))),
            "-"
        );
        assert_eq!(
            shown(&m.on(Outcome::Event(RawEvent::Deleted(pod("b", "41"))))),
            "-"
        );
    }
}

#[test]
fn transient_failures_while_watching_resume_from_the_last_version() {
    for failure in [
        error_event(500, "InternalError"),
        error_event(429, "TooManyRequests"),
        Outcome::Failed(unreachable()),
        Outcome::Failed(api(503)),
    ] {
        let mut m = watching(vec![]);
        m.on(Outcome::Event(RawEvent::Added(pod("a", "12"))));
        let step = m.on(failure);
        assert!(shown(&step).starts_with("error"), "{}", shown(&step));
        // The event just before reset the backoff.
        assert_eq!(step.wait, Some(Duration::from_millis(100)));
        assert_eq!(m.action(), open_watch("12"));
    }
}

#[test]
fn backoff_grows_across_reconnects_until_something_arrives() {
    let mut m = machine(Some("5"));
    let mut waits = Vec::new();
    for _ in 0..3 {
        waits.push(
            m.on(Outcome::Failed(unreachable()))
                .wait
                .unwrap()
                .as_millis(),
        );
    }
    m.on(Outcome::Opened);
    // An opened watch that ends with nothing delivered does not reset it.
    waits.push(m.on(Outcome::Ended).wait.unwrap().as_millis());
    assert_eq!(waits, [100, 200, 400, 800]);
    m.on(Outcome::Opened);
    m.on(Outcome::Event(RawEvent::Bookmark("6".to_owned())));
    assert_eq!(m.on(Outcome::Ended).wait, None);
    assert_eq!(
        m.on(Outcome::Failed(unreachable())).wait,
        Some(Duration::from_millis(100))
    );
}

#[test]
fn outcomes_that_do_not_fit_the_state_change_nothing() {
    let mut m = machine(None);
    assert_eq!(shown(&m.on(Outcome::Opened)), "-");
    assert_eq!(shown(&m.on(Outcome::Ended)), "-");
    assert_eq!(
        shown(&m.on(Outcome::Event(RawEvent::Added(pod("a", "1"))))),
        "-"
    );
    assert_eq!(m.action(), list_page(None));
    let mut m = watching(vec![]);
    assert_eq!(shown(&m.on(page(vec![pod("a", "1")], "1", None))), "-");
    assert_eq!(m.action(), Action::ReadEvent);
}

/// Every state meets every kind of outcome: a permanent error always stops, 410
/// always relists from scratch, and a transient error never loses the position.
#[test]
fn every_state_handles_every_failure() {
    type Make = fn() -> Machine;
    let states: [(&str, Make); 4] = [
        ("listing", || machine(None)),
        ("listing page 2", || {
            let mut m = machine(None);
            m.on(page(vec![pod("a", "1")], "10", Some("t")));
            m
        }),
        ("resuming", || machine(Some("7"))),
        ("watching", || watching(vec![pod("a", "1")])),
    ];
    for (name, make) in states {
        let before = make().action();
        let position = |a: &Action| match a {
            Action::ReadEvent => open_watch("10"),
            other => other.clone(),
        };

        let mut m = make();
        m.on(Outcome::Failed(api(403)));
        assert_eq!(m.action(), Action::Stop, "{name}: 403");

        let mut m = make();
        let step = m.on(Outcome::Failed(api(410)));
        assert!(step.emit.is_none(), "{name}: 410 emits nothing");
        assert_eq!(m.action(), list_page(None), "{name}: 410");

        for transient in [unreachable(), api(500), api(429)] {
            let mut m = make();
            let step = m.on(Outcome::Failed(transient));
            assert!(matches!(step.emit, Some(Err(_))), "{name}: transient emits");
            assert!(step.wait.is_some(), "{name}: transient waits");
            assert_eq!(
                m.action(),
                position(&before),
                "{name}: transient keeps place"
            );
        }
    }
}

#[test]
fn failure_kinds() {
    assert_eq!(FailureKind::of(&api(410)), FailureKind::Gone);
    for code in [0, 408, 429, 500, 502, 503, 504] {
        assert_eq!(
            FailureKind::of(&api(code)),
            FailureKind::Transient,
            "{code}"
        );
    }
    for code in [400, 401, 403, 404, 405, 422] {
        assert_eq!(
            FailureKind::of(&api(code)),
            FailureKind::Permanent,
            "{code}"
        );
    }
    assert_eq!(FailureKind::of(&unreachable()), FailureKind::Transient);
    let cut = Error::WatchInterrupted {
        resource: "pods".to_owned(),
        context: "prod".to_owned(),
        reason: "connection reset".to_owned(),
    };
    assert_eq!(FailureKind::of(&cut), FailureKind::Transient);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// A watch event for one of a few pods at one of a few versions.
    fn event() -> impl Strategy<Value = (u8, u8, u8)> {
        (0..3u8, 0..4u8, 1..20u8)
    }

    fn raw((kind, name, rv): (u8, u8, u8)) -> Outcome {
        let object = pod(&format!("p{name}"), &rv.to_string());
        Outcome::Event(match kind {
            0 => RawEvent::Added(object),
            1 => RawEvent::Modified(object),
            _ => RawEvent::Deleted(object),
        })
    }

    fn run(mut m: Machine, events: &[(u8, u8, u8)], twice: bool) -> Vec<String> {
        let mut shown_events = Vec::new();
        for &e in events {
            shown_events.push(shown(&m.on(raw(e))));
            if twice {
                // The repeat must be swallowed.
                assert_eq!(shown(&m.on(raw(e))), "-");
            }
        }
        shown_events
    }

    proptest! {
        /// An event delivered twice in a row (as around a reconnect) is passed on
        /// once, whether the watch began with a list or from a resourceVersion.
        #[test]
        fn repeats_are_swallowed(events in proptest::collection::vec(event(), 0..40)) {
            let listed = || watching(vec![pod("p0", "1"), pod("p1", "1")]);
            prop_assert_eq!(run(listed(), &events, false), run(listed(), &events, true));
            let resumed = || {
                let mut m = machine(Some("1"));
                m.on(Outcome::Opened);
                m
            };
            prop_assert_eq!(run(resumed(), &events, false), run(resumed(), &events, true));
        }

        /// Whatever happens, the machine never loses its place: after any events and
        /// a dropped connection it resumes from the last resourceVersion it saw.
        #[test]
        fn resumes_from_the_last_version_seen(events in proptest::collection::vec(event(), 1..40)) {
            let mut m = watching(vec![]);
            for &e in &events {
                m.on(raw(e));
            }
            m.on(Outcome::Failed(unreachable()));
            let last = events.last().unwrap().2.to_string();
            prop_assert_eq!(m.action(), open_watch(&last));
        }
    }
}
