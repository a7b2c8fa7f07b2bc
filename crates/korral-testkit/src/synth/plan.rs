//! Plans a cluster: decides every object up front, namespace by namespace, in "apps" (a
//! Deployment with everything around it, a StatefulSet with its volumes, a CronJob with
//! its Jobs). Each app is sized before it is built, so a namespace fills its share of
//! the requested total exactly, and references resolve by construction.

mod names;

use std::collections::HashSet;
use std::rc::Rc;

use self::names::{APP_SUFFIXES, APP_WORDS, CRON_JOBS, DATA_STORES, ENVIRONMENTS, TEAMS};
use super::SynthOptions;
use super::model::{
    Applier, BASE_TIME, Body, ClaimInfo, ConfigData, DAY, Endpoint, HOUR, INSTANCE_TYPES, Kind,
    NOW, NodeSlot, Object, OwnerRef, PodInfo, PodTemplate, ReplicaSetInfo, Role, SecretData,
    ServiceInfo, SliceInfo, Subject, VolumeInfo, Workload, ZONES,
};
use super::rng::{Rng, pem};

/// How many pods fit a node's /24 pod CIDR (addresses .2 to .254).
const PODS_PER_NODE: u32 = 253;

/// The cluster-wide ClusterRoles; bindings below refer to them by name.
const CLUSTER_ROLES: [&str; 8] = [
    "admin",
    "cert-manager-controller-certificates",
    "cluster-admin",
    "edit",
    "korral-reader",
    "system:basic-user",
    "view",
    "widget-operator",
];

/// `(binding, role)` pairs; the subjects are chosen when planning.
const CLUSTER_ROLE_BINDINGS: [(&str, &str); 5] = [
    ("cluster-admin", "cluster-admin"),
    ("system:basic-user", "system:basic-user"),
    ("korral-reader", "korral-reader"),
    ("widget-operator", "widget-operator"),
    ("ci-view", "view"),
];

/// CustomResourceDefinitions for the custom kinds in the dump.
const CRDS: [&str; 3] = [
    "certificates.cert-manager.io",
    "clusterissuers.cert-manager.io",
    "widgets.example.com",
];

/// Objects every namespace has before any app: itself, the `default` and `ci-deployer`
/// ServiceAccounts, `kube-root-ca.crt`, `regcred`, the default-deny NetworkPolicy, and
/// the `developer` and `ci-deployer` Roles with their RoleBindings.
const NAMESPACE_BASICS: usize = 10;

/// Completed Jobs a CronJob keeps (`successfulJobsHistoryLimit`).
const JOB_HISTORY: u32 = 3;

/// Plans a whole cluster of about `opts.objects` objects.
pub(super) fn plan(opts: &SynthOptions) -> Vec<Object> {
    let mut planner = Planner::new(opts.seed);
    let node_count = (opts.objects / 500).max(3);
    planner.cluster_scoped(node_count);
    let namespace_count = opts.namespace_count();
    let fixed = planner.objects.len() + CLUSTER_ROLE_BINDINGS.len();
    let budget = opts.objects.saturating_sub(fixed);
    let names = namespace_names(&mut planner.rng, namespace_count);
    for (i, (name, team, env)) in names.into_iter().enumerate() {
        let share = budget / namespace_count + usize::from(i < budget % namespace_count);
        planner.namespace(name, team, env, share);
    }
    planner.cluster_role_bindings();
    planner.objects
}

fn namespace_names(rng: &mut Rng, count: usize) -> Vec<(Rc<str>, &'static str, &'static str)> {
    let mut seen = HashSet::new();
    (0..count)
        .map(|i| {
            let team = *rng.pick(&TEAMS);
            let env = *rng.pick(&ENVIRONMENTS);
            let mut name = format!("{team}-{env}");
            if !seen.insert(name.clone()) {
                name = format!("{team}-{env}-{i}");
                seen.insert(name.clone());
            }
            (Rc::from(name), team, env)
        })
        .collect()
}

/// The pieces of a Deployment app; decided before building so its size is known.
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent parts an app has or not, counted by `object_count`"
)]
struct AppShape {
    name: String,
    replicas: u32,
    old_replica_sets: u32,
    /// See [`PodTemplate::rich`].
    rich: bool,
    env_config_map: bool,
    service_account: bool,
    ingress: bool,
    autoscaler: bool,
    budget: bool,
    network_policy: bool,
    claim: bool,
    widget: bool,
}

impl AppShape {
    fn object_count(&self) -> usize {
        let flags = [
            self.env_config_map,
            self.autoscaler,
            self.budget,
            self.network_policy,
        ];
        // Deployment, current ReplicaSet, ConfigMap, Secret, Service, EndpointSlice.
        6 + (self.old_replica_sets + self.replicas) as usize
            + flags.iter().filter(|&&f| f).count()
            + 3 * usize::from(self.ingress)
            // ServiceAccount, Role, RoleBinding.
            + 3 * usize::from(self.service_account)
            + 2 * usize::from(self.claim)
            + 2 * usize::from(self.widget)
    }
}

struct Planner {
    rng: Rng,
    objects: Vec<Object>,
    nodes: Vec<Rc<NodeSlot>>,
    pods_on_node: Vec<u32>,
    next_service_ip: u32,
    root_ca: Rc<str>,
    /// Namespaces planned so far, for ClusterRoleBinding subjects.
    namespaces: Vec<Rc<str>>,
}

/// The namespace being planned.
struct Ns {
    name: Rc<str>,
    team: &'static str,
    prod: bool,
    created: i64,
    /// App names in use, so selectors and names never collide.
    taken: HashSet<String>,
}

impl Planner {
    fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let root_ca = Rc::from(pem("CERTIFICATE", &mut rng, 800));
        Self {
            rng,
            objects: Vec::new(),
            nodes: Vec::new(),
            pods_on_node: Vec::new(),
            next_service_ip: 10,
            root_ca,
            namespaces: Vec::new(),
        }
    }

    fn push(
        &mut self,
        kind: Kind,
        namespace: Option<&Rc<str>>,
        name: String,
        created: i64,
        applier: Applier,
        body: Body,
    ) -> OwnerRef {
        let uid = self.rng.uid();
        self.objects.push(Object {
            kind,
            namespace: namespace.cloned(),
            name: name.clone(),
            uid: uid.clone(),
            created,
            seed: self.rng.next_u64(),
            applier,
            body,
        });
        OwnerRef { kind, name, uid }
    }

    fn applier(&mut self) -> Applier {
        match self.rng.below(10) {
            0..=5 => Applier::ClientSide,
            6 | 7 => Applier::Helm,
            _ => Applier::ServerSide,
        }
    }

    fn cluster_scoped(&mut self, node_count: usize) {
        let installed = BASE_TIME - 40 * DAY;
        for index in 0..node_count {
            let ip = format!("10.0.{}.{}", index / 250, 10 + index % 250);
            let slot = Rc::new(NodeSlot {
                name: format!("ip-{}.ec2.internal", ip.replace('.', "-")),
                ip,
                index,
                zone: ZONES[index % ZONES.len()],
                instance: self.rng.pick(&INSTANCE_TYPES),
                instance_id: format!("i-0{}", self.rng.hex(16)),
            });
            let created = BASE_TIME - self.rng.span(DAY, 30 * DAY);
            let name = slot.name.clone();
            self.nodes.push(Rc::clone(&slot));
            self.pods_on_node.push(0);
            self.push(
                Kind::Node,
                None,
                name,
                created,
                Applier::Controller,
                Body::Node(slot),
            );
        }
        let scoped: [(Kind, &str, Body); 3] = [
            (Kind::StorageClass, "standard", Body::StorageClass),
            (Kind::IngressClass, "nginx", Body::IngressClass),
            (
                Kind::ClusterIssuer,
                "selfsigned-issuer",
                Body::ClusterIssuer,
            ),
        ];
        for (kind, name, body) in scoped {
            let applier = self.applier();
            self.push(kind, None, name.to_owned(), installed, applier, body);
        }
        for name in CRDS {
            self.push(
                Kind::CustomResourceDefinition,
                None,
                name.to_owned(),
                installed - HOUR,
                Applier::ServerSide,
                Body::CustomResourceDefinition,
            );
        }
        for name in CLUSTER_ROLES {
            self.push(
                Kind::ClusterRole,
                None,
                name.to_owned(),
                installed - 2 * HOUR,
                Applier::Controller,
                Body::ClusterRole,
            );
        }
    }

    fn cluster_role_bindings(&mut self) {
        let created = BASE_TIME + 31 * DAY;
        for (name, role) in CLUSTER_ROLE_BINDINGS {
            let ci = |ns: &Rc<str>| Subject {
                kind: "ServiceAccount",
                name: "ci-deployer".to_owned(),
                namespace: Some(Rc::clone(ns)),
            };
            let group = |group: &str| Subject {
                kind: "Group",
                name: group.to_owned(),
                namespace: None,
            };
            let subjects = match name {
                "cluster-admin" => vec![group("system:masters")],
                "system:basic-user" => vec![group("system:authenticated")],
                "widget-operator" => self.namespaces.iter().take(1).map(ci).collect(),
                "korral-reader" => self.namespaces.iter().take(5).map(ci).collect(),
                _ => self.namespaces.iter().take(10).map(ci).collect(),
            };
            let body = Body::ClusterRoleBinding { role, subjects };
            let applier = self.applier();
            self.push(
                Kind::ClusterRoleBinding,
                None,
                name.to_owned(),
                created,
                applier,
                body,
            );
        }
    }

    fn namespace(&mut self, name: Rc<str>, team: &'static str, env: &'static str, budget: usize) {
        let created = BASE_TIME + self.rng.span(0, 30 * DAY);
        self.namespaces.push(Rc::clone(&name));
        let mut ns = Ns {
            name,
            team,
            prod: env == "prod",
            created,
            taken: HashSet::new(),
        };
        let before = self.objects.len();
        self.namespace_basics(&ns, env);
        debug_assert_eq!(self.objects.len() - before, NAMESPACE_BASICS);
        let mut left = budget.saturating_sub(NAMESPACE_BASICS);
        // Every other namespace runs scheduled jobs.
        if self.namespaces.len() % 2 == 1 {
            for _ in 0..self.rng.range(1, 2) {
                let size = 1 + 2 * JOB_HISTORY as usize;
                if size <= left {
                    let before = self.objects.len();
                    self.cron_job(&mut ns);
                    debug_assert_eq!(self.objects.len() - before, size);
                    left -= size;
                }
            }
        }
        loop {
            if self.rng.chance(15) {
                let replicas = *self.rng.pick(&[1, 2, 3, 3]);
                let pdb = replicas > 1 && self.rng.chance(50);
                let netpol = self.rng.chance(50);
                // StatefulSet, per member a Pod, claim and volume, headless Service,
                // EndpointSlice, ConfigMap, Secret.
                let size = 5 + 3 * replicas as usize + usize::from(pdb) + usize::from(netpol);
                if size <= left {
                    let before = self.objects.len();
                    self.stateful_set(&mut ns, replicas, pdb, netpol);
                    debug_assert_eq!(self.objects.len() - before, size);
                    left -= size;
                    continue;
                }
            }
            let mut shape = self.app_shape(&mut ns);
            if shape.object_count() > left {
                shape = minimal_app(shape.name);
                if shape.object_count() > left {
                    break;
                }
            }
            left -= shape.object_count();
            let before = self.objects.len();
            self.deployment(&ns, &shape);
            debug_assert_eq!(self.objects.len() - before, shape.object_count());
        }
        for i in 0..left {
            let (kind, body) = if i % 2 == 0 {
                (Kind::ConfigMap, Body::ConfigMap(ConfigData::Filler))
            } else {
                let keys = self.rng.range(1, 4) as u32;
                (Kind::Secret, Body::Secret(SecretData::Opaque { keys }))
            };
            let name = format!("{}-settings-{}", ns.team, i / 2 + 1);
            let applier = self.applier();
            let at = ns.created + self.rng.span(HOUR, 90 * DAY);
            self.push(kind, Some(&ns.name), name, at, applier, body);
        }
    }

    fn namespace_basics(&mut self, ns: &Ns, env: &'static str) {
        let name = Some(&ns.name);
        let at = ns.created;
        let body = Body::Namespace { team: ns.team, env };
        let applier = self.applier();
        self.push(
            Kind::Namespace,
            None,
            ns.name.to_string(),
            at,
            applier,
            body,
        );
        let sa = |pull_secret| Body::ServiceAccount {
            pull_secret,
            cloud_role: false,
        };
        let c = Applier::Controller;
        self.push(
            Kind::ServiceAccount,
            name,
            "default".into(),
            at,
            c,
            sa(true),
        );
        let ca = Body::ConfigMap(ConfigData::RootCa(Rc::clone(&self.root_ca)));
        self.push(Kind::ConfigMap, name, "kube-root-ca.crt".into(), at, c, ca);
        let applier = self.applier();
        let at = at + 60;
        let regcred = Body::Secret(SecretData::Registry);
        self.push(Kind::Secret, name, "regcred".into(), at, applier, regcred);
        let deny = Body::NetworkPolicy { app: None, port: 0 };
        self.push(
            Kind::NetworkPolicy,
            name,
            "default-deny".into(),
            at,
            applier,
            deny,
        );
        self.push(
            Kind::ServiceAccount,
            name,
            "ci-deployer".into(),
            at,
            applier,
            sa(false),
        );
        for role in ["developer", "ci-deployer"] {
            self.push(Kind::Role, name, role.into(), at, applier, Body::Role);
            let mut subjects = vec![Subject {
                kind: "ServiceAccount",
                name: "ci-deployer".into(),
                namespace: Some(Rc::clone(&ns.name)),
            }];
            if role == "developer" {
                subjects.push(Subject {
                    kind: "ServiceAccount",
                    name: "default".into(),
                    namespace: Some(Rc::clone(&ns.name)),
                });
            }
            let binding = Body::RoleBinding { subjects };
            self.push(Kind::RoleBinding, name, role.into(), at, applier, binding);
        }
    }

    /// A name not yet used by an app in the namespace.
    fn app_name(&mut self, ns: &mut Ns, make: impl Fn(&mut Rng) -> String) -> String {
        for _ in 0..8 {
            let name = make(&mut self.rng);
            if ns.taken.insert(name.clone()) {
                return name;
            }
        }
        let base = make(&mut self.rng);
        let mut n = 2;
        loop {
            let name = format!("{base}-{n}");
            if ns.taken.insert(name.clone()) {
                return name;
            }
            n += 1;
        }
    }

    fn app_shape(&mut self, ns: &mut Ns) -> AppShape {
        let name = self.app_name(ns, |rng| {
            format!("{}-{}", rng.pick(&APP_WORDS), rng.pick(&APP_SUFFIXES))
        });
        let rng = &mut self.rng;
        let claim = rng.chance(10);
        // Production runs more replicas than dev, staging and the rest.
        let replicas = if claim {
            1
        } else if ns.prod {
            *rng.pick(&[2, 2, 2, 3, 3, 4])
        } else if rng.chance(15) {
            // Parked outside production: scaled to zero, its Service without endpoints.
            0
        } else {
            *rng.pick(&[1, 1, 1, 2])
        };
        let rich = rng.chance(30);
        AppShape {
            name,
            replicas,
            old_replica_sets: *rng.pick(&[0, 0, 1, 1, 2]),
            rich,
            env_config_map: rich && rng.chance(50),
            service_account: rng.chance(50),
            ingress: rng.chance(25),
            autoscaler: replicas > 1 && rng.chance(35),
            budget: replicas > 1 && rng.chance(40),
            network_policy: rng.chance(50),
            claim,
            widget: rng.chance(8),
        }
    }

    /// Picks the less loaded of two random nodes (so pods spread evenly without a
    /// scan), and the pod's IP in that node's /24.
    fn place_pod(&mut self) -> (Rc<NodeSlot>, String) {
        let n = self.nodes.len() as u64;
        let (a, b) = (self.rng.below(n) as usize, self.rng.below(n) as usize);
        let mut pick = if self.pods_on_node[a] <= self.pods_on_node[b] {
            a
        } else {
            b
        };
        if self.pods_on_node[pick] >= PODS_PER_NODE {
            let emptiest = (0..self.nodes.len()).min_by_key(|&i| self.pods_on_node[i]);
            pick = emptiest.expect("there are nodes");
        }
        let used = self.pods_on_node[pick];
        self.pods_on_node[pick] += 1;
        let ip = format!(
            "10.{}.{}.{}",
            64 + pick / 256,
            pick % 256,
            2 + used % PODS_PER_NODE
        );
        (Rc::clone(&self.nodes[pick]), ip)
    }

    fn service_ip(&mut self) -> String {
        let n = self.next_service_ip;
        self.next_service_ip += 1;
        format!("10.{}.{}.{}", 96 + n / 65_536, n / 256 % 256, n % 256)
    }

    fn deployment(&mut self, ns: &Ns, shape: &AppShape) {
        let app = shape.name.clone();
        let created = ns.created + self.rng.span(HOUR, 60 * DAY);
        let applier = self.applier();
        let n = Some(&ns.name);
        let config_map = format!("{app}-config");
        let port = *self.rng.pick(&[8080, 8080, 8000, 3000, 9000]);
        let data = ConfigData::App {
            app: app.clone(),
            port,
        };
        self.push(
            Kind::ConfigMap,
            n,
            config_map.clone(),
            created,
            applier,
            Body::ConfigMap(data),
        );
        let env_config_map = shape.env_config_map.then(|| format!("{app}-env"));
        if let Some(name) = &env_config_map {
            let data = ConfigData::Env { app: app.clone() };
            self.push(
                Kind::ConfigMap,
                n,
                name.clone(),
                created,
                applier,
                Body::ConfigMap(data),
            );
        }
        let secret = format!("{app}-secrets");
        let keys = self.rng.range(1, 3) as u32;
        let body = Body::Secret(SecretData::Opaque { keys });
        self.push(Kind::Secret, n, secret.clone(), created, applier, body);
        let service_account = shape.service_account.then(|| app.clone());
        if let Some(name) = &service_account {
            let body = Body::ServiceAccount {
                pull_secret: false,
                cloud_role: true,
            };
            self.push(
                Kind::ServiceAccount,
                n,
                name.clone(),
                created,
                applier,
                body,
            );
            // The app reads its own ConfigMaps and Secrets through the API.
            self.push(Kind::Role, n, name.clone(), created, applier, Body::Role);
            let subjects = vec![Subject {
                kind: "ServiceAccount",
                name: name.clone(),
                namespace: Some(Rc::clone(&ns.name)),
            }];
            let body = Body::RoleBinding { subjects };
            self.push(Kind::RoleBinding, n, name.clone(), created, applier, body);
        }
        let claim = shape.claim.then(|| format!("{app}-data"));
        let major = self.rng.range(1, 4);
        let minor = self.rng.range(0, 30);
        let patch = self.rng.range(0, 9) + u64::from(shape.old_replica_sets);
        let version = format!("{major}.{minor}.{patch}");
        let tpl = Rc::new(PodTemplate {
            image: format!("registry.example.com/{}/{app}:{version}", ns.team),
            version,
            app: app.clone(),
            team: ns.team,
            role: Role::Server,
            port,
            config_map,
            env_config_map,
            secret,
            service_account,
            claim: claim.clone(),
            storage_gi: *self.rng.pick(&[1, 5, 10, 20, 50]),
            init: shape.rich && self.rng.chance(40),
            sidecar: shape.rich && self.rng.chance(35),
            rich: shape.rich,
            cpu_m: *self.rng.pick(&[50, 100, 100, 250, 500, 1000]),
            memory_mi: *self.rng.pick(&[64, 128, 256, 256, 512, 1024]),
        });
        let endpoints = self.replica_sets(ns, shape, &tpl, created, applier);
        if let Some(claim) = claim {
            let node = Rc::clone(&endpoints[0].node);
            self.claim(ns, claim, &tpl, node, created);
        }
        self.service(ns, &tpl, endpoints, created, applier, true);
        self.app_extras(ns, shape, &tpl, created, applier);
    }

    /// The Deployment, its ReplicaSets (old ones scaled to zero, one per earlier
    /// rollout) and the current one's pods; returns the endpoints for the Service.
    fn replica_sets(
        &mut self,
        ns: &Ns,
        shape: &AppShape,
        tpl: &Rc<PodTemplate>,
        created: i64,
        applier: Applier,
    ) -> Vec<Endpoint> {
        let n = Some(&ns.name);
        let c = Applier::Controller;
        let revision = shape.old_replica_sets + 1;
        // Rollout `r` (1-based) happened at `rollouts[r - 1]`.
        let mut rollouts = vec![created];
        for _ in 1..revision {
            let last = rollouts[rollouts.len() - 1];
            rollouts.push(last + self.rng.span(HOUR, 10 * DAY));
        }
        let rolled_out = rollouts[rollouts.len() - 1];
        let hash = self.rng.suffix(10);
        let workload = Workload {
            tpl: Rc::clone(tpl),
            replicas: shape.replicas,
            revision,
            hash: hash.clone(),
            service: shape.name.clone(),
            rolled_out,
        };
        let body = Body::Deployment(workload);
        let owner = self.push(
            Kind::Deployment,
            n,
            shape.name.clone(),
            created,
            applier,
            body,
        );
        let (release, patch) = tpl.version.rsplit_once('.').unwrap_or(("0.0", "0"));
        let patch: u32 = patch.parse().unwrap_or(0);
        for old in 1..revision {
            // Each earlier rollout shipped an earlier patch release.
            let version = format!("{release}.{}", patch.saturating_sub(revision - old));
            let old_tpl = Rc::new(PodTemplate {
                image: tpl.image.replace(&tpl.version, &version),
                version,
                ..PodTemplate::clone(tpl)
            });
            let hash = self.rng.suffix(10);
            let info = ReplicaSetInfo {
                tpl: old_tpl,
                owner: owner.clone(),
                replicas: 0,
                desired: shape.replicas,
                revision: old,
                hash: hash.clone(),
            };
            let name = format!("{}-{hash}", shape.name);
            let at = rollouts[old as usize - 1];
            self.push(Kind::ReplicaSet, n, name, at, c, Body::ReplicaSet(info));
        }
        let info = ReplicaSetInfo {
            tpl: Rc::clone(tpl),
            owner,
            replicas: shape.replicas,
            desired: shape.replicas,
            revision,
            hash: hash.clone(),
        };
        let name = format!("{}-{hash}", shape.name);
        let body = Body::ReplicaSet(info);
        let rs = self.push(Kind::ReplicaSet, n, name, rolled_out, c, body);
        (0..shape.replicas)
            .map(|_| {
                let name = format!("{}-{hash}-{}", shape.name, self.rng.suffix(5));
                let at = rolled_out + self.rng.span(1, 5 * DAY);
                self.pod(ns, name, tpl, &rs, &hash, None, at)
            })
            .collect()
    }

    #[expect(clippy::too_many_arguments, reason = "a pod needs all of these")]
    fn pod(
        &mut self,
        ns: &Ns,
        name: String,
        tpl: &Rc<PodTemplate>,
        owner: &OwnerRef,
        hash: &str,
        ordinal: Option<u32>,
        at: i64,
    ) -> Endpoint {
        let (node, ip) = self.place_pod();
        let restarts = if self.rng.chance(80) {
            0
        } else {
            self.rng.range(1, 12) as u32
        };
        let info = PodInfo {
            tpl: Rc::clone(tpl),
            owner: owner.clone(),
            node: Rc::clone(&node),
            ip: ip.clone(),
            hash: hash.to_owned(),
            ordinal,
            claim: ordinal.map(|i| format!("data-{}-{i}", tpl.app)),
            restarts,
            finished: None,
        };
        let c = Applier::Controller;
        let pod = self.push(Kind::Pod, Some(&ns.name), name, at, c, Body::Pod(info));
        Endpoint {
            pod: pod.name,
            uid: pod.uid,
            ip,
            node,
        }
    }

    /// A Service selecting the app's pods and its EndpointSlice.
    fn service(
        &mut self,
        ns: &Ns,
        tpl: &PodTemplate,
        endpoints: Vec<Endpoint>,
        created: i64,
        applier: Applier,
        cluster_ip: bool,
    ) {
        // Databases (behind headless Services) speak their own protocol.
        let port_name = if cluster_ip { "http" } else { "tcp" };
        let info = ServiceInfo {
            app: tpl.app.clone(),
            team: tpl.team,
            port: tpl.port,
            port_name,
            cluster_ip: cluster_ip.then(|| self.service_ip()),
        };
        let n = Some(&ns.name);
        let name = tpl.app.clone();
        let service = self.push(
            Kind::Service,
            n,
            name,
            created,
            applier,
            Body::Service(info),
        );
        let slice = SliceInfo {
            service: service.clone(),
            app: tpl.app.clone(),
            port: tpl.port,
            port_name,
            endpoints,
        };
        let name = format!("{}-{}", tpl.app, self.rng.suffix(5));
        let c = Applier::Controller;
        self.push(
            Kind::EndpointSlice,
            n,
            name,
            created,
            c,
            Body::EndpointSlice(slice),
        );
    }

    /// Ingress (with its Certificate and TLS Secret), autoscaler, disruption budget,
    /// network policy and Widget, as the shape asks.
    fn app_extras(
        &mut self,
        ns: &Ns,
        shape: &AppShape,
        tpl: &PodTemplate,
        created: i64,
        applier: Applier,
    ) {
        let n = Some(&ns.name);
        let app = &shape.name;
        let c = Applier::Controller;
        if shape.ingress {
            let host = format!("{app}.{}.example.com", ns.name);
            let tls_secret = format!("{app}-tls");
            let body = Body::Ingress {
                service: app.clone(),
                host: host.clone(),
                tls_secret: tls_secret.clone(),
            };
            let ingress = self.push(Kind::Ingress, n, app.clone(), created, applier, body);
            let hosts = vec![host];
            let body = Body::Certificate {
                owner: ingress,
                secret: tls_secret.clone(),
                hosts: hosts.clone(),
            };
            let at = created + 2;
            let cert = self.push(Kind::Certificate, n, tls_secret.clone(), at, c, body);
            let body = Body::Secret(SecretData::Tls { owner: cert, hosts });
            self.push(Kind::Secret, n, tls_secret, at + 30, c, body);
        }
        if shape.autoscaler {
            let min = shape.replicas.div_ceil(2);
            let body = Body::HorizontalPodAutoscaler {
                target: app.clone(),
                min,
                max: shape.replicas * 3,
                current: shape.replicas,
            };
            self.push(
                Kind::HorizontalPodAutoscaler,
                n,
                app.clone(),
                created,
                applier,
                body,
            );
        }
        if shape.budget {
            let body = Body::PodDisruptionBudget {
                app: app.clone(),
                max_unavailable: 1,
                healthy: shape.replicas,
            };
            self.push(
                Kind::PodDisruptionBudget,
                n,
                app.clone(),
                created,
                applier,
                body,
            );
        }
        if shape.network_policy {
            let body = Body::NetworkPolicy {
                app: Some(app.clone()),
                port: tpl.port,
            };
            let name = format!("allow-{app}");
            self.push(Kind::NetworkPolicy, n, name, created, applier, body);
        }
        if shape.widget {
            let config_map = format!("{app}-widget");
            let body = Body::Widget {
                config_map: config_map.clone(),
                size: self.rng.range(1, 5) as u32,
            };
            let widget = self.push(Kind::Widget, n, app.clone(), created, applier, body);
            let body = Body::ConfigMap(ConfigData::Owned(widget));
            self.push(Kind::ConfigMap, n, config_map, created + 5, c, body);
        }
    }

    /// A bound PersistentVolumeClaim and the volume provisioned for it.
    fn claim(&mut self, ns: &Ns, name: String, tpl: &PodTemplate, node: Rc<NodeSlot>, at: i64) {
        let storage_gi = tpl.storage_gi;
        let zone = node.zone;
        let info = ClaimInfo {
            app: tpl.app.clone(),
            storage_gi,
            node,
        };
        let c = Applier::Controller;
        let n = Some(&ns.name);
        let claim = self.push(
            Kind::PersistentVolumeClaim,
            n,
            name,
            at,
            c,
            Body::PersistentVolumeClaim(info),
        );
        let info = VolumeInfo {
            claim_namespace: Rc::clone(&ns.name),
            claim: claim.name,
            claim_uid: claim.uid.clone(),
            storage_gi,
            zone,
        };
        let name = format!("pvc-{}", claim.uid);
        self.push(
            Kind::PersistentVolume,
            None,
            name,
            at + 3,
            c,
            Body::PersistentVolume(info),
        );
    }

    fn stateful_set(&mut self, ns: &mut Ns, replicas: u32, pdb: bool, netpol: bool) {
        let (store, image, port) = *self.rng.pick(&DATA_STORES);
        let name = self.app_name(ns, |rng| format!("{}-{store}", rng.pick(&APP_WORDS)));
        let created = ns.created + self.rng.span(HOUR, 60 * DAY);
        let applier = self.applier();
        let n = Some(&ns.name);
        let config_map = format!("{name}-config");
        let data = ConfigData::App {
            app: name.clone(),
            port,
        };
        self.push(
            Kind::ConfigMap,
            n,
            config_map.clone(),
            created,
            applier,
            Body::ConfigMap(data),
        );
        let secret = format!("{name}-auth");
        let body = Body::Secret(SecretData::Opaque { keys: 2 });
        self.push(Kind::Secret, n, secret.clone(), created, applier, body);
        let tpl = Rc::new(PodTemplate {
            app: name.clone(),
            team: ns.team,
            role: Role::Database,
            version: image.rsplit(':').next().unwrap_or("latest").to_owned(),
            image: image.to_owned(),
            port,
            config_map,
            env_config_map: None,
            secret,
            service_account: None,
            claim: None,
            storage_gi: *self.rng.pick(&[10, 20, 50, 100, 200]),
            init: self.rng.chance(50),
            sidecar: self.rng.chance(30),
            rich: true,
            cpu_m: *self.rng.pick(&[250, 500, 1000, 2000]),
            memory_mi: *self.rng.pick(&[512, 1024, 2048, 4096]),
        });
        let hash = self.rng.suffix(10);
        let workload = Workload {
            tpl: Rc::clone(&tpl),
            replicas,
            revision: 1,
            hash: hash.clone(),
            service: name.clone(),
            rolled_out: created,
        };
        let sts = self.push(
            Kind::StatefulSet,
            n,
            name.clone(),
            created,
            applier,
            Body::StatefulSet(workload),
        );
        let mut endpoints = Vec::new();
        for i in 0..replicas {
            let at = created + i64::from(i) * 40 + self.rng.span(0, 30);
            let pod_name = format!("{name}-{i}");
            let endpoint = self.pod(ns, pod_name, &tpl, &sts, &hash, Some(i), at);
            let node = Rc::clone(&endpoint.node);
            endpoints.push(endpoint);
            self.claim(ns, format!("data-{name}-{i}"), &tpl, node, at);
        }
        self.service(ns, &tpl, endpoints, created, applier, false);
        let shape = AppShape {
            budget: pdb,
            network_policy: netpol,
            replicas,
            ..minimal_app(name)
        };
        self.app_extras(ns, &shape, &tpl, created, applier);
    }

    /// A CronJob and the Jobs (each with its completed pod) it keeps in history.
    fn cron_job(&mut self, ns: &mut Ns) {
        let (base, schedule, every) = *self.rng.pick(&CRON_JOBS);
        let name = self.app_name(ns, |rng| {
            if rng.chance(50) {
                base.to_owned()
            } else {
                format!("{}-{base}", rng.pick(&APP_WORDS))
            }
        });
        let applier = self.applier();
        let tpl = Rc::new(PodTemplate {
            app: name.clone(),
            team: ns.team,
            role: Role::Batch,
            image: format!(
                "registry.example.com/{}/jobs:1.{}.0",
                ns.team,
                self.rng.range(0, 20)
            ),
            version: "1.0.0".into(),
            port: 0,
            config_map: "kube-root-ca.crt".into(),
            env_config_map: None,
            secret: "regcred".into(),
            service_account: Some("ci-deployer".into()),
            claim: None,
            storage_gi: 0,
            init: false,
            sidecar: false,
            rich: false,
            cpu_m: 100,
            memory_mi: 256,
        });
        // The most recent run is at a schedule tick shortly before the dump.
        let last = NOW - NOW % every - every * self.rng.span(0, 1);
        let created = ns.created + self.rng.span(HOUR, 20 * DAY);
        let body = Body::CronJob {
            tpl: Rc::clone(&tpl),
            schedule,
            last,
        };
        let n = Some(&ns.name);
        let cron = self.push(Kind::CronJob, n, name.clone(), created, applier, body);
        for k in 0..i64::from(JOB_HISTORY) {
            let start = last - k * every;
            let finish = start + self.rng.span(20, 600);
            let job_name = format!("{name}-{}", start / 60);
            let body = Body::Job {
                tpl: Rc::clone(&tpl),
                owner: cron.clone(),
                start,
                finish,
            };
            let c = Applier::Controller;
            let job = self.push(Kind::Job, n, job_name.clone(), start, c, body);
            let (node, ip) = self.place_pod();
            let info = PodInfo {
                tpl: Rc::clone(&tpl),
                owner: job,
                node,
                ip,
                hash: String::new(),
                ordinal: None,
                claim: None,
                restarts: 0,
                finished: Some(finish),
            };
            let pod_name = format!("{job_name}-{}", self.rng.suffix(5));
            self.push(Kind::Pod, n, pod_name, start + 1, c, Body::Pod(info));
        }
    }
}

/// The smallest Deployment app: one replica behind a Service, with its ConfigMap and
/// Secret (7 objects), used to fill the end of a namespace's share.
fn minimal_app(name: String) -> AppShape {
    AppShape {
        name,
        replicas: 1,
        old_replica_sets: 0,
        rich: false,
        env_config_map: false,
        service_account: false,
        ingress: false,
        autoscaler: false,
        budget: false,
        network_policy: false,
        claim: false,
        widget: false,
    }
}
