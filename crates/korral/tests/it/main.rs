//! End-to-end tests of the `korral` binary, one test binary.
//!
//! - `topology`: `korral topology` on the bundled example cluster, files, stdin and
//!   bad input.
//! - `status`: `korral status` on dumps, healthy and not.
//! - `cli`: help, version and completions.

mod cli;
mod status;
mod topology;
mod util;
