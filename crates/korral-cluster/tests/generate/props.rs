//! Property tests over generated clusters: the inventory reads back to the nodes,
//! generating twice changes nothing, and a node added later gets the same host
//! configuration as in a full generate.

use std::collections::BTreeMap;

use korral_cluster::generate::{self, HostVars, Plan, host_vars};
use korral_cluster::spec::{self, Cluster, Node, Role};
use proptest::prelude::*;

use super::util;

fn node() -> impl Strategy<Value = Node> {
    (
        "[a-z][a-z0-9]{0,6}",
        (1u8..=254, 1u8..=254),
        any::<bool>(),
        proptest::option::of(1u8..=254),
        proptest::collection::btree_map("[a-z]{1,5}(\\.io/[a-z]{1,4})?", "[a-z0-9]{0,5}", 0..3),
        proptest::collection::vec("[a-z]{1,5}=[a-z]{1,3}:(NoSchedule|NoExecute)", 0..2),
        proptest::option::of((1u32..4, proptest::option::of(1u32..8))),
        proptest::option::of(("[a-z]{1,6}", proptest::option::of(1u16..65535))),
        proptest::option::of("[1-9][0-9]{0,2}m"),
    )
        .prop_map(
            |(name, (a, b), control, tailscale, labels, taints, gpu, ssh, cpu)| Node {
                name,
                hostname: None,
                address: format!("10.0.{a}.{b}"),
                tailscale_ip: tailscale.map(|t| format!("100.64.0.{t}")),
                role: if control {
                    Role::ControlPlane
                } else {
                    Role::Worker
                },
                labels,
                taints,
                gpu: gpu.map(|(count, replicas)| spec::Gpu {
                    vendor: spec::GpuVendor::Nvidia,
                    count,
                    time_slicing: replicas.map(|replicas| spec::TimeSlicing { replicas }),
                }),
                reserved: cpu.map(|cpu| spec::Reserved {
                    cpu: Some(cpu),
                    memory: None,
                }),
                ssh: ssh.map(|(user, port)| spec::Ssh {
                    user: Some(user),
                    port,
                    key: None,
                }),
            },
        )
}

fn cluster() -> impl Strategy<Value = Cluster> {
    (proptest::collection::vec(node(), 1..6), any::<bool>()).prop_map(|(mut nodes, tailscale)| {
        // Unique names and addresses, as validation demands; a control plane first.
        let mut seen = std::collections::BTreeSet::new();
        nodes.retain(|node| seen.insert(node.name.clone()));
        for (index, node) in nodes.iter_mut().enumerate() {
            node.address = format!("10.1.{}.{}", index / 200, index % 200 + 1);
        }
        nodes[0].role = Role::ControlPlane;
        let mut cluster = util::cluster("minimal_dev");
        cluster.spec.nodes = nodes;
        cluster.spec.network.tailscale = Some(spec::Tailscale {
            enabled: tailscale,
            tailnet: None,
            auth_key: None,
        });
        cluster
    })
}

/// Group → host → variables, as Ansible reads the inventory.
fn read_inventory(text: &str) -> BTreeMap<String, BTreeMap<String, serde_json::Value>> {
    let inventory: serde_json::Value = serde_saphyr::from_str(text).unwrap();
    let mut groups = BTreeMap::new();
    let k3s = &inventory["all"]["children"]["k3s_cluster"]["children"];
    for group in ["control_plane", "workers"] {
        let hosts = k3s[group]["hosts"].as_object().cloned().unwrap_or_default();
        groups.insert(group.to_owned(), hosts.into_iter().collect());
    }
    let gpu = inventory["all"]["children"]["gpu_nodes"]["hosts"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    groups.insert("gpu_nodes".to_owned(), gpu.into_iter().collect());
    groups
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_inventory_reads_back_to_the_nodes(cluster in cluster()) {
        let tree = util::tree(&cluster);
        let groups = read_inventory(&tree.files["ansible/inventory.yml"]);
        for node in &cluster.spec.nodes {
            let group = match node.role {
                Role::ControlPlane => "control_plane",
                Role::Worker => "workers",
            };
            let read: HostVars =
                serde_json::from_value(groups[group][&node.name].clone()).unwrap();
            prop_assert_eq!(&read, &host_vars(&cluster, node, &util::options()));
            prop_assert_eq!(&read.ansible_host, &node.address);
            prop_assert_eq!(read.ansible_user.as_ref(), node.ssh.as_ref().and_then(|s| s.user.as_ref()));
            prop_assert_eq!(read.ansible_port, node.ssh.as_ref().and_then(|s| s.port));
            prop_assert_eq!(&read.k3s_node_taints, &node.taints);
            for (key, value) in &node.labels {
                let label = format!("{key}={value}");
                prop_assert!(read.k3s_node_labels.contains(&label), "{} not in {:?}", label, read.k3s_node_labels);
            }
            let expected_ip = match (&node.tailscale_ip, cluster.tailscale_enabled()) {
                (Some(ip), true) => ip,
                _ => &node.address,
            };
            prop_assert_eq!(&read.k3s_node_ip, expected_ip);
            prop_assert_eq!(read.korral_gpu_count, node.gpu.as_ref().map(|g| g.count));
            prop_assert_eq!(groups["gpu_nodes"].contains_key(&node.name), node.gpu.is_some());
        }
        let listed: usize = groups["control_plane"].len() + groups["workers"].len();
        prop_assert_eq!(listed, cluster.spec.nodes.len());
        // The first control plane of cluster.yaml is the first of its group.
        let first = cluster.control_planes().next().unwrap();
        let inventory = &tree.files["ansible/inventory.yml"];
        // (YAML 1.1 booleans like `n` are quoted.)
        let position = |name: &str| {
            inventory
                .find(&format!("\n            {name}:\n"))
                .or_else(|| inventory.find(&format!("\n            \"{name}\":\n")))
        };
        let first_at = position(&first.name);
        prop_assert!(first_at.is_some());
        for other in cluster.control_planes().skip(1) {
            prop_assert!(first_at < position(&other.name));
        }
    }

    #[test]
    fn generating_twice_changes_nothing(cluster in cluster()) {
        let dir = tempfile::tempdir().unwrap();
        let first = util::tree(&cluster);
        Plan::new(&first, dir.path()).unwrap().write(false).unwrap();
        let second = util::tree(&cluster);
        prop_assert_eq!(&first, &second);
        let plan = Plan::new(&second, dir.path()).unwrap();
        prop_assert!(!plan.has_changes(true));
        prop_assert_eq!(plan.diff(true), "");
    }

    #[test]
    fn an_added_node_gets_the_configuration_of_a_full_generate(
        cluster in cluster(),
        new in node(),
        position in any::<prop::sample::Index>(),
    ) {
        prop_assume!(cluster.node(&new.name).is_none());
        let mut new = new;
        new.address = "10.9.9.9".into();
        // `korral node add` appends; a cluster written whole may list it anywhere.
        let mut added = cluster.clone();
        added.spec.nodes.push(new.clone());
        let mut whole = cluster.clone();
        whole.spec.nodes.insert(position.index(cluster.spec.nodes.len() + 1), new.clone());

        let options = util::options();
        let vars = |cluster: &Cluster| -> BTreeMap<String, HostVars> {
            let tree = generate::generate(cluster, &options).unwrap();
            read_inventory(&tree.files["ansible/inventory.yml"])
                .into_iter()
                .filter(|(group, _)| group != "gpu_nodes")
                .flat_map(|(_, hosts)| hosts)
                .map(|(name, vars)| (name, serde_json::from_value(vars).unwrap()))
                .collect()
        };
        let after_add = vars(&added);
        prop_assert_eq!(&after_add[&new.name], &vars(&whole)[&new.name]);
        // The nodes already there keep their configuration.
        let before = vars(&cluster);
        for (name, host) in &before {
            prop_assert_eq!(host, &after_add[name]);
        }
    }
}
