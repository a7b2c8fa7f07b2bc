//! Choosing the pods a selector might match from a label index, shared by batch
//! inference and the live graph.

use korral_core::{LabelSelector, Operator};

/// A namespace's pods, indexed by label.
pub(crate) trait LabelIndex {
    /// Pods whose label `key` is `value`.
    fn labelled(&self, key: &str, value: &str) -> Vec<usize>;
    /// Pods that have label `key`.
    fn keyed(&self, key: &str) -> Vec<usize>;
    /// Every pod.
    fn all(&self) -> Vec<usize>;
}

/// The pods that could match `selector`: the smallest candidate set among its
/// requirements that only labelled pods satisfy (`In`, `Exists`), or every pod when it
/// has none. The caller checks each candidate against the whole selector.
pub(crate) fn candidates(index: &impl LabelIndex, selector: &LabelSelector) -> Vec<usize> {
    let mut best: Option<Vec<usize>> = None;
    for requirement in selector.requirements() {
        let found = match requirement.operator {
            Operator::In => {
                let mut union: Vec<usize> = requirement
                    .values
                    .iter()
                    .flat_map(|value| index.labelled(&requirement.key, value))
                    .collect();
                if requirement.values.len() > 1 {
                    union.sort_unstable();
                    union.dedup();
                }
                union
            }
            Operator::Exists => index.keyed(&requirement.key),
            Operator::NotIn | Operator::DoesNotExist => continue,
        };
        if best.as_ref().is_none_or(|b| found.len() < b.len()) {
            best = Some(found);
        }
    }
    best.unwrap_or_else(|| index.all())
}
