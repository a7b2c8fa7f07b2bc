//! Choosing the pods a selector might match from a label index, shared by batch
//! inference and the live graph.

use std::collections::BTreeMap;

use korral_core::{LabelSelector, Operator};
use rustc_hash::FxHashMap;

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

/// Workloads' pod templates of one namespace, indexed by label as pods are: what a
/// selector selects when its namespace has no pods.
#[derive(Default)]
pub(crate) struct TemplateIndex {
    pub(crate) all: Vec<usize>,
    labels: FxHashMap<usize, BTreeMap<String, String>>,
    by_label: FxHashMap<(String, String), Vec<usize>>,
    by_key: FxHashMap<String, Vec<usize>>,
}

impl TemplateIndex {
    pub(crate) fn insert(&mut self, workload: usize, labels: BTreeMap<String, String>) {
        self.all.push(workload);
        for (key, value) in &labels {
            self.by_label
                .entry((key.clone(), value.clone()))
                .or_default()
                .push(workload);
            self.by_key.entry(key.clone()).or_default().push(workload);
        }
        self.labels.insert(workload, labels);
    }

    /// The workloads whose template `selector` matches, in the order indexed.
    pub(crate) fn matching(&self, selector: &LabelSelector) -> Vec<usize> {
        candidates(self, selector)
            .into_iter()
            .filter(|w| self.labels.get(w).is_some_and(|l| selector.matches(l)))
            .collect()
    }
}

impl LabelIndex for TemplateIndex {
    fn labelled(&self, key: &str, value: &str) -> Vec<usize> {
        self.by_label
            .get(&(key.to_owned(), value.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    fn keyed(&self, key: &str) -> Vec<usize> {
        self.by_key.get(key).cloned().unwrap_or_default()
    }

    fn all(&self) -> Vec<usize> {
        self.all.clone()
    }
}
