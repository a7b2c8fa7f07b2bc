//! `korral provision`: runs `ansible-playbook` on what `korral generate` wrote and reads
//! its output as it comes, so the caller can show progress per host and task and a
//! summary.
//!
//! Ansible's default output callback is read line by line (colour off): `PLAY [..]`,
//! `TASK [..]`, `ok: [host]`, `changed: [host]`, `fatal: [host]: FAILED! => {..}`, and
//! the `PLAY RECAP` lines. Everything it prints on standard output is also kept in
//! `<dir>/.korral/provision.log`.

use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The program korral runs, looked up on `PATH`.
pub const ANSIBLE_PLAYBOOK: &str = "ansible-playbook";

/// Where the output of the last run is kept, relative to the generated folder.
pub const LOG_FILE: &str = ".korral/provision.log";

/// The generated playbooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Playbook {
    /// Everything: K3s, GPU support, GitOps.
    #[default]
    Site,
    /// K3s only.
    ProvisionCluster,
    /// Nodes added to a running cluster (with `--limit`).
    AddNode,
    /// Drain, delete and uninstall nodes (with `--limit`).
    RemoveNode,
    /// Rolling K3s upgrade, control planes first.
    Upgrade,
}

impl Playbook {
    pub fn file(self) -> &'static str {
        match self {
            Self::Site => "site.yml",
            Self::ProvisionCluster => "provision_cluster.yml",
            Self::AddNode => "add_node.yml",
            Self::RemoveNode => "remove_node.yml",
            Self::Upgrade => "upgrade.yml",
        }
    }
}

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The folder `korral generate` wrote (holding `ansible/`).
    pub dir: PathBuf,
    pub playbook: Playbook,
    /// `--check`: report what would change, change nothing.
    pub check: bool,
    /// `--diff`: show the changes to files.
    pub diff: bool,
    /// `--limit`: only these hosts (an Ansible pattern).
    pub limit: Option<String>,
    /// `--tags`: only these tags.
    pub tags: Vec<String>,
    /// Passed to ansible-playbook after korral's own arguments.
    pub extra_args: Vec<OsString>,
}

/// Why provisioning could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `ansible-playbook` is not on `PATH`.
    #[error(
        "`ansible-playbook` is not installed (or not on PATH): install Ansible with `pipx install ansible-core` or `python3 -m pip install --user ansible-core`, then run korral provision again"
    )]
    AnsibleMissing,
    /// The folder holds no generated Ansible.
    #[error(
        "`{0}` does not exist: run `korral generate` first (or pass --dir with its --out folder)"
    )]
    NotGenerated(PathBuf),
    #[error("cannot run `ansible-playbook`: {0}")]
    Spawn(io::Error),
    #[error("cannot write `{path}`: {source}")]
    Log { path: PathBuf, source: io::Error },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How a host ended a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Changed,
    Skipped,
    Failed,
    Unreachable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Changed => "changed",
            Self::Skipped => "skipping",
            Self::Failed => "failed",
            Self::Unreachable => "unreachable",
        }
    }
}

/// One host's line of the `PLAY RECAP`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HostSummary {
    pub host: String,
    pub ok: u32,
    pub changed: u32,
    pub unreachable: u32,
    pub failed: u32,
    pub skipped: u32,
    pub rescued: u32,
    pub ignored: u32,
}

impl HostSummary {
    pub fn succeeded(&self) -> bool {
        self.failed == 0 && self.unreachable == 0
    }
}

/// What one line of ansible-playbook's output says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Play(String),
    /// A task or handler starts: `role : name`.
    Task(String),
    /// A host's result for the current task; `item` for loops, `message` for failures.
    Host {
        host: String,
        status: Status,
        item: Option<String>,
        message: Option<String>,
    },
    Summary(HostSummary),
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// ansible-playbook's exit code (`None` when killed by a signal).
    pub exit_code: Option<i32>,
    pub summary: Vec<HostSummary>,
    pub log: PathBuf,
}

impl Outcome {
    /// Whether every host succeeded and ansible-playbook exited 0.
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && self.summary.iter().all(HostSummary::succeeded)
    }
}

/// The command line korral runs, in `<dir>/ansible`.
pub fn command(options: &Options) -> Result<Command> {
    let ansible = options.dir.join("ansible");
    let inventory = ansible.join("inventory.yml");
    if !inventory.is_file() {
        return Err(Error::NotGenerated(inventory));
    }
    let mut command = Command::new(ANSIBLE_PLAYBOOK);
    command
        .current_dir(&ansible)
        .args(["-i", "inventory.yml", options.playbook.file()]);
    if options.check {
        command.arg("--check");
    }
    if options.diff {
        command.arg("--diff");
    }
    if let Some(limit) = &options.limit {
        command.arg("--limit").arg(limit);
    }
    if !options.tags.is_empty() {
        command.arg("--tags").arg(options.tags.join(","));
    }
    command.args(&options.extra_args);
    // The output is parsed: the default callback, no colour, lines as they happen.
    // ansible.cfg is named so Ansible reads it even from a world-writable folder.
    command
        .env("ANSIBLE_CONFIG", ansible.join("ansible.cfg"))
        .env("ANSIBLE_STDOUT_CALLBACK", "default")
        .env("ANSIBLE_CALLBACK_RESULT_FORMAT", "json")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_FORCE_COLOR", "0")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    Ok(command)
}

/// Runs the playbook, calling `on_event` for each line understood, and keeps the whole
/// output in [`LOG_FILE`].
pub fn run(options: &Options, mut on_event: impl FnMut(&Event)) -> Result<Outcome> {
    let mut command = command(options)?;
    let log_path = options.dir.join(LOG_FILE);
    let log_error = |source| Error::Log {
        path: log_path.clone(),
        source,
    };
    if let Some(parent) = log_path.parent() {
        std::fs::create_dir_all(parent).map_err(log_error)?;
    }
    let mut log = io::BufWriter::new(std::fs::File::create(&log_path).map_err(log_error)?);
    let mut child = command.spawn().map_err(|err| {
        if err.kind() == io::ErrorKind::NotFound {
            Error::AnsibleMissing
        } else {
            Error::Spawn(err)
        }
    })?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::Spawn(io::Error::other("ansible-playbook has no output pipe")))?;
    let mut parser = Parser::default();
    let mut summary = Vec::new();
    for line in BufReader::new(stdout).split(b'\n') {
        let line = line.map_err(Error::Spawn)?;
        let line = String::from_utf8_lossy(&line);
        writeln!(log, "{line}").map_err(log_error)?;
        if let Some(event) = parser.line(&line) {
            if let Event::Summary(host) = &event {
                summary.push(host.clone());
            }
            on_event(&event);
        }
    }
    log.flush().map_err(log_error)?;
    let status = child.wait().map_err(Error::Spawn)?;
    Ok(Outcome {
        exit_code: status.code(),
        summary,
        log: log_path,
    })
}

/// Reads ansible-playbook's default output one line at a time.
#[derive(Debug, Default)]
pub struct Parser {
    in_recap: bool,
}

impl Parser {
    pub fn line(&mut self, line: &str) -> Option<Event> {
        let line = line.trim_end();
        if banner(line, "PLAY RECAP") {
            self.in_recap = true;
            return None;
        }
        if let Some(name) = bracketed_banner(line, "PLAY") {
            self.in_recap = false;
            return Some(Event::Play(name));
        }
        if let Some(name) =
            bracketed_banner(line, "TASK").or_else(|| bracketed_banner(line, "RUNNING HANDLER"))
        {
            return Some(Event::Task(name));
        }
        if self.in_recap {
            return recap(line).map(Event::Summary);
        }
        host_result(line)
    }
}

/// Whether `line` is `NAME ****`.
fn banner(line: &str, name: &str) -> bool {
    line.strip_prefix(name)
        .is_some_and(|rest| rest.trim_end_matches('*').trim().is_empty())
}

/// `NAME [title] ****` → `title`.
fn bracketed_banner(line: &str, name: &str) -> Option<String> {
    let rest = line.strip_prefix(name)?.strip_prefix(" [")?;
    let rest = rest.trim_end_matches('*').trim_end();
    let title = rest.strip_suffix(']')?;
    Some(title.to_owned())
}

/// `host : ok=1 changed=0 unreachable=0 failed=0 skipped=2 rescued=0 ignored=0`.
fn recap(line: &str) -> Option<HostSummary> {
    let (host, counts) = line.split_once(" : ")?;
    let mut summary = HostSummary {
        host: host.trim().to_owned(),
        ..HostSummary::default()
    };
    let mut seen = false;
    for pair in counts.split_whitespace() {
        let (key, value) = pair.split_once('=')?;
        let value: u32 = value.parse().ok()?;
        seen = true;
        match key {
            "ok" => summary.ok = value,
            "changed" => summary.changed = value,
            "unreachable" => summary.unreachable = value,
            "failed" => summary.failed = value,
            "skipped" => summary.skipped = value,
            "rescued" => summary.rescued = value,
            "ignored" => summary.ignored = value,
            _ => {}
        }
    }
    (seen && !summary.host.is_empty()).then_some(summary)
}

/// `ok: [host]`, `changed: [host -> delegate] => (item=x)`,
/// `fatal: [host]: FAILED! => {...}`, `fatal: [host]: UNREACHABLE! => {...}`,
/// `failed: [host] (item=x) => {...}`.
fn host_result(line: &str) -> Option<Event> {
    let (word, rest) = line.split_once(": [")?;
    let status = match word {
        "ok" => Status::Ok,
        "changed" => Status::Changed,
        "skipping" => Status::Skipped,
        "fatal" | "failed" => Status::Failed,
        _ => return None,
    };
    let (host, rest) = rest.split_once(']')?;
    // `host -> delegated_host`: the result belongs to the inventory host.
    let host = host.split(" -> ").next().unwrap_or(host).trim().to_owned();
    let (status, rest) = if let Some(rest) = rest.strip_prefix(": UNREACHABLE!") {
        (Status::Unreachable, rest)
    } else if let Some(rest) = rest.strip_prefix(": FAILED!") {
        (Status::Failed, rest)
    } else {
        (status, rest)
    };
    let rest = rest.trim();
    let (item, payload) = if let Some(after) = rest.strip_prefix("=> (item=") {
        (after.strip_suffix(')').map(str::to_owned), None)
    } else if let Some(after) = rest.strip_prefix("(item=") {
        match after.split_once(") => ") {
            Some((item, payload)) => (Some(item.to_owned()), Some(payload)),
            None => (after.strip_suffix(')').map(str::to_owned), None),
        }
    } else {
        (None, rest.strip_prefix("=> "))
    };
    let message = match status {
        Status::Failed | Status::Unreachable => payload.map(failure_message),
        _ => None,
    };
    Some(Event::Host {
        host,
        status,
        item,
        message,
    })
}

/// The `msg` of a JSON result, else the text as it is.
fn failure_message(payload: &str) -> String {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|value| {
            value
                .get("msg")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| payload.to_owned())
}

/// Whether `dir` looks like a folder `korral generate` wrote.
pub fn is_generated(dir: &Path) -> bool {
    dir.join("ansible/inventory.yml").is_file()
}

#[cfg(test)]
mod tests;
