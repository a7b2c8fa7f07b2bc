//! Any bytes as a manifest file: YAML (multi-document, flow style, anchors), JSON
//! (objects, arrays, `kind: List`), a BOM, and what the loader does with each document
//! (metadata, owner references, namespaces, shadowed duplicates). Read three ways: as a
//! file named `.yaml` that fails on the first bad document, as a `.json` file that
//! skips malformed documents, and with a default namespace as `-n` gives one. Must never
//! panic, hang or allocate without bound.
#![no_main]

use korral_core::{Loader, ObjectSet};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // The loader takes text; files that are not UTF-8 fail before it (read_to_string).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    walk(Loader::load_str("fuzz.yaml", text));
    walk(Loader::new().skip_malformed().read_str("fuzz.json", text));
    walk(
        Loader::new()
            .skip_malformed()
            .default_namespace("team")
            .read_str("fuzz.yaml", text),
    );
});

/// Touches what every view reads from a loaded set, so a panic in it shows up here.
fn walk(result: korral_core::Result<ObjectSet>) {
    let set = match result {
        Ok(set) => set,
        Err(err) => {
            let _ = err.to_string();
            return;
        }
    };
    for object in set.documents() {
        let _ = object.key().to_string();
        let _ = set.location(object);
        let _ = object.annotations();
        let _ = object.raw().to_value();
    }
    for warning in set.warnings() {
        let _ = warning.to_string();
    }
}
