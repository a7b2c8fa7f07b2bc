//! The command line. Doc comments here are the `--help` text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Kubernetes operations in one tool: describe and provision clusters, ship them
/// airgapped, see, secure and change them safely.
#[derive(Debug, Parser)]
#[command(
    name = "korral",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show how objects relate: ownership, selectors, mounts, RBAC and more.
    ///
    /// Reads manifests, folders or `kubectl get -o yaml|json` dumps and prints the graph
    /// of how the objects relate, with the problems found on the way (dangling
    /// references, Services that select no pod, duplicates).
    ///
    /// Examples:
    ///
    ///   korral topology -f examples/shop
    ///
    ///   kubectl get all,cm,secret,sa,pvc,ing -A -o json | korral topology -f -
    ///
    ///   korral topology -f dump.json --focus deploy/shop/frontend --depth 2
    ///
    ///   korral topology -f examples/shop -n shop -o svg --out shop.svg
    ///
    ///   korral topology --context prod -n shop --watch
    #[command(verbatim_doc_comment)]
    Topology(TopologyArgs),
    /// Say in one screen what is wrong: nodes, workloads, pods, claims, jobs, events.
    ///
    /// Nodes NotReady, under pressure or cordoned; Deployments, StatefulSets and
    /// DaemonSets short of their replicas; pods in CrashLoopBackOff, ImagePullBackOff,
    /// OOMKilled, failed or Pending too long, with the reason; claims Pending; failed
    /// Jobs; Warning events of the last hour. Exits 1 when something is unhealthy, so
    /// scripts can use it. Reads the live cluster (with the API's address and version),
    /// or a dump (`korral status -f dump.json`, judged at the time it was taken).
    ///
    /// Examples:
    ///
    ///   korral status --context prod
    ///
    ///   korral status -f examples/shop
    ///
    ///   kubectl get nodes,pods,deploy,sts,ds,pvc,jobs,events -A -o json | korral status -f -
    #[command(verbatim_doc_comment)]
    Status(StatusArgs),
    /// List events, oldest first, as `kubectl events` does; or follow them.
    ///
    /// Examples:
    ///
    ///   korral events -A --type Warning
    ///
    ///   korral events -n shop --for deploy/frontend --watch
    ///
    ///   korral events -f dump.json --for pod/shop-api-0
    #[command(verbatim_doc_comment)]
    Events(EventsArgs),
    /// Show one object's recorded versions, oldest first, each as a YAML diff against
    /// the one before, with when it changed and who changed it (its field managers).
    ///
    /// Reads the store `korral serve` records into (`--database`, default the embedded
    /// file it uses). Secret values are never recorded: their keys and digests are.
    ///
    /// Examples:
    ///
    ///   korral history configmap/settings -n shop
    ///
    ///   korral history deploy/frontend -n shop --since 2h
    ///
    ///   korral history cm/settings -n shop -o json --database postgres://korral@db/korral
    #[command(verbatim_doc_comment)]
    History(crate::commands::history::HistoryArgs),
    /// List what changed in the recorded cluster, newest first: each object added,
    /// modified or deleted, when and by whom.
    ///
    /// Examples:
    ///
    ///   korral changes --since 30m
    ///
    ///   korral changes -n shop --kind Deployment,ConfigMap --since 2h
    ///
    ///   korral changes -l app=web --since 2026-12-06T08:00:00Z -o json
    #[command(verbatim_doc_comment)]
    Changes(crate::commands::history::ChangesArgs),
    /// Print the logs of many pods and containers at once, merged, each line prefixed
    /// with its pod and container (coloured on a terminal), as stern does.
    ///
    /// TARGET is a pod (`web-0` or `pod/web-0`) or what runs pods (`deploy/frontend`,
    /// `sts/db`, `ds/agent`, `job/backup`, `svc/api`: the pods its selector picks);
    /// or use -l. With -f, pods that appear later are followed too.
    ///
    /// Examples:
    ///
    ///   korral logs deploy/frontend -n shop -f
    ///
    ///   korral logs -l app=api --all-containers --since 10m --grep error
    #[command(verbatim_doc_comment)]
    Logs(LogsArgs),
    /// Show CPU and memory use of nodes or pods, from the metrics API
    /// (metrics.k8s.io, served by metrics-server).
    ///
    /// Examples:
    ///
    ///   korral top nodes
    ///
    ///   korral top pods -n shop
    #[command(verbatim_doc_comment)]
    Top(TopArgs),
    /// Capture a live cluster into a dump that every offline command reads.
    ///
    /// Writes a `kind: List` document (JSON, or YAML with -o yaml) of every object the
    /// cluster serves (in one namespace with -n), each with its apiVersion and kind, as
    /// `kubectl get -o json` would; to --out FILE whole or not at all, else to standard
    /// output. Secret values are redacted unless --include-secret-data.
    ///
    /// Examples:
    ///
    ///   korral snapshot --out prod.json --context prod
    ///
    ///   korral snapshot -n shop -o yaml > shop.yaml
    ///
    ///   korral topology -f prod.json
    #[command(verbatim_doc_comment)]
    Snapshot(SnapshotArgs),
    /// Audit objects against the Pod Security Standards, hardening guides, network
    /// policy coverage, RBAC and deprecated APIs.
    ///
    /// Each finding names its rule, severity, object, file and line, the offending
    /// field and the fix. Every document is judged at its own file and line, also when
    /// another file defines the same object. Exits 1 when a finding at or above
    /// --fail-on is reported, 2 on bad input: no object read (an empty file or stdin),
    /// or a malformed document or pod spec (named with its file and line; the rest is
    /// audited).
    /// Findings are suppressed by the `korral.io/audit-ignore` annotation (with a
    /// `korral.io/audit-ignore-reason`), --config and --baseline.
    ///
    /// Examples:
    ///
    ///   korral audit -f examples/shop
    ///
    ///   korral audit -f examples/shop --standard pss-restricted --fail-on high
    ///
    ///   kubectl kustomize overlays/prod | korral audit -f - -o sarif --out audit.sarif
    ///
    ///   korral audit -f examples/shop -o json --fail-on none --out baseline.json
    ///   korral audit -f examples/shop --baseline baseline.json
    ///
    ///   korral audit --live -A --kube-version 1.33
    ///
    ///   korral audit explain PSB003
    #[command(verbatim_doc_comment)]
    Audit(crate::commands::audit::AuditArgs),
    /// Serve the API (HTTP + WebSocket) over live contexts or, read-only, over files.
    ///
    /// Records every change of the contexts given (default: the current one) into the
    /// store (`--database`, default the embedded SQLite file), or serves files, dumps
    /// or snapshots with -f (no cluster needed). Listens on 127.0.0.1:7420 by default.
    /// Every /api request needs the bearer token, made on first start in the user
    /// config dir (mode 0600) and printed once, or read from --token-file. Closed to
    /// browsers of other origins unless --allow-origin. Secrets' values are redacted.
    /// Stops on Ctrl-C or SIGTERM. See docs/server.md.
    ///
    /// Examples:
    ///
    ///   korral serve -f examples/shop
    ///
    ///   korral serve -f dump.json --token-file ./token --listen 127.0.0.1:9000
    ///
    ///   curl -H "Authorization: Bearer $(cat ./token)" http://127.0.0.1:9000/api/v1/clusters
    ///
    ///   korral serve -f examples/shop --tls --listen 0.0.0.0:7420
    ///
    ///   korral serve --context prod --context staging --database postgres://korral@db/korral
    #[command(verbatim_doc_comment)]
    Serve(crate::commands::serve::ServeArgs),
    /// Browse a cluster in the terminal, with k9s's keys: kinds, filters, describe,
    /// YAML, logs, edit, delete, plus topology, health, history and audit.
    ///
    /// Live through watches (views change as the cluster does, without listing again),
    /// or read-only over files and dumps with -f. `?` lists the keys of each view;
    /// `:po`, `:deploy`, `:svc`, `:ns`, `:events` or any CRD's kind switch views; `q`
    /// quits. See docs/tui.md.
    ///
    /// Examples:
    ///
    ///   korral tui
    ///
    ///   korral tui --context prod -n shop -c deploy
    ///
    ///   korral tui -A -c health
    ///
    ///   korral tui -f examples/shop
    #[command(verbatim_doc_comment)]
    Tui(crate::commands::tui::TuiArgs),
    /// Create, verify, inspect and extract signed airgap bundles.
    ///
    /// A bundle is an archive (tar.zst, tar.gz or zip) whose manifest lists every file
    /// with its size, mode and digests, signed with OpenPGP. verify streams it once
    /// without writing to disk; extract verifies and unpacks in that same single pass,
    /// and leaves nothing behind on failure. See docs/bundles.md.
    ///
    /// Examples:
    ///
    ///   korral bundle create --name edge --version 1.4.0 k3s/ charts/ images/ \
    ///       --sign-with ops@example.com
    ///
    ///   korral bundle verify edge-1.4.0.tar.zst --require-signature
    ///
    ///   korral bundle inspect edge-1.4.0.tar.zst
    ///
    ///   korral bundle extract edge-1.4.0.tar.zst --to /opt/edge
    #[command(verbatim_doc_comment)]
    Bundle(crate::commands::bundle::BundleArgs),
    /// Back up cluster objects into a signed, verifiable bundle; inspect and verify
    /// backups.
    ///
    /// Objects are listed page by page and kept one file per object as the API returned
    /// them; Secrets can be encrypted to OpenPGP keys. `korral restore` puts them back.
    /// See docs/backup.md.
    ///
    /// Examples:
    ///
    ///   korral backup create --out shop.tar.zst -n shop --encrypt-to backups@example.com
    ///
    ///   korral backup create -A --to-dir /var/backups/k8s --keep 7
    ///
    ///   korral backup inspect shop.tar.zst
    ///
    ///   korral backup verify shop.tar.zst
    #[command(verbatim_doc_comment)]
    Backup(crate::commands::backup::BackupArgs),
    /// Manage the OpenPGP keys that sign and verify bundles.
    ///
    /// The keyring lives in ~/.config/korral/keyring (--keyring DIR or KORRAL_KEYRING to
    /// change it). Ed25519 and RSA keys; fingerprints as gpg shows them; keys move to
    /// and from gpg with export and import. See docs/keys.md.
    ///
    /// Examples:
    ///
    ///   korral keys generate --name "Site Ops" --email ops@example.com
    ///
    ///   gpg --export --armor release@vendor.example | korral keys import - --trust
    ///
    ///   korral keys list
    #[command(verbatim_doc_comment)]
    Keys(crate::commands::keys::KeysArgs),
    /// Write a new cluster.yaml from a template.
    ///
    /// Templates: minimal_dev (one machine), production_full (3 control planes with
    /// embedded etcd, workers, a GPU node, Tailscale, Flux, a restricted baseline),
    /// airgapped_enterprise (K3s from a signed bundle, images from a registry mirror).
    /// On a terminal without --template it asks; otherwise flags set the name, K3s
    /// version and first control plane. Never overwrites without --force.
    ///
    /// Examples:
    ///
    ///   korral init
    ///
    ///   korral init --template production_full --out prod.yaml --name prod
    ///
    ///   korral init -t minimal_dev --address 192.168.1.10 && korral validate
    #[command(verbatim_doc_comment)]
    Init(crate::commands::init::InitArgs),
    /// Check a cluster.yaml: every error and warning with its line and the fix.
    ///
    /// Every problem in one run: YAML syntax, unknown keys and wrong types, addresses,
    /// RFC 1123 names, labels and taints by Kubernetes' rules, unique nodes, control
    /// planes and etcd quorum, Tailscale addresses, GPUs, reservations, what each
    /// airgapped mode needs, each value by its meaning (a Unix user, a path, a Git
    /// branch, a URL, a registry host[:port]) and none holding a control character or a
    /// template marker (`{{`), and a warning when the K3s release is out of support.
    /// Exits 1 when there is an error (with --strict, a warning too).
    ///
    /// Examples:
    ///
    ///   korral validate
    ///
    ///   korral validate prod.yaml -o json
    #[command(verbatim_doc_comment)]
    Validate(crate::commands::validate::ValidateArgs),
    /// Add, remove, list and discover the nodes of cluster.yaml.
    ///
    /// Every change is checked before it is written, and keeps the file's comments and
    /// layout; a refused change leaves the file as it was.
    ///
    /// Examples:
    ///
    ///   korral node list
    ///
    ///   korral node add worker3 --address 192.168.1.23 --ssh-user ubuntu
    ///
    ///   korral node discover --add gpu-box
    #[command(verbatim_doc_comment)]
    Node(crate::commands::node::NodeArgs),
    /// Read and change settings of cluster.yaml by dotted key.
    ///
    /// Examples:
    ///
    ///   korral config get k3s.version
    ///
    ///   korral config set k3s.version v1.32.1+k3s1
    ///
    ///   korral config set reserved.memory 2Gi --scope node:worker2
    #[command(verbatim_doc_comment)]
    Config(crate::commands::config::ConfigArgs),
    /// Generate Ansible, a Flux GitOps tree and baseline manifests from cluster.yaml.
    ///
    /// Writes `ansible/` (inventory, group_vars, roles, playbooks), `gitops/` (Flux) and
    /// `manifests/` (Pod Security namespaces, default-deny NetworkPolicies, NVIDIA device
    /// plugin) into `generated/` beside cluster.yaml, or --out. The same cluster.yaml always
    /// gives the same files. Files edited by hand since the last generate are kept unless
    /// --force; cluster.yaml is validated first and refused with its errors.
    ///
    /// Examples:
    ///   korral generate                                 # ./cluster.yaml -> ./generated
    ///   korral generate site/cluster.yaml --out build   # somewhere else
    ///   korral generate --dry-run                       # a diff against what is on disk
    ///   korral generate --force                         # overwrite hand edits
    #[command(verbatim_doc_comment)]
    Generate(crate::commands::generate::GenerateArgs),
    /// Provision the cluster: run ansible-playbook on what `korral generate` wrote.
    ///
    /// Runs `ansible-playbook -i inventory.yml site.yml` in DIR/ansible, shows each task
    /// and each host's result as they happen, then a summary per host. Exit code 1 when a
    /// host failed or was unreachable. Needs ansible-core on PATH
    /// (`pipx install ansible-core`).
    ///
    /// Examples:
    ///   korral provision --check                        # what would change
    ///   korral provision                                # the whole cluster
    ///   korral provision --limit gpu1 --tags prerequisites,gpu
    ///   korral provision --playbook add-node --limit gpu2
    ///   korral provision --playbook upgrade             # after changing spec.k3s.version
    ///   korral provision -- -vv                         # extra ansible-playbook arguments
    #[command(verbatim_doc_comment)]
    Provision(crate::commands::provision::ProvisionArgs),
    /// The cluster.yaml format: its JSON Schema for editors.
    ///
    /// Example: korral spec schema --out cluster.schema.json
    #[command(verbatim_doc_comment)]
    Spec(crate::commands::spec::SpecArgs),
    /// Apply manifests to the cluster as a named set, in order, and wait until they
    /// are ready.
    ///
    /// Every manifest is validated first with a server-side dry run: one bad object
    /// changes nothing. Then they are applied with server-side apply (field manager
    /// `korral`): Namespaces, CRDs (waited for until Established), RBAC, ConfigMaps and
    /// Secrets, storage, Services, workloads, then custom resources; groups annotated
    /// `deploy.korral.dev/wave: "N"` one after another, each once the one before is
    /// ready. It waits (kstatus rules: rollouts complete, Jobs complete, claims bound)
    /// and names the pod and reason when something fails for longer than
    /// --failure-grace. Each deploy is a revision recorded in the cluster, and the set
    /// is an applyset kubectl recognises. Exits 0 when deployed, 1 when it failed, 2 on
    /// bad input.
    ///
    /// Examples:
    ///
    ///   korral deploy shop -f deploy/ -n shop
    ///
    ///   helm template charts/shop | korral deploy shop -f - --prune
    ///
    ///   korral deploy shop -f deploy/ --rollback-on-failure --timeout 10m
    ///
    ///   korral deploy shop -f deploy/ --dry-run
    #[command(verbatim_doc_comment)]
    Deploy(DeployArgs),
    /// Show what `korral deploy` would change, object by object, and what --prune
    /// would delete.
    ///
    /// A unified YAML diff from the live object to what the server's dry run of the
    /// manifest returns, without managedFields, status and other fields the server
    /// keeps; Secret values are masked. Exits 1 when there are differences, as
    /// `kubectl diff` does, 0 when there are none.
    ///
    /// Example: korral diff shop -f deploy/ -n shop
    #[command(verbatim_doc_comment)]
    Diff(DiffArgs),
    /// Put a recorded revision of a set back (the last good one before the current by
    /// default), as a new revision, deleting what that revision did not have.
    ///
    /// Examples:
    ///
    ///   korral rollback shop -n shop
    ///
    ///   korral rollback shop 3 -n shop --timeout 2m
    #[command(verbatim_doc_comment)]
    Rollback(RollbackArgs),
    /// List the sets deployed with korral, or one set's revisions.
    ///
    /// Examples:
    ///
    ///   korral releases -A
    ///
    ///   korral releases shop -n shop
    #[command(verbatim_doc_comment)]
    Releases(ReleasesArgs),
    /// Delete a set's objects, in reverse order, and its records.
    ///
    /// CustomResourceDefinitions stay unless --prune-crds (deleting one deletes every
    /// resource of its kind, in every namespace).
    ///
    /// Example: korral undeploy shop -n shop --wait
    #[command(verbatim_doc_comment)]
    Undeploy(UndeployArgs),
    /// Put the objects of a backup back: into the same cluster, another one, or other
    /// namespaces.
    ///
    /// The backup is verified (its signature too, when signed) before anything is
    /// written. What controllers recreate or the old cluster owns is left out (Pods,
    /// ReplicaSets and Jobs of a controller, completed Pods and Jobs, Endpoints, Events,
    /// Leases, ControllerRevisions, Nodes, service account tokens); server-set fields
    /// and the old cluster's addresses are stripped. Objects are created in the deploy
    /// engine's order (CRDs established first), owner references re-linked to the new
    /// objects. An object that exists is skipped (never overwritten) unless --existing
    /// update. Prints each object's result; exits 1 when any failed.
    ///
    /// Examples:
    ///
    ///   korral restore shop-backup.tar.zst --context new-cluster
    ///
    ///   korral restore shop-backup.tar.zst -n shop --namespace-mapping shop:shop-copy --wait
    ///
    ///   korral restore shop-backup.tar.zst --existing update --dry-run
    #[command(verbatim_doc_comment)]
    Restore(RestoreArgs),
    /// Run a tool as a Kubernetes Job, retried, queued and kept by the jobs controller.
    ///
    /// Creates a Run of a Tool (see `korral jobs` and docs/jobs.md); with --wait,
    /// follows it to its end and exits 1 unless it succeeded.
    ///
    /// Examples:
    ///
    ///   korral run trivy -n security --wait
    ///
    ///   korral run trivy --queue scanners --priority 50 -- image redis:7.4
    #[command(verbatim_doc_comment)]
    Run(crate::commands::jobs::args::RunArgs),
    /// Tools as Jobs: runs, retries, the dead-letter queue, queues, schedules,
    /// workflows, and the controller behind them.
    ///
    /// Examples:
    ///
    ///   korral jobs install --crds-only && korral jobs controller -n batch
    ///
    ///   korral jobs list -A
    ///
    ///   korral jobs queue scanners
    ///
    ///   korral jobs workflow get release
    #[command(verbatim_doc_comment)]
    Jobs(crate::commands::jobs::args::JobsArgs),
    /// Print a shell completion script.
    ///
    /// Example: korral completion bash > /etc/bash_completion.d/korral
    Completion {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Where objects come from.
#[derive(Debug, Default, Args)]
pub struct SourceArgs {
    /// A manifest file, a folder (read recursively for .yaml, .yml and .json) or a
    /// `kubectl get -o yaml|json` dump; `-` reads standard input. Repeatable. Without
    /// it (or -k, --helm), korral reads the cluster of the kubeconfig's current
    /// context. In a folder, `kustomization.yaml` and Helm's `Chart.yaml` and
    /// `values*.yaml` are recognised and skipped, and a Helm chart (`Chart.yaml` beside
    /// `templates/`) is not read: use -k or --helm for those.
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub files: Vec<PathBuf>,

    /// Leave out the files and folders under a -f folder whose path matches (`*`, `?`,
    /// `**`; without `/` it matches any one name, as in .gitignore: `--exclude
    /// '*.json' --exclude 'overlays/*/secrets'`). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Read what a kustomization builds, through `kubectl kustomize DIR` (kubectl must
    /// be installed). Repeatable; combines with -f.
    #[arg(short = 'k', long = "kustomize", value_name = "DIR")]
    pub kustomize: Vec<PathBuf>,

    /// Read what a Helm chart renders, through `helm template CHART` (helm must be
    /// installed; with -n, the release namespace). Combines with -f.
    #[arg(long, value_name = "CHART")]
    pub helm: Option<String>,

    /// Values for --helm (`helm template --values FILE`). Repeatable.
    #[arg(long = "values", value_name = "FILE", requires = "helm")]
    pub values: Vec<PathBuf>,

    /// The kubeconfig to use (else `KUBECONFIG`, else ~/.kube/config, else the
    /// in-cluster service account).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["files", "kustomize", "helm"])]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["files", "kustomize", "helm"])]
    pub context: Option<String>,

    /// How long one request to the API server may take (kubectl's flag): `30s`, `2m`,
    /// a number of seconds, or `0` for no limit (a server silent for 320 s still ends
    /// it). Watches and followed logs run on: only their start is timed.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = request_timeout, conflicts_with = "files")]
    pub request_timeout: Duration,
}

impl SourceArgs {
    /// Whether the objects come from files or rendered manifests rather than a live
    /// cluster.
    pub fn is_offline(&self) -> bool {
        !self.files.is_empty() || !self.kustomize.is_empty() || self.helm.is_some()
    }
}

#[derive(Debug, Args)]
pub struct TopologyArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// Only this namespace (and the cluster-scoped objects its objects relate to).
    /// Files show every namespace unless this narrows them; a live cluster shows the
    /// context's namespace unless -A. With files, objects that name no namespace are
    /// placed in NS, as `kubectl apply -n NS -f` places them.
    #[arg(short, long, value_name = "NS", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,

    /// Every namespace (the default for files and dumps).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Read the live cluster (the default without -f, -k or --helm).
    #[arg(long, conflicts_with_all = ["files", "kustomize", "helm"])]
    pub live: bool,

    /// Keep watching the live cluster and print each change to the graph (nodes and
    /// edges added and removed) as it happens. Ctrl-C stops.
    #[arg(long, conflicts_with_all = ["files", "kustomize", "helm"])]
    pub watch: bool,

    /// Start from the objects whose labels match, as kubectl's -l
    /// (`app=web,tier!=db,env in (prod,staging),!canary`).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Start from one object: KIND/NAME or KIND/NAMESPACE/NAME (`deploy/shop/frontend`).
    /// Shows its owners, what it owns, and what those relate to.
    #[arg(long, value_name = "KIND/NAME")]
    pub focus: Option<String>,

    /// With --focus or -l: how many relation hops to follow (ownership chains are
    /// followed whole).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub depth: usize,

    /// Only these relations (comma-separated): owns, selects, mounts, env, pulls-with,
    /// runs-as, runs-on, bound-to, class, routes-to, tls, scales, endpoints, targets,
    /// binds, grants, attaches-to.
    #[arg(long = "relation", value_name = "R,…", value_delimiter = ',')]
    pub relations: Vec<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Tree)]
    pub output: OutputFormat,

    /// Write to this file instead of standard output (written whole or not at all).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Also report references to kinds absent from the input entirely (a pod's Node or
    /// ServiceAccount when the input holds none).
    #[arg(long)]
    pub strict: bool,

    /// Exit with status 1 when the graph has problems.
    #[arg(long)]
    pub fail_on_problems: bool,

    /// The graph as it was at TIME, rebuilt from what `korral serve` recorded: an RFC
    /// 3339 time or a duration back from now (`-15m`, `-2h`). `--context` picks the
    /// recorded cluster.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, conflicts_with_all = ["files", "kustomize", "helm", "watch", "live"])]
    pub at: Option<String>,

    /// With --at: the store to read (default: the embedded file `korral serve` uses).
    #[arg(long, value_name = "URL", requires = "at")]
    pub database: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// Only this namespace (nodes are always shown). A live cluster is read in every
    /// namespace unless this narrows it. With files, objects that name no namespace
    /// are placed in NS, as `kubectl apply -n NS -f` places them.
    #[arg(short, long, value_name = "NS", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,

    /// Every namespace (the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Report pods Pending for longer than this (`30s`, `5m`, `1h`).
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub pending_after: String,

    /// Report Warning events newer than this.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub events_since: String,

    /// The status as it was at TIME, rebuilt from what `korral serve` recorded: an RFC
    /// 3339 time or a duration back from now (`-15m`, `-2h`). `--context` picks the
    /// recorded cluster.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, conflicts_with_all = ["files", "kustomize", "helm"])]
    pub at: Option<String>,

    /// With --at: the store to read (default: the embedded file `korral serve` uses).
    #[arg(long, value_name = "URL", requires = "at")]
    pub database: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// Only this namespace. A live cluster shows the context's namespace unless -A;
    /// files show every namespace.
    #[arg(short, long, value_name = "NS", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,

    /// Every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Only events about this object: KIND/NAME (`pod/web-0`, `deploy/frontend`).
    #[arg(long = "for", value_name = "KIND/NAME")]
    pub for_object: Option<String>,

    /// Only events of this type.
    #[arg(long = "type", value_enum, value_name = "TYPE", ignore_case = true)]
    pub event_type: Option<EventType>,

    /// Keep printing new events as they happen (live clusters). Ctrl-C stops.
    #[arg(short, long, conflicts_with = "files")]
    pub watch: bool,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EventType {
    /// Routine events.
    Normal,
    /// Something went wrong.
    Warning,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// A pod, or KIND/NAME of what runs pods.
    #[arg(
        value_name = "TARGET",
        required_unless_present = "selector",
        conflicts_with = "selector"
    )]
    pub target: Option<String>,

    /// The pods whose labels match (kubectl's -l syntax).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// The namespace (default: the context's).
    #[arg(short, long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Only this container.
    #[arg(short, long, value_name = "NAME", conflicts_with = "all_containers")]
    pub container: Option<String>,

    /// Every container, init containers too (default: each pod's default container).
    #[arg(long)]
    pub all_containers: bool,

    /// Keep streaming, and pick up pods that appear. Ctrl-C stops.
    #[arg(short, long)]
    pub follow: bool,

    /// Only the last N lines of each container.
    #[arg(long, value_name = "N")]
    pub tail: Option<i64>,

    /// Only lines newer than this (`30s`, `10m`, `1h`).
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,

    /// Only lines that match this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,

    /// Start each line with its timestamp.
    #[arg(long)]
    pub timestamps: bool,

    /// The kubeconfig to use (else `KUBECONFIG`, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// How long one request to the API server may take (kubectl's flag): `30s`, `2m`,
    /// a number of seconds, or `0` for no limit (a server silent for 320 s still ends
    /// it). Watches and followed logs run on: only their start is timed.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = request_timeout)]
    pub request_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    /// What to show.
    #[arg(value_enum)]
    pub what: TopWhat,

    /// Pods of this namespace (default: the context's).
    #[arg(short, long, value_name = "NS", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,

    /// Pods of every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,

    /// The kubeconfig to use (else `KUBECONFIG`, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// How long one request to the API server may take (kubectl's flag): `30s`, `2m`,
    /// a number of seconds, or `0` for no limit (a server silent for 320 s still ends
    /// it). Watches and followed logs run on: only their start is timed.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = request_timeout)]
    pub request_timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TopWhat {
    /// Nodes, with the share of their allocatable CPU and memory in use.
    #[value(alias = "node", alias = "no")]
    Nodes,
    /// Pods, their containers summed.
    #[value(alias = "pod", alias = "po")]
    Pods,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The file to write, whole or not at all (a temporary file renamed into place);
    /// `-` (the default) writes to standard output.
    #[arg(long = "out", value_name = "FILE", default_value = "-")]
    pub out: PathBuf,

    /// The format: one `kind: List` document in JSON (one object per line) or YAML.
    #[arg(short, long, value_enum, default_value_t = SnapshotFormat::Json)]
    pub output: SnapshotFormat,

    /// The kubeconfig to use (else `KUBECONFIG`, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// How long one request to the API server may take (kubectl's flag): `30s`, `2m`,
    /// a number of seconds, or `0` for no limit (a server silent for 320 s still ends
    /// it). Watches and followed logs run on: only their start is timed.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = request_timeout)]
    pub request_timeout: Duration,

    /// Only this namespace (and cluster-scoped objects). Default: every namespace.
    #[arg(short, long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Keep Secret values in clear. Without it, every value of `data` and
    /// `stringData` is replaced by an empty string and the Secret is annotated
    /// `korral.io/redacted: "true"`.
    #[arg(long)]
    pub include_secret_data: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnapshotFormat {
    /// `{"apiVersion":"v1","kind":"List","items":[…]}`, one object per line.
    Json,
    /// The same `kind: List` document as YAML.
    Yaml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people: tables, or sections of what needs attention and a summary line.
    Table,
    /// The whole document as JSON.
    Json,
    /// The same document as YAML.
    Yaml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Ownership tree with the other relations under each object (colour on a terminal).
    Tree,
    /// `{"nodes":[…],"edges":[…],"problems":[…]}`, sorted.
    Json,
    /// The same document as YAML.
    Yaml,
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
    /// Layered drawing (Ingress → Service → workloads → Pods → config → Nodes).
    Svg,
    /// The drawing as PNG.
    Png,
    /// The drawing as PDF.
    Pdf,
}

impl From<OutputFormat> for korral_topology::Format {
    fn from(format: OutputFormat) -> Self {
        use korral_topology::Format;
        match format {
            OutputFormat::Tree => Format::Tree,
            OutputFormat::Json => Format::Json,
            OutputFormat::Yaml => Format::Yaml,
            OutputFormat::Dot => Format::Dot,
            OutputFormat::Mermaid => Format::Mermaid,
            OutputFormat::Svg => Format::Svg,
            OutputFormat::Png => Format::Png,
            OutputFormat::Pdf => Format::Pdf,
        }
    }
}

/// `--request-timeout`: kubectl's syntax; `0` (no limit) is `Duration::ZERO`.
/// The cluster a writing command talks to.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// The set's namespace: where its records live and where objects that name no
    /// namespace go (default: the context's namespace).
    #[arg(short, long, value_name = "NS")]
    pub namespace: Option<String>,

    /// The kubeconfig to use (else `KUBECONFIG`, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// How long one request to the API server may take (kubectl's flag): `30s`, `2m`,
    /// a number of seconds, or `0` for no limit.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = request_timeout)]
    pub request_timeout: Duration,
}

/// Manifests to deploy.
#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// A manifest file, a folder (read recursively for .yaml, .yml and .json), a
    /// `kubectl get -o yaml|json` dump, a korral bundle (verified first), or `-` for
    /// standard input. Repeatable.
    #[arg(short = 'f', long = "filename", value_name = "PATH", required_unless_present_any = ["kustomize", "helm"])]
    pub files: Vec<PathBuf>,

    /// Leave out files under a -f folder whose path matches (`*`, `?`, `**`). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Deploy what a kustomization builds (`kubectl kustomize DIR`). Repeatable.
    #[arg(short = 'k', long = "kustomize", value_name = "DIR")]
    pub kustomize: Vec<PathBuf>,

    /// Deploy what a Helm chart renders (`helm template CHART`).
    #[arg(long, value_name = "CHART")]
    pub helm: Option<String>,

    /// Values for --helm. Repeatable.
    #[arg(long = "values", value_name = "FILE", requires = "helm")]
    pub values: Vec<PathBuf>,

    /// With a korral bundle among the -f paths (`.tar.zst`, `.tar.gz`, `.tgz`,
    /// `.tar`, `.zip`: verified, then its manifests read), fail unless it is signed by a
    /// trusted key.
    #[arg(long)]
    pub require_signature: bool,

    #[command(flatten)]
    pub keyring: crate::commands::keys::KeyringArgs,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The set's name: lowercase letters, digits and `-`, at most 40.
    pub name: String,

    #[command(flatten)]
    pub manifests: ManifestArgs,

    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Delete the set's objects that are no longer in the manifests (never anything
    /// outside the set).
    #[arg(long)]
    pub prune: bool,

    /// Let --prune delete CustomResourceDefinitions (and every resource of their kinds).
    #[arg(long)]
    pub prune_crds: bool,

    /// Wait until everything is ready (the default).
    #[arg(long, overrides_with = "no_wait")]
    pub wait: bool,

    /// Do not wait for the last wave to be ready (earlier waves are still waited for).
    #[arg(long)]
    pub no_wait: bool,

    /// How long the deploy may take, waits included: `90s`, `5m`, `1h`.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = positive_duration)]
    pub timeout: Duration,

    /// How long a failure (CrashLoopBackOff, ImagePullBackOff, a failed Job…) must last
    /// before it fails the deploy.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = positive_duration)]
    pub failure_grace: Duration,

    /// When the deploy fails, deploy the last good revision again.
    #[arg(long)]
    pub rollback_on_failure: bool,

    /// Validate every object with the server and say what would be applied; change
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Take over fields that other field managers own (server-side apply's force).
    #[arg(long)]
    pub force_conflicts: bool,

    /// Wait for a LoadBalancer Service's address too.
    #[arg(long)]
    pub wait_load_balancer: bool,

    /// How many revisions to keep.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub history_max: usize,

    /// The format: progress lines and a summary (table), or the outcome as JSON or YAML.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The set's name.
    pub name: String,

    #[command(flatten)]
    pub manifests: ManifestArgs,

    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// The format: the unified diff (table), or the changes as JSON or YAML.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The set's name.
    pub name: String,

    /// The revision to put back (default: the last good one before the current).
    pub revision: Option<u32>,

    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Wait until everything is ready (the default).
    #[arg(long, overrides_with = "no_wait")]
    pub wait: bool,

    /// Do not wait for the objects to be ready.
    #[arg(long)]
    pub no_wait: bool,

    /// How long the rollback may take.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = positive_duration)]
    pub timeout: Duration,

    /// How long a failure must last before it fails the rollback.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = positive_duration)]
    pub failure_grace: Duration,

    /// Take over fields that other field managers own.
    #[arg(long)]
    pub force_conflicts: bool,

    /// The format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ReleasesArgs {
    /// A set: list its revisions.
    pub name: Option<String>,

    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Sets in every namespace.
    #[arg(short = 'A', long, conflicts_with_all = ["namespace", "name"])]
    pub all_namespaces: bool,

    /// The format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Args)]
pub struct UndeployArgs {
    /// The set's name.
    pub name: String,

    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Wait until the objects are gone.
    #[arg(long)]
    pub wait: bool,

    /// Delete the set's CustomResourceDefinitions too (and every resource of their kinds).
    #[arg(long)]
    pub prune_crds: bool,

    /// How long --wait may take.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = positive_duration)]
    pub timeout: Duration,

    /// The format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup (a korral bundle written by `korral backup create`).
    pub file: PathBuf,

    /// Only these namespaces (their Namespace objects and the backup's CRDs come
    /// along). Repeatable. Default: everything in the backup.
    #[arg(short, long = "namespace", value_name = "NS")]
    pub namespaces: Vec<String>,

    /// Restore namespace OLD as NEW, rewriting what names it (binding subjects, webhook
    /// and API service references): `shop:shop-copy,db:db-copy`.
    #[arg(long, value_name = "OLD:NEW,…")]
    pub namespace_mapping: Option<String>,

    /// Only these kinds (`Deployment`, `deployment.apps`, comma-separated).
    #[arg(long, value_name = "KIND,…", value_delimiter = ',')]
    pub include_kinds: Vec<String>,

    /// Not these kinds.
    #[arg(long, value_name = "KIND,…", value_delimiter = ',')]
    pub exclude_kinds: Vec<String>,

    /// What to do with an object that exists: skip it (never overwrite), or update it.
    #[arg(long, value_enum, default_value_t = ExistingArg::Skip)]
    pub existing: ExistingArg,

    /// Keep Services' cluster IPs and node ports (default: the cluster assigns new ones).
    #[arg(long)]
    pub keep_cluster_ips: bool,

    /// Ask the server to validate every object; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Wait until what was restored is ready.
    #[arg(long)]
    pub wait: bool,

    /// How long the restore may take, waits included.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = positive_duration)]
    pub timeout: Duration,

    /// Fail unless the backup is signed by a trusted key.
    #[arg(long)]
    pub require_signature: bool,

    #[command(flatten)]
    pub keyring: crate::commands::keys::KeyringArgs,

    #[command(flatten)]
    pub passphrase: crate::commands::keys::PassphraseArgs,

    /// The kubeconfig to use (else `KUBECONFIG`, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// How long one request to the API server may take.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = request_timeout)]
    pub request_timeout: Duration,

    /// The format: a line per object and a summary (table), or the report as JSON or YAML.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExistingArg {
    /// Leave an existing object as it is.
    Skip,
    /// Update it to the backup's version (server-side apply, taking over conflicts).
    Update,
}

/// `30s`, `5m`, `1h30m`: a duration above zero.
fn positive_duration(text: &str) -> Result<Duration, String> {
    let parsed = crate::commands::duration(text).map_err(|e| e.to_string())?;
    Duration::try_from(parsed)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("`{text}` must be above zero"))
}

fn request_timeout(text: &str) -> Result<Duration, String> {
    korral_kube::Limits::parse_timeout(text).map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
