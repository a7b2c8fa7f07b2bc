//! `korral-testkit`: writes synthetic cluster dumps for korral's tests and benchmarks,
//! and serves any objects through the Kubernetes API test server.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use korral_testkit::{
    ApiServer, Controllers, ServerOptions, SynthOptions, SynthSummary, write_dump,
};

/// Test-only tools for korral.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a synthetic `kubectl get -A -o json` dump of a realistic cluster.
    Generate(GenerateArgs),
    /// Serve objects through the Kubernetes API test server (a stand-in for a real
    /// API server) until Ctrl-C, with a kubeconfig for it.
    Serve(ServeArgs),
    /// Read FILE and parse it into a `serde_json::Value`, nothing else: the baseline
    /// that `scripts/bench-topology` compares `korral topology` with.
    ParseValue {
        /// A JSON file.
        file: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
struct GenerateArgs {
    /// How many objects the dump holds (100,000 is about 620 MB).
    #[arg(long, value_name = "N")]
    objects: usize,
    /// Seed; the same objects, seed and namespaces give byte-identical output.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// How many namespaces [default: one per 1,000 objects, at least one].
    #[arg(long, value_name = "K")]
    namespaces: Option<usize>,
    /// Write to FILE (through a temporary file beside it, renamed when complete)
    /// instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Files or folders of manifests, or `kubectl get -o json|yaml` dumps, to seed the
    /// server with (`-` for standard input).
    #[arg(long, value_name = "PATH", required = true)]
    from: Vec<PathBuf>,
    /// The port on 127.0.0.1 [default: a free one].
    #[arg(long, value_name = "P", default_value_t = 0)]
    port: u16,
    /// Where to write the kubeconfig [default: ./kubeconfig.korral-test].
    #[arg(long, value_name = "FILE", default_value = "kubeconfig.korral-test")]
    kubeconfig: PathBuf,
    /// Run the simulated controllers: Deployments, ReplicaSets, StatefulSets,
    /// DaemonSets and Jobs get pods, pods get a node and a status from their image tag
    /// (`:missing`, `:crash`, `:fail`, `:oom`, `:unschedulable`, `:slow`), deletes
    /// cascade to dependents and namespaces terminate.
    #[arg(long)]
    controllers: bool,
    /// With `--controllers`: a Deployment's progress deadline in seconds, instead of
    /// its `progressDeadlineSeconds`.
    #[arg(long, value_name = "SECONDS", requires = "controllers")]
    progress_deadline: Option<f64>,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("korral-testkit: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generate(args) => generate(&args),
        Command::Serve(args) => serve(&args),
        Command::ParseValue { file } => {
            let text = fs::read_to_string(&file)
                .with_context(|| format!("cannot read `{}`", file.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("`{}` is not JSON", file.display()))?;
            std::hint::black_box(&value);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn generate(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let opts = SynthOptions {
        objects: args.objects,
        seed: args.seed,
        namespaces: args.namespaces,
    };
    let started = Instant::now();
    let summary = match &args.output {
        Some(path) => write_file(&opts, path)?,
        None => match write_dump(&opts, io::stdout().lock()) {
            Ok(summary) => summary,
            // A closed pipe (`| head`) means the reader has seen enough.
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
            Err(err) => return Err(err).context("cannot write to stdout"),
        },
    };
    report(&summary, started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let seed = korral_core::Loader::new()
        .paths(&args.from)
        .load()
        .context("cannot load the objects to serve")?;
    for warning in seed.warnings() {
        eprintln!("warning: {warning}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let options = ServerOptions {
            port: args.port,
            controllers: args.controllers.then(|| Controllers {
                progress_deadline: args
                    .progress_deadline
                    .and_then(|s| Duration::try_from_secs_f64(s).ok()),
                ..Controllers::default()
            }),
            ..ServerOptions::default()
        };
        let server = ApiServer::start(&seed, options)
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
        server
            .write_kubeconfig(&args.kubeconfig)
            .with_context(|| format!("cannot write `{}`", args.kubeconfig.display()))?;
        let mut out = io::stdout().lock();
        // Best effort: a closed stdout must not stop the server.
        let _ = writeln!(
            out,
            "Kubernetes API test server on {} serving {} objects (a stand-in for tests, not a real cluster).\n\
             Use it with:\n\n    KUBECONFIG={} korral ...\n\nCtrl-C stops it.",
            server.url(),
            seed.len(),
            args.kubeconfig.display()
        );
        let _ = out.flush();
        drop(out);
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
        server.shutdown();
        Ok(ExitCode::SUCCESS)
    })
}

/// Writes beside `path` and renames, so readers never see a half-written dump.
fn write_file(opts: &SynthOptions, path: &Path) -> anyhow::Result<SynthSummary> {
    let name = path
        .file_name()
        .with_context(|| format!("`{}` is not a file path", path.display()))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = path.with_file_name(temp_name);
    let written = File::create(&temp)
        .with_context(|| format!("cannot create `{}`", temp.display()))
        .and_then(|file| {
            write_dump(opts, file).with_context(|| format!("cannot write `{}`", temp.display()))
        })
        .and_then(|summary| {
            fs::rename(&temp, path).with_context(|| {
                format!("cannot rename `{}` to `{}`", temp.display(), path.display())
            })?;
            Ok(summary)
        });
    if written.is_err() {
        // Best effort: the original error is the one worth reporting.
        let _ = fs::remove_file(&temp);
    }
    written
}

fn report(summary: &SynthSummary, seconds: f64) {
    let mut err = io::stderr().lock();
    for (kind, count) in &summary.kinds {
        let _ = writeln!(err, "{count:>8}  {kind}");
    }
    let _ = writeln!(
        err,
        "{:>8}  objects, {:.1} MB ({} bytes/object) in {seconds:.2}s",
        summary.total,
        summary.bytes as f64 / 1e6,
        summary.bytes / summary.total.max(1) as u64,
    );
}
