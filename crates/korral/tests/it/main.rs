//! End-to-end tests of the `korral` binary, one test binary.
//!
//! - `topology`: `korral topology` on the bundled example cluster, files, stdin and
//!   bad input.
//! - `cli`: help, version and completions.

mod cli;
mod topology;
mod util;
