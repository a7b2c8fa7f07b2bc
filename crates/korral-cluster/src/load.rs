//! Reading a cluster.yaml: the typed model and the located tree of the same text.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Severity};
use crate::spec::Cluster;
use crate::tree::{self, FieldPath, Node};

/// A cluster.yaml as read: the model, the text it came from, and where each field is.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file as the user named it; diagnostics start with it.
    pub file: String,
    /// The file's path (`cluster.yaml` for text that came from elsewhere).
    pub path: PathBuf,
    /// The text, unchanged.
    pub text: String,
    pub cluster: Cluster,
    /// The located tree of `text`.
    pub root: Node,
}

/// Why a cluster.yaml could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The text is not a cluster.yaml: a YAML syntax error, an unknown key, a value of the
    /// wrong type, a missing field. The diagnostic says where and how to fix it.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
}

impl Error {
    /// The diagnostic of an [`Error::Invalid`].
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            Self::Invalid(diagnostic) => Some(diagnostic),
            Self::Read { .. } => None,
        }
    }
}

/// Reads and parses the cluster.yaml at `path`.
pub fn load(path: &Path) -> Result<Loaded, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut loaded = Loaded::parse(&path.display().to_string(), &text)?;
    path.clone_into(&mut loaded.path);
    Ok(loaded)
}

impl Loaded {
    /// Parses `text`; `file` names it in diagnostics.
    pub fn parse(file: &str, text: &str) -> Result<Self, Error> {
        let invalid = |line: usize, column: usize, message: String, fix: &str| {
            Error::Invalid(Box::new(Diagnostic {
                severity: Severity::Error,
                file: file.to_owned(),
                line,
                column: column.max(1),
                path: String::new(),
                message,
                fix: fix.to_owned(),
            }))
        };
        let root = tree::parse(text)
            .map_err(|err| {
                invalid(
                    err.line,
                    err.column,
                    format!("YAML syntax error: {}", err.message),
                    "correct the YAML at this position (indentation, a missing `:`, an unclosed bracket or quote)",
                )
            })?
            .ok_or_else(|| {
                invalid(
                    1,
                    1,
                    "the file holds no cluster description".to_owned(),
                    "start from a template: `korral init`",
                )
            })?;
        let cluster: Cluster =
            serde_saphyr::from_str_with_options(text, options()).map_err(|err| {
                let (line, column) = err
                    .location()
                    .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
                let message = message(&err);
                let fix = fix_for(&message);
                invalid(line, column, message, &fix)
            })?;
        Ok(Self {
            file: file.to_owned(),
            path: PathBuf::from(file),
            text: text.to_owned(),
            cluster,
            root,
        })
    }

    /// Line and column of the field at `path` (its key), or of the nearest enclosing
    /// field the file has.
    pub fn locate(&self, path: &FieldPath) -> (usize, usize) {
        self.root.locate(path)
    }

    /// Line and column of the value at `path`.
    pub fn locate_value(&self, path: &FieldPath) -> (usize, usize) {
        self.root.locate_value(path)
    }
}

/// How korral reads cluster.yaml with serde-saphyr.
pub(crate) fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    // korral prints its own `file:line:column` in front of the message.
    options.with_snippet = false;
    // Only `true` and `false` are booleans (YAML 1.2): a label value `yes` stays a string.
    options.strict_booleans = true;
    options
}

/// The parser's message without the position it appends (korral prints its own).
fn message(err: &serde_saphyr::Error) -> String {
    let text = err.without_snippet().to_string();
    let text = text.lines().next().unwrap_or_default();
    let text = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => text,
    };
    // No Rust type names or parser options: the user edits YAML, not korral's structs.
    korral_core::plain_parse_message(text)
}

/// The fix for a message of the parser or of serde.
fn fix_for(message: &str) -> String {
    if message.starts_with("unknown field") {
        "remove the key or correct its spelling (keys are camelCase; `korral spec schema` lists them all)".to_owned()
    } else if message.starts_with("missing field") {
        "add the field (see docs/cluster.md or `korral spec schema`)".to_owned()
    } else if message.starts_with(crate::spec::INLINE_SECRET) {
        "put the secret in an environment variable or a file kept out of the repository, and write `{ env: TS_AUTHKEY }` or `{ file: /etc/korral/tailscale.key }` here".to_owned()
    } else if message.starts_with("unknown variant") {
        "use one of the values listed".to_owned()
    } else if message.starts_with("invalid type") || message.contains("invalid value") {
        "write a value of the type the field takes (see `korral spec schema`)".to_owned()
    } else {
        "correct the YAML at this position".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SecretRef;

    const MINIMAL: &str = "apiVersion: korral.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: dev\nspec:\n  k3s:\n    version: v1.31.4+k3s1\n  nodes:\n    - name: cp1\n      address: 10.0.0.1\n      role: control-plane\n";

    #[test]
    fn parse_errors_name_no_rust_types_or_parser_options() {
        for (from, to) in [
            ("  k3s:\n", "  k3s:\n    version: a\n"),
            (
                "      role: control-plane\n",
                "      role: [control-plane]\n",
            ),
            ("  nodes:\n", "  nodes: 5\n  xnodes:\n"),
        ] {
            let err = Loaded::parse("c.yaml", &MINIMAL.replacen(from, to, 1)).unwrap_err();
            let shown = err.to_string();
            for jargon in [
                "DuplicateKeyPolicy",
                "Options",
                "struct ",
                "enum ",
                "externally tagged",
                "sequence start",
            ] {
                assert!(!shown.contains(jargon), "{jargon} in {shown}");
            }
        }
    }

    #[test]
    fn a_file_reads_with_its_positions() {
        let loaded = Loaded::parse("c.yaml", MINIMAL).unwrap();
        assert_eq!(loaded.cluster.metadata.name, "dev");
        let path = FieldPath::parse("spec.nodes[0].address").unwrap();
        assert_eq!(loaded.locate(&path), (10, 7));
        assert_eq!(loaded.locate_value(&path), (10, 16));
    }

    #[test]
    fn an_inline_secret_is_refused_without_being_repeated() {
        let text = MINIMAL.replace(
            "  nodes:",
            "  network:\n    tailscale:\n      enabled: true\n      authKey: tskey-auth-s3cr3t\n  nodes:",
        );
        let err = Loaded::parse("c.yaml", &text).unwrap_err();
        let diagnostic = err.diagnostic().unwrap();
        let shown = format!("{diagnostic}");
        assert_eq!(diagnostic.line, 11, "{shown}");
        assert!(shown.contains("a secret is written inline"), "{shown}");
        assert!(shown.contains("{ env: TS_AUTHKEY }"), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");

        for (written, expected) in [
            (
                "{ env: TS_AUTHKEY }",
                Some(SecretRef::Env("TS_AUTHKEY".into())),
            ),
            (
                "{ file: /etc/ts.key }",
                Some(SecretRef::File("/etc/ts.key".into())),
            ),
            ("{ vault: x }", None),
            ("{ env: A, file: B }", None),
            ("{}", None),
        ] {
            let text = text.replace("tskey-auth-s3cr3t", written);
            let parsed = Loaded::parse("c.yaml", &text)
                .ok()
                .map(|l| l.cluster.spec.network.tailscale.unwrap().auth_key.unwrap());
            assert_eq!(parsed, expected, "{written}");
        }
    }

    #[test]
    fn an_unknown_key_names_its_line() {
        let text = MINIMAL.replace("      role:", "      rol: worker\n      role:");
        let err = Loaded::parse("c.yaml", &text).unwrap_err();
        let diagnostic = err.diagnostic().unwrap();
        assert_eq!(diagnostic.line, 11, "{diagnostic}");
        assert!(
            diagnostic.message.contains("unknown field `rol`"),
            "{diagnostic}"
        );
        assert!(diagnostic.fix.contains("spelling"), "{diagnostic}");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let text = MINIMAL.replace("  name: dev", "  name: [dev");
        let err = Loaded::parse("c.yaml", &text).unwrap_err();
        let diagnostic = err.diagnostic().unwrap();
        assert!(
            diagnostic.message.starts_with("YAML syntax error"),
            "{diagnostic}"
        );
        assert!(diagnostic.line >= 4, "{diagnostic}");
    }

    #[test]
    fn an_empty_file_says_how_to_start() {
        let err = Loaded::parse("c.yaml", "# nothing yet\n").unwrap_err();
        assert!(err.to_string().contains("korral init"), "{err}");
    }
}
