//! The generated files: snapshots for one template, the manifests read back by
//! korral-core, and how writing treats files edited by hand.

use korral_cluster::generate::{self, Change, HEADER, Plan, STATE_FILE};

use super::util;

#[test]
fn production_full_files_snapshot() {
    let tree = util::tree(&util::cluster("production_full"));
    let listing: Vec<&str> = tree.files.keys().map(String::as_str).collect();
    insta::assert_snapshot!("production_full_listing", listing.join("\n"));
    // The roles and playbooks are the embedded templates as they are; the files made
    // from cluster.yaml are what differs between clusters.
    for path in [
        "ansible/inventory.yml",
        "ansible/group_vars/all.yml",
        "gitops/clusters/homelab/flux-system/gotk-sync.yaml",
        "gitops/clusters/homelab/flux-system/kustomization.yaml",
        "gitops/clusters/homelab/infrastructure.yaml",
        "gitops/clusters/homelab/apps.yaml",
        "gitops/infrastructure/kustomization.yaml",
        "manifests/security/namespaces.yaml",
        "manifests/security/network-policies.yaml",
        "manifests/gpu/runtime-class.yaml",
        "manifests/gpu/time-slicing-config.yaml",
        "manifests/gpu/nvidia-device-plugin.yaml",
    ] {
        let name = path.replace('/', "__");
        insta::assert_snapshot!(name, tree.files[path]);
    }
}

#[test]
fn airgapped_registry_files_name_the_local_folder_and_mirrors() {
    let tree = util::tree(&util::cluster("airgapped_enterprise"));
    insta::assert_snapshot!(
        "airgapped_enterprise_group_vars",
        tree.files["ansible/group_vars/all.yml"]
    );
}

#[test]
fn every_file_starts_with_the_header() {
    for name in util::TEMPLATES {
        let tree = util::tree(&util::cluster(name));
        for (path, content) in &tree.files {
            let first = content.lines().next().unwrap();
            assert!(
                first.contains(HEADER),
                "{name}: {path} starts with {first:?}"
            );
        }
    }
}

#[test]
fn secrets_are_referenced_never_inline() {
    let tree = util::tree(&util::cluster("production_full"));
    let vars = &tree.files["ansible/group_vars/all.yml"];
    assert!(
        vars.contains("korral_tailscale_auth_key_env: !unsafe TS_AUTHKEY"),
        "{vars}"
    );
    let tree = util::tree(&util::cluster("airgapped_enterprise"));
    let vars = &tree.files["ansible/group_vars/all.yml"];
    assert!(
        vars.contains("password_file: !unsafe /etc/korral/registry-password"),
        "{vars}"
    );
}

#[test]
fn manifests_and_the_flux_tree_load_as_kubernetes_objects() {
    let dir = tempfile::tempdir().unwrap();
    util::write(&util::cluster("production_full"), dir.path());
    let set = korral_core::Loader::new()
        .path(dir.path().join("manifests"))
        .path(dir.path().join("gitops/clusters"))
        .load()
        .unwrap();
    let mut objects: Vec<String> = set
        .objects()
        .iter()
        .map(|object| {
            format!(
                "{} {}/{}",
                object.kind(),
                object.namespace().unwrap_or("-"),
                object.name()
            )
        })
        .collect();
    objects.sort();
    insta::assert_snapshot!(objects.join("\n"), @r"
    ConfigMap kube-system/nvidia-device-plugin-config
    DaemonSet kube-system/nvidia-device-plugin-default
    DaemonSet kube-system/nvidia-device-plugin-replicas-4
    GitRepository flux-system/flux-system
    Kustomization flux-system/apps
    Kustomization flux-system/flux-system
    Kustomization flux-system/infrastructure
    Namespace -/apps
    Namespace -/monitoring
    NetworkPolicy apps/allow-dns
    NetworkPolicy apps/default-deny
    NetworkPolicy monitoring/allow-dns
    NetworkPolicy monitoring/default-deny
    RuntimeClass -/nvidia
    ");
}

#[test]
fn no_gpus_and_no_gitops_means_no_such_files() {
    let tree = util::tree(&util::cluster("minimal_dev"));
    assert!(
        !tree
            .files
            .keys()
            .any(|path| path.starts_with("gitops/") || path.starts_with("manifests/")),
        "{:?}",
        tree.files.keys().collect::<Vec<_>>()
    );
    assert!(tree.files["ansible/group_vars/all.yml"].contains("korral_gitops_enabled: false"));
}

#[test]
fn a_gitops_path_outside_the_repository_is_refused() {
    let mut cluster = util::cluster("production_full");
    cluster.spec.gitops.as_mut().unwrap().path = "../elsewhere".into();
    let err = generate::generate(&cluster, &util::options()).unwrap_err();
    assert!(
        err.to_string()
            .contains("`spec.gitops.path` is `../elsewhere`"),
        "{err}"
    );
}

#[test]
fn hand_edited_files_are_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let mut cluster = util::cluster("production_full");
    util::write(&cluster, out);
    assert!(out.join(STATE_FILE).is_file());

    // An edit by hand, then a change in cluster.yaml that touches the same file.
    let inventory = out.join("ansible/inventory.yml");
    let edited = std::fs::read_to_string(&inventory).unwrap() + "# my note\n";
    std::fs::write(&inventory, &edited).unwrap();
    cluster.spec.nodes[0].address = "192.168.1.99".into();
    let tree = util::tree(&cluster);
    let plan = Plan::new(&tree, out).unwrap();
    let changes: Vec<_> = plan
        .entries
        .iter()
        .filter(|entry| entry.change != Change::Unchanged)
        .map(|entry| (entry.path.as_str(), entry.change.clone()))
        .collect();
    assert_eq!(changes, [("ansible/inventory.yml", Change::HandEdited)]);
    assert!(!plan.has_changes(false));
    assert!(plan.diff(false).is_empty());
    let report = plan.write(false).unwrap();
    assert_eq!(report.kept, ["ansible/inventory.yml"]);
    assert_eq!(std::fs::read_to_string(&inventory).unwrap(), edited);

    // Still hand-edited on the next run: the state keeps korral's last hash.
    let plan = Plan::new(&tree, out).unwrap();
    assert_eq!(plan.hand_edited().count(), 1);
    let diff = plan.diff(true);
    assert!(diff.contains("--- a/ansible/inventory.yml"), "{diff}");
    assert!(diff.contains("-# my note"), "{diff}");
    assert!(
        diff.contains("+              ansible_host: !unsafe \"192.168.1.99\""),
        "{diff}"
    );
    let report = plan.write(true).unwrap();
    assert_eq!(report.written, ["ansible/inventory.yml"]);
    assert_eq!(
        std::fs::read_to_string(&inventory).unwrap(),
        tree.files["ansible/inventory.yml"]
    );
}

#[test]
fn files_no_longer_generated_are_deleted_unless_edited() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let mut cluster = util::cluster("production_full");
    util::write(&cluster, out);
    let edited = out.join("manifests/gpu/runtime-class.yaml");
    std::fs::write(&edited, "# mine\n").unwrap();

    // Without GPU nodes, the GPU manifests are no longer generated.
    cluster.spec.nodes.retain(|node| node.gpu.is_none());
    let plan = Plan::new(&util::tree(&cluster), out).unwrap();
    let diff = plan.diff(false);
    assert!(
        diff.contains("--- a/manifests/gpu/nvidia-device-plugin.yaml\n+++ /dev/null"),
        "{diff}"
    );
    let report = plan.write(false).unwrap();
    assert_eq!(
        report.deleted,
        [
            "manifests/gpu/nvidia-device-plugin.yaml",
            "manifests/gpu/time-slicing-config.yaml"
        ]
    );
    assert_eq!(report.kept, ["manifests/gpu/runtime-class.yaml"]);
    assert!(edited.is_file());
    assert!(!out.join("manifests/gpu/time-slicing-config.yaml").exists());

    let report = Plan::new(&util::tree(&cluster), out)
        .unwrap()
        .write(true)
        .unwrap();
    assert_eq!(report.deleted, ["manifests/gpu/runtime-class.yaml"]);
    assert!(
        !out.join("manifests/gpu").exists(),
        "the empty folder is removed"
    );
}

#[test]
fn a_dry_run_diff_shows_new_files_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let tree = util::tree(&util::cluster("minimal_dev"));
    let plan = Plan::new(&tree, dir.path()).unwrap();
    let diff = plan.diff(false);
    assert!(
        diff.contains("--- /dev/null\n+++ b/ansible/inventory.yml\n"),
        "{diff}"
    );
    assert!(diff.contains("+            dev1:\n"), "{diff}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_state_file_that_is_not_korral_s_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".korral")).unwrap();
    std::fs::write(dir.path().join(STATE_FILE), "not json").unwrap();
    let err = Plan::new(&util::tree(&util::cluster("minimal_dev")), dir.path()).unwrap_err();
    assert!(err.to_string().contains("generated.json"), "{err}");
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[test]
fn state_file_paths_outside_the_output_are_never_read_nor_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("repo/generated");
    let cluster = util::cluster("minimal_dev");
    util::write(&cluster, &out);
    // Files outside the output folder, listed in the (committed, so untrusted) state
    // file with their true hashes: korral would take them for its own stale files.
    let above = dir.path().join("repo/victim.txt");
    let absolute = dir.path().join("absolute.txt");
    std::fs::write(&above, "above\n").unwrap();
    std::fs::write(&absolute, "absolute\n").unwrap();
    let state_path = out.join(STATE_FILE);
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();
    let files = state["files"].as_object_mut().unwrap();
    for (path, text) in [
        ("../victim.txt", "above\n"),
        ("ansible/../../victim.txt", "above\n"),
        (absolute.to_str().unwrap(), "absolute\n"),
    ] {
        files.insert(path.to_owned(), sha256(text).into());
    }
    std::fs::write(&state_path, serde_json::to_string(&state).unwrap()).unwrap();

    let plan = Plan::new(&util::tree(&cluster), &out).unwrap();
    assert_eq!(plan.ignored.len(), 3, "{:?}", plan.ignored);
    assert!(
        plan.entries
            .iter()
            .all(|entry| !entry.path.contains("..") && !entry.path.starts_with('/')),
        "{:?}",
        plan.entries.iter().map(|e| &e.path).collect::<Vec<_>>()
    );
    assert!(!plan.diff(true).contains("above"));
    let report = plan.write(true).unwrap();
    assert!(report.deleted.is_empty(), "{report:?}");
    assert_eq!(std::fs::read_to_string(&above).unwrap(), "above\n");
    assert_eq!(std::fs::read_to_string(&absolute).unwrap(), "absolute\n");
    // The ignored paths are not carried into the new state file.
    let written = std::fs::read_to_string(&state_path).unwrap();
    assert!(!written.contains("victim"), "{written}");
}

#[cfg(unix)]
#[test]
fn generate_never_reads_or_writes_through_a_symbolic_link() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("secret"), "not korral's\n").unwrap();
    let tree = util::tree(&util::cluster("minimal_dev"));

    // A folder of the tree that is a link: refused before anything is written.
    std::os::unix::fs::symlink(&elsewhere, out.join("ansible")).unwrap();
    let err = Plan::new(&tree, &out).unwrap_err();
    assert!(matches!(err, generate::WriteError::Link { .. }), "{err}");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 1);
    std::fs::remove_file(out.join("ansible")).unwrap();

    // A file that is a link: its target is neither shown in a diff nor replaced.
    util::write(&util::cluster("minimal_dev"), &out);
    let inventory = out.join("ansible/inventory.yml");
    std::fs::remove_file(&inventory).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("secret"), &inventory).unwrap();
    let err = Plan::new(&tree, &out).unwrap_err();
    assert!(matches!(err, generate::WriteError::Link { .. }), "{err}");
    assert_eq!(
        std::fs::read_to_string(elsewhere.join("secret")).unwrap(),
        "not korral's\n"
    );

    // The output folder itself.
    let linked = dir.path().join("linked");
    std::os::unix::fs::symlink(&elsewhere, &linked).unwrap();
    let err = Plan::new(&tree, &linked).unwrap_err();
    assert!(matches!(err, generate::WriteError::Link { .. }), "{err}");
}
