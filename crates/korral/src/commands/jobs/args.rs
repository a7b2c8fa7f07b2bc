//! The arguments of `korral run` and `korral jobs …` (kept beside the command, which
//! owns them; `cli.rs` names them).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

/// Where to find the cluster and which namespace.
#[derive(Debug, Args, Clone)]
pub struct Target {
    /// The namespace (default: the context's).
    #[arg(short, long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Every namespace.
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,

    /// The kubeconfig to use (else `KUBECONFIG`, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables and trees for people.
    #[default]
    Table,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The Tool to run.
    pub tool: String,

    /// Arguments instead of the tool's (after `--`).
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,

    /// The queue instead of the tool's.
    #[arg(long, value_name = "QUEUE")]
    pub queue: Option<String>,

    /// The priority instead of the tool's (higher starts first).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub priority: Option<i32>,

    /// The Run's name (default: the tool's name and a random suffix).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Wait until the run finished; exit 1 unless it succeeded.
    #[arg(long)]
    pub wait: bool,

    #[command(flatten)]
    pub target: Target,

    /// The output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    pub command: JobsCommand,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Print the CustomResourceDefinitions (Tool, Run, Queue, Schedule, Workflow).
    ///
    /// Example: korral jobs crds | kubectl apply -f -
    Crds {
        /// The output format (YAML documents by default).
        #[arg(short, long, value_enum, default_value_t = Format::Yaml)]
        output: Format,
    },

    /// Install the CRDs and an in-cluster controller (RBAC and a Deployment) through
    /// the apply engine.
    ///
    /// Examples:
    ///
    ///   korral jobs install --crds-only        # then run `korral jobs controller`
    ///
    ///   korral jobs install --image registry.local/korral:0.1 --controller-namespace korral
    Install(InstallArgs),

    /// Run the controller here, with the kubeconfig's credentials, until interrupted.
    ///
    /// Example: korral jobs controller -n batch
    Controller(ControllerArgs),

    /// List runs: phase, attempts, the last failure's reason.
    ///
    /// Example: korral jobs list -A
    List(ListArgs),

    /// Show a run: every attempt with its Job, pod, exit code, reason and the last log
    /// lines kept.
    ///
    /// Example: korral jobs get scan-x2k9f -o json
    Get(NameArgs),

    /// Print a run's log: the pod's while it exists, else the lines kept in the Run.
    ///
    /// Example: korral jobs logs scan-x2k9f --attempt 1
    Logs(LogsArgs),

    /// Cancel a run: its Job is deleted, it ends Cancelled.
    Cancel(NameArgs),

    /// Start a finished run again with a fresh retry budget.
    Retry(NameArgs),

    /// The dead-letter queue: runs whose retries are used up.
    ///
    /// Examples:
    ///
    ///   korral jobs dlq
    ///
    ///   korral jobs dlq retry scan-x2k9f
    ///
    ///   korral jobs dlq purge --all
    Dlq(DlqArgs),

    /// A queue's runs in order: who runs, who waits behind whom and why, and an
    /// estimated start from recent run durations.
    ///
    /// Example: korral jobs queue scanners
    Queue(QueueArgs),

    /// Schedules.
    #[command(subcommand)]
    Schedule(ScheduleCommand),

    /// Workflows.
    #[command(subcommand)]
    Workflow(WorkflowCommand),
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Only the CRDs (run the controller elsewhere: `korral jobs controller`).
    #[arg(long)]
    pub crds_only: bool,

    /// The controller's namespace (created if missing).
    #[arg(long, value_name = "NS", default_value = "korral-jobs")]
    pub controller_namespace: String,

    /// The image of the controller (a korral build).
    #[arg(
        long,
        value_name = "IMAGE",
        default_value = "ghcr.io/korral-dev/korral:latest"
    )]
    pub image: String,

    /// Watch only this namespace (default: all, with cluster-wide RBAC).
    #[arg(long, value_name = "NS")]
    pub watch: Option<String>,

    /// Ask the server to validate only; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// The kubeconfig to use.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

#[derive(Debug, Args)]
pub struct ControllerArgs {
    #[command(flatten)]
    pub target: Target,

    /// The namespace of the leader Lease (default: the watched one, else `default`).
    #[arg(long, value_name = "NS")]
    pub lease_namespace: Option<String>,

    /// How often running attempts' pods and waiting runs' queues are looked at, in
    /// seconds (changes to Runs and Jobs are seen at once).
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub poll: f64,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub target: Target,

    /// Only runs in this phase (Queued, Running, Retrying, Succeeded, Failed,
    /// DeadLettered, Cancelled).
    #[arg(long, value_name = "PHASE")]
    pub phase: Option<String>,

    /// The output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    /// The name.
    pub name: String,

    #[command(flatten)]
    pub target: Target,

    /// The output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The Run.
    pub name: String,

    /// Which attempt (default: the last).
    #[arg(long, value_name = "N")]
    pub attempt: Option<usize>,

    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DlqAction {
    /// List the dead-lettered runs (the default).
    List,
    /// Start them again with a fresh retry budget.
    Retry,
    /// Delete them (and their Jobs).
    Purge,
}

#[derive(Debug, Args)]
pub struct DlqArgs {
    /// What to do.
    #[arg(value_enum, default_value_t = DlqAction::List)]
    pub action: DlqAction,

    /// The runs to retry or purge.
    pub names: Vec<String>,

    /// Every dead-lettered run (for retry and purge).
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub target: Target,

    /// The output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

#[derive(Debug, Args)]
pub struct QueueArgs {
    /// The queue (default: every queue in the namespace).
    pub name: Option<String>,

    #[command(flatten)]
    pub target: Target,

    /// The output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Start a run of the schedule now, within its concurrency policy.
    ///
    /// Example: korral jobs schedule trigger nightly-scan
    Trigger(NameArgs),
}

#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// Create a Workflow from a file and start it.
    ///
    /// Example: korral jobs workflow run -f examples/jobs/workflow.yaml --wait
    Run(WorkflowRunArgs),
    /// Show a workflow's DAG as a tree with each step's state.
    ///
    /// Example: korral jobs workflow get release
    Get(NameArgs),
}

#[derive(Debug, Args)]
pub struct WorkflowRunArgs {
    /// The Workflow manifest (YAML or JSON).
    #[arg(short, long, value_name = "FILE")]
    pub file: PathBuf,

    /// Wait until it finished; exit 1 unless it succeeded.
    #[arg(long)]
    pub wait: bool,

    #[command(flatten)]
    pub target: Target,

    /// The output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}
