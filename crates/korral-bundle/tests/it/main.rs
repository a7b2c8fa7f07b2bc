//! Integration tests of korral-bundle, one test binary.
//!
//! - `extract`: extraction reads the archive once (a swap between checking and using is
//!   not possible; pipes extract), and korral's own large bundles verify and extract.
//! - `util`: a keyring with a signing key, bundles made from a folder.

// Test helpers build expected text with `+= &format!(…)` and name pairs alike (`want`/`went`).
#![allow(
    clippy::format_push_string,
    clippy::format_collect,
    clippy::similar_names
)]

mod extract;
mod util;
