//! Integration tests of korral-audit, one test binary.
//!
//! - `admission`: every Pod Security control decides each case of the Pod Security
//!   admission controller's own checks and tests as the controller does.
//! - `documents`: every document judged where it stands, nothing passes unjudged.
//! - `rules`: each rule on its fixture (`tests/fixtures/CODE.yaml`): `bad-*` objects get
//!   a finding of the rule, `good-*` objects none, and a snapshot of the findings.
//! - `outputs`: SARIF validates against the SARIF 2.1.0 schema; JUnit; the generated
//!   rule reference is up to date.
//! - `corpus`: korral finds at least what checkov recorded on the public corpus.
//! - `suppress`: annotations, config exclusions and baselines.

mod admission;
mod corpus;
mod documents;
mod outputs;
mod rules;
mod suppress;
mod util;
