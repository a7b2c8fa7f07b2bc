//! cluster.yaml: describe, validate, edit and generate a K3s cluster.

pub mod spec;
