//! Any bytes as a cluster.yaml: the located tree, the typed model, and every semantic
//! check `korral validate` runs, with each diagnostic formatted and located as the CLI
//! shows it. A cluster.yaml may come from a pull request. Must never panic, hang or
//! allocate without bound.
#![no_main]

use korral_cluster::{FieldPath, Loaded};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // The loader takes text; a file that is not UTF-8 fails before it (read_to_string).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = match Loaded::parse("cluster.yaml", text) {
        Ok(loaded) => loaded,
        Err(err) => {
            let _ = err.to_string();
            return;
        }
    };
    let diagnostics = korral_cluster::validate(&loaded);
    let _ = korral_cluster::has_errors(&diagnostics);
    for diagnostic in &diagnostics {
        let _ = diagnostic.to_string();
        if let Some(path) = FieldPath::parse(&diagnostic.path) {
            let _ = loaded.locate(&path);
            let _ = loaded.locate_value(&path);
        }
    }
});
