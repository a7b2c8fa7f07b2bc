use std::path::Path;

use korral_core::{Loader, ObjectSet};

/// Writes `files` (relative path, content) under a fresh temporary folder.
pub fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// `Kind/ns/name@line` for each object, in load order.
pub fn summary(set: &ObjectSet) -> Vec<String> {
    set.objects()
        .iter()
        .map(|o| {
            let source = o.source();
            format!(
                "{}@{}:{}",
                o.key(),
                Path::new(set.file_name(source.file))
                    .file_name()
                    .unwrap()
                    .to_string_lossy(),
                source.line
            )
        })
        .collect()
}

pub fn load_str(text: &str) -> ObjectSet {
    Loader::load_str("input.yaml", text).unwrap()
}
