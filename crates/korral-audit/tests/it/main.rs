//! Integration tests of korral-audit, one test binary.
//!
//! - `rules`: each rule on its fixture (`tests/fixtures/CODE.yaml`): `bad-*` objects get
//!   a finding of the rule, `good-*` objects none, and a snapshot of the findings.
//! - `outputs`: SARIF validates against the SARIF 2.1.0 schema; JUnit; the generated
//!   rule reference is up to date.
//! - `corpus`: korral finds at least what checkov recorded on the public corpus.
//! - `suppress`: annotations, config exclusions and baselines.

mod corpus;
mod outputs;
mod rules;
mod suppress;
mod util;
