//! korral's terminal UI: k9s's keys over korral's live watches, with the topology,
//! health, history and audit views k9s lacks.
//!
//! - [`App`]: the whole state as a state machine: [`App::on_key`] and
//!   [`App::on_mouse`] change it and return [`Effect`]s (a log stream, a delete, an
//!   edit) for the driver; [`App::update`] takes what the cluster side sends
//!   ([`Update`]: watch events, log lines, results). No terminal, no I/O: unit-tested
//!   key by key.
//! - [`draw`]: renders an [`App`] with ratatui, building only the rows on screen.
//! - [`run`]: the terminal (restored on exit, error and panic), the input thread, the
//!   watches on an async runtime, and one loop that draws only when a key, a change
//!   or a timer came: idle, it costs nothing.
//!
//! ```no_run
//! use korral_tui::{Options, Source, run};
//!
//! run(Options {
//!     source: Source::Live(korral_kube::KubeOptions::default()),
//!     namespace: None,
//!     view: "po".to_owned(),
//!     database: None,
//!     color: true,
//! })?;
//! # Ok::<(), korral_tui::Error>(())
//! ```

mod app;
mod cache;
mod command;
mod describe;
mod error;
mod live;
mod render;
mod row;
mod run;
mod view;

#[cfg(test)]
mod fixture;

pub use app::{App, Areas, ClusterInfo, Effect, Level, Mode, Update};
pub use cache::{Cache, Change, Entry};
pub use error::{Error, Result};
pub use render::draw;
pub use row::{Health, Row};
pub use run::{Options, Source, TIMINGS_ENV, run};
pub use view::{TableSource, TextKind, View};
