//! Symlinks judged by where they lead in the tree, not by their text.
//!
//! A target that stays inside when read as text may leave once the links it passes
//! through are followed: with `sub/deep -> ..`, the target `sub/deep/..` reads as `sub`
//! but leads to the parent of the bundle. So a link's target may pass only through real
//! folders: every component but the last must not be a symlink (the last may be one, a
//! link to a link, as `libfoo.so -> libfoo.so.1`; that link is judged on its own). And
//! since an archive is read in order, a link may not be placed later where an earlier
//! link's target passes: that would change where the earlier one leads.

use std::collections::{HashMap, HashSet};

/// The symlinks of a tree, and the paths their targets pass through.
#[derive(Debug, Default)]
pub(crate) struct Links {
    /// Link path → target.
    links: HashMap<String, String>,
    /// Paths some link's target passes through as a folder.
    traversed: HashSet<String>,
}

impl Links {
    /// Checks the link at `path` (a safe relative path) against the links known so far
    /// and records it: its target must resolve inside the tree passing through no
    /// symlink, and no earlier link's target may pass through `path`.
    pub(crate) fn add(&mut self, path: &str, target: &str) -> Result<(), String> {
        if self.traversed.contains(path) {
            return Err(format!(
                "an earlier symlink's target passes through `{path}`; a symlink there would change where that one leads"
            ));
        }
        let passed = self.resolve(path, target)?;
        self.traversed.extend(passed);
        self.links.insert(path.to_owned(), target.to_owned());
        Ok(())
    }

    /// Whether `path` is a symlink recorded here.
    pub(crate) fn is_link(&self, path: &str) -> bool {
        self.links.contains_key(path)
    }

    /// The folders the target passes through, or why it may not.
    fn resolve(&self, path: &str, target: &str) -> Result<Vec<String>, String> {
        if target.is_empty() {
            return Err("the symlink target is empty".into());
        }
        if target.starts_with('/') {
            return Err(format!(
                "the symlink points to the absolute path `{target}`"
            ));
        }
        if target.contains('\0') {
            return Err("the symlink target holds a NUL".into());
        }
        let mut at: Vec<&str> = path.split('/').collect();
        at.pop();
        let parts: Vec<&str> = target
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        let mut passed = Vec::new();
        for (index, part) in parts.iter().enumerate() {
            if *part == ".." {
                if at.pop().is_none() {
                    return Err(format!(
                        "the symlink points to `{target}`, outside the bundle"
                    ));
                }
                continue;
            }
            at.push(part);
            if index + 1 < parts.len() {
                let here = at.join("/");
                if self.links.contains_key(&here) {
                    return Err(format!(
                        "the symlink target `{target}` passes through the symlink `{here}`; a target may pass through real folders only"
                    ));
                }
                passed.push(here);
            }
        }
        Ok(passed)
    }
}

/// Checks a whole tree's links at once, whatever their order: each target passes
/// through real folders only and resolves inside, and no path passes through a link.
/// `entries` are (path, target) pairs, the target `None` for files and folders.
pub(crate) fn check_tree<'a>(
    entries: impl Iterator<Item = (&'a str, Option<&'a str>)> + Clone,
) -> Result<(), (String, String)> {
    let mut links = Links::default();
    for (path, target) in entries.clone() {
        if let Some(target) = target {
            links.links.insert(path.to_owned(), target.to_owned());
        }
    }
    for (path, target) in entries {
        // An entry under a link would be written through it.
        for (slash, _) in path.match_indices('/') {
            let folder = &path[..slash];
            if links.is_link(folder) {
                return Err((
                    path.to_owned(),
                    format!("the path passes through the symlink `{folder}`"),
                ));
            }
        }
        if let Some(target) = target {
            links
                .resolve(path, target)
                .map_err(|reason| (path.to_owned(), reason))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The start of the chain from the security report: each target reads as inside;
    /// followed, `passwd` leads out.
    const CHAIN: [(&str, &str); 4] = [
        ("sub/deep", ".."),
        ("l1", "sub/deep/.."),
        ("l2", "l1/.."),
        ("passwd", "l2/../etc/passwd"),
    ];

    #[test]
    fn a_chain_through_links_is_refused_in_order_and_as_a_tree() {
        let mut links = Links::default();
        let mut refused = None;
        for (path, target) in CHAIN {
            if let Err(reason) = links.add(path, target) {
                refused = Some((path, reason));
                break;
            }
        }
        let (path, reason) = refused.expect("the chain was accepted");
        assert_eq!(path, "l1");
        assert!(
            reason.contains("passes through the symlink `sub/deep`"),
            "{reason}"
        );

        let tree = CHAIN.iter().map(|(p, t)| (*p, Some(*t)));
        assert!(check_tree(tree).is_err());
    }

    #[test]
    fn a_link_placed_where_an_earlier_target_passes_is_refused() {
        let mut links = Links::default();
        links.add("sub/deep", "..").unwrap();
        // `x` does not exist yet: `x/..` is the top.
        links.add("a", "x/..").unwrap();
        let err = links.add("x", "sub/deep").unwrap_err();
        assert!(err.contains("earlier symlink"), "{err}");
    }

    #[test]
    fn links_that_stay_inside_pass() {
        let mut links = Links::default();
        links.add("bin/k3s-latest", "k3s").unwrap();
        links.add("current", "releases/v1").unwrap();
        links.add("latest", "current").unwrap();
        links.add("lib/a", "../releases/./v1/lib").unwrap();
        assert!(links.add("up", "..").is_err());
        assert!(links.add("abs", "/etc").is_err());
    }

    #[test]
    fn a_tree_with_an_entry_under_a_link_is_refused() {
        let tree = [("link", Some("sub")), ("link/x", None)];
        let (path, reason) = check_tree(tree.into_iter()).unwrap_err();
        assert_eq!(path, "link/x");
        assert!(reason.contains("symlink `link`"), "{reason}");
    }
}
