use super::*;

fn parse(text: &str) -> Vec<Event> {
    let mut parser = Parser::default();
    text.lines().filter_map(|line| parser.line(line)).collect()
}

#[test]
fn plays_tasks_results_and_the_recap_are_read() {
    let events = parse(
        r#"
PLAY [Prepare every node] ******************************************************

TASK [Gathering Facts] *********************************************************
ok: [cp1]
ok: [gpu1 -> localhost]

TASK [prerequisites : Install the packages K3s needs] **************************
changed: [cp1]
skipping: [gpu1]
ok: [cp1] => (item=6443/tcp)
failed: [gpu1] (item=8472/udp) => {"changed": false, "msg": "ufw refused"}
fatal: [gpu1]: FAILED! => {"changed": false, "msg": "gpu1 has 256 MiB of memory"}
fatal: [w2]: UNREACHABLE! => {"changed": false, "msg": "Failed to connect to the host via ssh", "unreachable": true}

RUNNING HANDLER [prerequisites : Apply sysctls] ********************************
changed: [cp1]

PLAY RECAP *********************************************************************
cp1                        : ok=3    changed=2    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
gpu1                       : ok=1    changed=0    unreachable=0    failed=1    skipped=1    rescued=0    ignored=0
"#,
    );
    let host = |host: &str, status, item: Option<&str>, message: Option<&str>| Event::Host {
        host: host.into(),
        status,
        item: item.map(Into::into),
        message: message.map(Into::into),
    };
    assert_eq!(
        events,
        vec![
            Event::Play("Prepare every node".into()),
            Event::Task("Gathering Facts".into()),
            host("cp1", Status::Ok, None, None),
            host("gpu1", Status::Ok, None, None),
            Event::Task("prerequisites : Install the packages K3s needs".into()),
            host("cp1", Status::Changed, None, None),
            host("gpu1", Status::Skipped, None, None),
            host("cp1", Status::Ok, Some("6443/tcp"), None),
            host(
                "gpu1",
                Status::Failed,
                Some("8472/udp"),
                Some("ufw refused")
            ),
            host(
                "gpu1",
                Status::Failed,
                None,
                Some("gpu1 has 256 MiB of memory")
            ),
            host(
                "w2",
                Status::Unreachable,
                None,
                Some("Failed to connect to the host via ssh")
            ),
            Event::Task("prerequisites : Apply sysctls".into()),
            host("cp1", Status::Changed, None, None),
            Event::Summary(HostSummary {
                host: "cp1".into(),
                ok: 3,
                changed: 2,
                ..HostSummary::default()
            }),
            Event::Summary(HostSummary {
                host: "gpu1".into(),
                ok: 1,
                failed: 1,
                skipped: 1,
                ..HostSummary::default()
            }),
        ]
    );
}

#[test]
fn other_lines_are_not_events() {
    assert!(
        parse(
            "included: /x/tasks/internet.yml for cp1, w1\n\
             [WARNING]: Could not match supplied host pattern\n\
             Sunday 22 November 2026  07:00:00 +0000 (0:00:00.010)\n\
             ...ignoring\n"
        )
        .is_empty()
    );
}

#[test]
fn a_failed_summary_line_fails_the_outcome() {
    let ok = HostSummary {
        host: "a".into(),
        ok: 1,
        ..HostSummary::default()
    };
    let unreachable = HostSummary {
        host: "b".into(),
        unreachable: 1,
        ..HostSummary::default()
    };
    let outcome = |summary, code| Outcome {
        exit_code: Some(code),
        summary,
        log: PathBuf::new(),
    };
    assert!(outcome(vec![ok.clone()], 0).succeeded());
    assert!(!outcome(vec![ok.clone(), unreachable], 4).succeeded());
    assert!(!outcome(vec![ok], 2).succeeded());
}

#[test]
fn the_command_passes_check_limit_and_tags_through() {
    let dir = tempfile::tempdir().unwrap();
    let missing = command(&Options {
        dir: dir.path().to_owned(),
        ..Options::default()
    });
    assert!(matches!(missing, Err(Error::NotGenerated(_))));

    std::fs::create_dir_all(dir.path().join("ansible")).unwrap();
    std::fs::write(dir.path().join("ansible/inventory.yml"), "all: {}\n").unwrap();
    let command = command(&Options {
        dir: dir.path().to_owned(),
        playbook: Playbook::AddNode,
        check: true,
        diff: false,
        limit: Some("gpu1".into()),
        tags: vec!["prerequisites".into(), "k3s".into()],
        extra_args: vec!["-v".into()],
    })
    .unwrap();
    let args: Vec<_> = command.get_args().map(|a| a.to_string_lossy()).collect();
    assert_eq!(
        args,
        [
            "-i",
            "inventory.yml",
            "add_node.yml",
            "--check",
            "--limit",
            "gpu1",
            "--tags",
            "prerequisites,k3s",
            "-v"
        ]
    );
    assert_eq!(
        command.get_current_dir(),
        Some(dir.path().join("ansible").as_path())
    );
}
