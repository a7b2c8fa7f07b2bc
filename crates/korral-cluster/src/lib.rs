//! cluster.yaml: describe, validate, edit and generate a K3s cluster.

pub mod generate;
pub mod provision;
pub mod spec;
