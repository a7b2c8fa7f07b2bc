//! cluster.yaml values are data, never Jinja: a value that reaches the generated
//! inventory and group variables must not run on the Ansible controller, and a line
//! break in a K3s argument must not add a line to the systemd unit the role writes.
//!
//! Validation refuses such values (see `validate_text` and the CLI tests); here it is
//! bypassed at the model level, so that generation alone is tested: the real
//! `ansible-playbook` reads the generated inventory and `group_vars`, uses every
//! variable (a dump of `hostvars`, the registries looped as the role loops them) and
//! renders the real `k3s.service.j2` with the server arguments. No marker file may
//! appear.

use std::path::Path;
use std::process::Command;

use korral_cluster::spec::{Cluster, Mirror, RegistryConfig, SecretRef, Ssh};

use super::util;

/// A Jinja expression that creates `marker` when Ansible renders it.
fn jinja(marker: &Path) -> String {
    format!("{{{{ lookup('pipe', 'touch {}') }}}}", marker.display())
}

/// The production template (Tailscale, GitOps, a GPU) with registries and airgap paths
/// added, and every free-text field holding `evil`.
fn hostile(evil: &str, unit_breaker: &str) -> Cluster {
    let mut cluster = util::template("production_full");
    let spec = &mut cluster.spec;
    spec.k3s.server_args = vec!["--disable=traefik".into(), evil.into(), unit_breaker.into()];
    spec.k3s.agent_args = vec![evil.into()];
    spec.airgap = Some(korral_cluster::spec::Airgap {
        local_path: Some(evil.into()),
        bundle: Some(evil.into()),
        keyring: Some(evil.into()),
    });
    spec.network.cluster_cidr = Some(evil.into());
    let tailscale = spec.network.tailscale.as_mut().unwrap();
    tailscale.tailnet = Some(evil.into());
    tailscale.auth_key = Some(SecretRef::File(evil.into()));
    for node in &mut spec.nodes {
        node.ssh = Some(Ssh {
            user: Some(evil.into()),
            port: Some(22),
            key: Some(evil.into()),
        });
        node.hostname = Some(evil.into());
        node.taints.push(evil.into());
        node.labels.insert("korral.io/x".into(), evil.into());
    }
    let gitops = spec.gitops.as_mut().unwrap();
    gitops.branch = evil.into();
    gitops.repository = evil.into();
    let mut registries = korral_cluster::spec::Registries::default();
    registries.mirrors.insert(
        evil.into(),
        Mirror {
            endpoints: vec![evil.into()],
        },
    );
    registries.configs.insert(
        evil.into(),
        RegistryConfig {
            username: Some(evil.into()),
            password: Some(SecretRef::Env(evil.into())),
            ca_file: Some(evil.into()),
            insecure_skip_verify: false,
        },
    );
    spec.registries = Some(registries);
    cluster
}

const PROBE: &str = r#"---
- name: Use every variable korral wrote
  hosts: all
  gather_facts: false
  connection: local
  tasks:
    - name: Every host variable, group variables included
      ansible.builtin.debug:
        var: hostvars[inventory_hostname]
    - name: The registries, looped as the k3s_install role loops them
      ansible.builtin.debug:
        msg: "{{ item.host }} {{ item }}"
      loop: "{{ k3s_registries.mirrors + k3s_registries.configs }}"
    - name: The registries.yaml the role writes
      ansible.builtin.template:
        src: roles/k3s_install/templates/registries.yaml.j2
        dest: "{{ probe_unit }}.registries"
        mode: "0644"
      run_once: true
    - name: The K3s unit, rendered by the role's own template
      ansible.builtin.template:
        src: roles/k3s_service/templates/k3s.service.j2
        dest: "{{ probe_unit }}"
        mode: "0644"
      vars:
        k3s_service_command: server
        k3s_service_args: "{{ k3s_server_args }}"
      run_once: true
"#;

#[test]
fn cluster_values_reach_ansible_as_data_and_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("evaluated");
    let unit_marker = dir.path().join("unit-line");
    let unit = dir.path().join("k3s.service");
    let evil = jinja(&marker);
    let unit_breaker = format!(
        "--node-label=a=b\nExecStartPre=/bin/sh -c 'touch {}'",
        unit_marker.display()
    );
    let out = dir.path().join("out");
    util::write(&hostile(&evil, &unit_breaker), &out);
    let ansible = out.join("ansible");
    std::fs::write(ansible.join("probe.yml"), PROBE).unwrap();

    let output = Command::new("ansible-playbook")
        .args(["-i", "inventory.yml", "probe.yml", "-e"])
        .arg(format!("probe_unit={}", unit.display()))
        // The template module runs on this machine: with the controller's own Python.
        .args([
            "-e",
            "ansible_python_interpreter={{ ansible_playbook_python }}",
        ])
        .env("ANSIBLE_NOCOLOR", "1")
        .current_dir(&ansible)
        .output()
        .expect("ansible-playbook is not on PATH: run scripts/test, which installs ansible-core");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{log}");
    assert!(
        !marker.exists(),
        "a cluster.yaml value ran as a Jinja template on the controller:\n{log}"
    );
    // The values did reach Ansible, as text.
    assert!(log.contains("lookup('pipe', 'touch"), "{log}");

    let unit = std::fs::read_to_string(&unit).unwrap();
    let directives: Vec<&str> = unit
        .lines()
        .filter(|line| line.starts_with("Exec"))
        .collect();
    assert_eq!(
        directives,
        [
            "ExecStartPre=-/sbin/modprobe br_netfilter",
            "ExecStartPre=-/sbin/modprobe overlay",
            directives.last().copied().unwrap_or_default(),
        ],
        "an argument added a directive to the unit:\n{unit}"
    );
    let exec_start = directives.last().unwrap();
    assert!(
        exec_start.starts_with("ExecStart=/usr/local/bin/k3s server "),
        "{unit}"
    );
    // One double-quoted systemd word per argument; the line break written `\n`.
    assert!(
        exec_start.contains(r#" "--node-label=a=b\nExecStartPre=/bin/sh -c 'touch "#),
        "{exec_start}"
    );
    assert!(!unit_marker.exists());
}
