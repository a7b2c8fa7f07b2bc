//! End-to-end tests of the `korral` binary, one test binary.
//!
//! - `topology`: `korral topology` on the bundled example cluster, files, stdin and
//!   bad input.
//! - `status`: `korral status` on dumps, healthy and not.
//! - `offline`: topology and status on manifests as repositories hold them: -n, no
//!   status, duplicates, broken files, --exclude, -k and --helm, empty input.
//! - `live`: the same commands against the Kubernetes API test server, through a
//!   real kubeconfig: status, topology, --watch, contexts and access errors.
//! - `events`: `korral events` filters, offline and live with --watch.
//! - `logs`: `korral logs` across pods and containers, with follow.
//! - `hostile`: live commands against a hostile server (silent, trickling, endless
//!   lists, terminal controls) and a leaky exec credential plugin.
//! - `history`: `korral history`, `changes`, `topology --at`, `status --at` on what the
//!   recorder stored from the API test server.
//! - `cli`: help, version and completions.
//! - `pipe`: a closed pipe is a success; data never reaches the terminal as control.
//! - `generate`: `korral generate` (writing, dry runs, hand edits, invalid input) and
//!   `korral provision` on this machine with the real ansible-playbook.
//! - `bundle`: `korral bundle` create, verify, inspect, extract in every format; gpg both ways;
//!   tampering, traversal and bombs. `keys`: `korral keys`, keys moving between gpg and korral.
//! - `backup`: `korral backup create`, `inspect`, `verify` against the API test server:
//!   layout, summary, encrypted Secrets, hostile names, retention; `backup schedule`'s
//!   manifests audited, deployed and their command run as the pod would.
//! - `serve`: `korral serve` over files with a token, a first start's token, TLS.
//! - `web`: the web UI in real headless Chromium (WebDriver): sign-in, the map's counts,
//!   search, live updates, a ConfigMap edited with a diff, its history; screenshots.
//! - `tui`: `korral tui` in tmux against the API test server: views, filter, drill
//!   down, YAML, describe, followed logs, a pod appearing by itself, an edit applied
//!   after its dry-run diff, reconnecting, quit.
//! - `jobs`: `korral run` and `korral jobs …` with `korral jobs controller` running.

mod audit;
mod backup;
mod bundle;
mod cli;
mod cluster;
mod deploy;
mod events;
mod generate;
mod history;
mod hostile;
mod jobs;
mod keys;
mod live;
mod logs;
mod offline;
mod pipe;
mod restore;
mod serve;
mod status;
mod topology;
mod tui;
mod util;
mod web;
