//! The same objects give the same bytes, whatever order they are read in.

use std::sync::LazyLock;

use korral_core::{Loader, ObjectSet};
use korral_topology::{Format, InferOptions, export, infer};
use proptest::prelude::*;

const SHOP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/shop");

/// The example cluster as korral reads the folder.
static SHOP_SET: LazyLock<ObjectSet> = LazyLock::new(|| Loader::new().path(SHOP).load().unwrap());

/// Every text export of `set`'s graph, JSON first.
fn exports(set: &ObjectSet) -> Vec<(Format, String)> {
    let graph = infer(set, InferOptions::default());
    [
        Format::Json,
        Format::Tree,
        Format::Yaml,
        Format::Dot,
        Format::Mermaid,
        Format::Svg,
    ]
    .into_iter()
    .map(|format| {
        let mut out = Vec::new();
        export(&graph, format, &mut out).unwrap();
        (format, String::from_utf8(out).unwrap())
    })
    .collect()
}

static EXPECTED: LazyLock<Vec<(Format, String)>> = LazyLock::new(|| exports(&SHOP_SET));

/// The objects of the example as one `kind: List`, in `order`.
fn shuffled_list(order: &[usize]) -> String {
    let objects = SHOP_SET.objects();
    let items: Vec<&str> = order.iter().map(|&i| objects[i].raw().as_str()).collect();
    format!(
        r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
        items.join(",\n")
    )
}

#[test]
fn example_is_read_whole() {
    // The README's count; the property below is only as strong as the example is big.
    assert_eq!(SHOP_SET.len(), 164);
    assert!(SHOP_SET.warnings().is_empty(), "{:?}", SHOP_SET.warnings());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn shuffled_documents_export_the_same_bytes(
        order in Just((0..SHOP_SET.len()).collect::<Vec<usize>>()).prop_shuffle()
    ) {
        let set = Loader::load_str("shuffled.json", &shuffled_list(&order)).unwrap();
        prop_assert_eq!(set.len(), SHOP_SET.len());
        for ((format, expected), (_, actual)) in EXPECTED.iter().zip(exports(&set)) {
            prop_assert!(*expected == actual, "{:?} differs for order {:?}", format, order);
        }
    }
}
