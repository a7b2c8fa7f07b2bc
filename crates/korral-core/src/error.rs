use std::path::PathBuf;

/// Errors from reading Kubernetes objects.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read `{path}`: {source}; {}", read_hint(source))]
    Io {
        /// The path given or found while walking a folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A document is not valid YAML or JSON, or not a Kubernetes object.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        /// The file as the user named it (`<stdin>` for standard input).
        file: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A folder holds no `.yaml`, `.yml` or `.json` files.
    #[error("`{0}` holds no .yaml, .yml or .json files; point -f at manifests or a dump")]
    EmptyFolder(PathBuf),
    /// Every manifest under a folder matched an `--exclude` pattern.
    #[error("every file under `{0}` is excluded; loosen --exclude")]
    AllExcluded(PathBuf),
}

/// What to do when a file cannot be read: the fix depends on why.
pub fn read_hint(err: &std::io::Error) -> &'static str {
    match err.kind() {
        std::io::ErrorKind::InvalidData => {
            "it is not text: manifests are YAML or JSON in UTF-8 (a binary or another encoding cannot be read)"
        }
        _ => "check the path and its permissions",
    }
}

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A message of serde or of the YAML parser in the user's words: the Rust type names
/// (`expected struct MetaIn`) and the parser's advice about its own options
/// (`set DuplicateKeyPolicy in Options`) mean nothing to someone fixing a manifest.
pub fn plain_parse_message(message: &str) -> String {
    // The parser's hint names its own option.
    let message = match message.split_once(", set DuplicateKeyPolicy") {
        Some((head, _)) => {
            return format!(
                "{head}; is a `---` missing between two objects? A key may appear once"
            );
        }
        None => message,
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    // `expected struct Name` / `expected enum Name` → what the YAML should hold.
    while let Some(at) = rest.find("expected ") {
        let (head, tail) = rest.split_at(at + "expected ".len());
        out.push_str(head);
        rest = tail;
        for (word, plain) in [
            ("struct ", "a mapping"),
            ("enum ", "one of the allowed values"),
        ] {
            if let Some(after) = rest.strip_prefix(word) {
                let name_len = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                out.push_str(plain);
                rest = &after[name_len..];
                break;
            }
        }
    }
    out.push_str(rest);
    out.replace(
        "externally tagged enum expected scalar or mapping",
        "expected a value or a mapping",
    )
    .replace("expected sequence start", "expected a list")
    .replace("expected mapping start", "expected a mapping")
}

#[cfg(test)]
mod tests {
    use super::plain_parse_message;

    #[test]
    fn rust_type_names_and_parser_options_are_not_shown() {
        assert_eq!(
            plain_parse_message("invalid type: string \"x\", expected struct MetaIn"),
            "invalid type: string \"x\", expected a mapping"
        );
        assert_eq!(
            plain_parse_message(
                "duplicate mapping key: name, set DuplicateKeyPolicy in Options if acceptable"
            ),
            "duplicate mapping key: name; is a `---` missing between two objects? A key may appear once"
        );
        assert_eq!(
            plain_parse_message("invalid type: sequence, expected enum Mode"),
            "invalid type: sequence, expected one of the allowed values"
        );
        assert_eq!(
            plain_parse_message("expected sequence start"),
            "expected a list"
        );
        assert_eq!(
            plain_parse_message("invalid type: map, expected a string"),
            "invalid type: map, expected a string"
        );
    }
}
