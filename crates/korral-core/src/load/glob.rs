//! The small glob language of `--exclude`: `*` (any characters but `/`), `?` (one
//! character but `/`), `**` (any number of whole folders), everything else literal.
//!
//! A pattern without `/` matches any one component of the path (`*.json`, `charts`,
//! `test`), as a `.gitignore` line does; a pattern with `/` matches the whole path
//! relative to the folder given with `-f` (`overlays/*/secret.yaml`, `crds/**`). A
//! pattern that matches a folder leaves out everything under it.

/// One `--exclude` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    /// The pattern's `/`-separated parts, without empty and `.` parts.
    parts: Vec<String>,
    /// Whether the pattern names a path (it has a `/`) rather than a component.
    anchored: bool,
}

impl Glob {
    pub(crate) fn new(pattern: &str) -> Self {
        let trimmed = pattern.trim_end_matches('/');
        let parts: Vec<String> = trimmed
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .map(str::to_owned)
            .collect();
        Self {
            anchored: parts.len() > 1 || trimmed.starts_with('/'),
            parts,
        }
    }

    /// Whether `path` (the components under the folder given, in order) is matched.
    pub(crate) fn matches(&self, path: &[&str]) -> bool {
        if self.parts.is_empty() {
            return false;
        }
        if self.anchored {
            let parts: Vec<&str> = self.parts.iter().map(String::as_str).collect();
            path_matches(&parts, path)
        } else {
            path.iter()
                .any(|component| part_matches(&self.parts[0], component))
        }
    }
}

/// Whether the pattern parts match the path components exactly; `**` takes any number
/// of components (none included).
fn path_matches(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| path_matches(rest, &path[skip..])),
        Some((first, rest)) => path
            .split_first()
            .is_some_and(|(head, tail)| part_matches(first, head) && path_matches(rest, tail)),
    }
}

/// Whether one pattern part (`*`, `?`, literals) matches one path component. Greedy
/// with one backtrack point, so it is linear in practice.
fn part_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(pattern: &str, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        Glob::new(pattern).matches(&parts)
    }

    #[test]
    fn a_pattern_without_a_slash_matches_any_component() {
        assert!(hit("*.json", "a/b/c.json"));
        assert!(hit("charts", "charts"));
        assert!(hit("charts", "apps/charts"));
        assert!(!hit("*.json", "a/b/c.yaml"));
        assert!(hit("test?", "x/test1"));
        assert!(!hit("test?", "x/test12"));
    }

    #[test]
    fn a_pattern_with_a_slash_matches_the_whole_relative_path() {
        assert!(hit("overlays/*/secret.yaml", "overlays/prod/secret.yaml"));
        assert!(!hit(
            "overlays/*/secret.yaml",
            "x/overlays/prod/secret.yaml"
        ));
        assert!(!hit("overlays/*/secret.yaml", "overlays/a/b/secret.yaml"));
        assert!(hit("overlays/**/secret.yaml", "overlays/a/b/secret.yaml"));
        assert!(hit("overlays/**/secret.yaml", "overlays/secret.yaml"));
        assert!(hit("crds/", "crds"));
        assert!(hit("./crds/*", "crds/a.yaml"));
        assert!(hit("**/*.json", "a/b.json"));
    }

    #[test]
    fn stars_backtrack() {
        assert!(part_matches("*a*b*c", "xxaxxbxxbxxc"));
        assert!(!part_matches("*a*b*c", "xxaxxbxxbxx"));
        assert!(part_matches("*", ""));
        assert!(!part_matches("", "a"));
        assert!(!hit("", "a"));
    }
}
