//! korral-topology's integration tests, one binary (see STYLE.md, Tests).

// Test helpers build expected text with `+= &format!(…)` and name pairs alike (`want`/`went`).
#![allow(
    clippy::format_push_string,
    clippy::format_collect,
    clippy::similar_names
)]

// The harness: fixtures in, edges and problems out as sorted lines.
mod util;

// Every relation `infer` draws, one Kubernetes field at a time.
mod relations;
// Dangling references, Services that select nothing, duplicates, invalid selectors,
// strict mode, and odd input that must not panic.
mod problems;
// `View`: namespace, selector, focus, depth and relation filters.
mod view;
// Every export format: snapshots of the text ones, shape checks of JSON, PNG and PDF.
mod export;
// The same objects in any order give byte-identical output.
mod determinism;
// Manifests as repositories hold them: templates selected, webhooks, APIServices and
// Gateway API routes, bootstrap roles, folded selectors.
mod manifests;
