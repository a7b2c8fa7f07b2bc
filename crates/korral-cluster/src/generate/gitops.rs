//! `gitops/`: a Flux tree for the repository of `spec.gitops`. The folder is the
//! repository's root: `<path>/flux-system` syncs the repository, `<path>/infrastructure.yaml`
//! and `<path>/apps.yaml` reconcile `infrastructure/` then `apps/`.

use std::fmt::Write;

use super::{Error, Result, Tree, quote};
use crate::spec::Cluster;

/// How often Flux fetches the repository and reconciles.
const INTERVAL: &str = "10m";

pub(super) fn generate(cluster: &Cluster, tree: &mut Tree) -> Result<()> {
    let Some(gitops) = &cluster.spec.gitops else {
        return Ok(());
    };
    let path = gitops.path.trim_matches('/');
    let safe = !path.is_empty()
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'));
    if !safe {
        return Err(Error::GitOpsPath(gitops.path.clone()));
    }
    let base = format!("gitops/{path}");
    // SSH and private HTTPS repositories need a credential: `flux create secret git
    // flux-system --url=…` creates it (see docs/generate.md).
    let secret = if gitops.repository.starts_with("https://") {
        String::new()
    } else {
        "  secretRef:\n    name: flux-system\n".to_owned()
    };
    tree.add_yaml(
        format!("{base}/flux-system/gotk-sync.yaml"),
        &format!(
            "apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m
  url: {url}
  ref:
    branch: {branch}
{secret}---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: {INTERVAL}
  path: {path_value}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
",
            url = quote(&gitops.repository),
            branch = quote(&gitops.branch),
            path_value = quote(&format!("./{path}")),
        ),
    );
    tree.add_yaml(
        format!("{base}/flux-system/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - gotk-sync.yaml
",
    );
    tree.add_yaml(
        format!("{base}/infrastructure.yaml"),
        &kustomization("infrastructure", "./infrastructure", None),
    );
    tree.add_yaml(
        format!("{base}/apps.yaml"),
        &kustomization("apps", "./apps", Some("infrastructure")),
    );
    for folder in ["infrastructure", "apps"] {
        tree.add_yaml(
            format!("gitops/{folder}/kustomization.yaml"),
            &format!(
                "# Add the {folder} of cluster {name} here; korral keeps your edits.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: []
",
                name = cluster.metadata.name
            ),
        );
    }
    Ok(())
}

fn kustomization(name: &str, path: &str, depends_on: Option<&str>) -> String {
    let mut out = format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
"
    );
    if let Some(dependency) = depends_on {
        let _ = write!(out, "  dependsOn:\n    - name: {dependency}\n");
    }
    let _ = write!(
        out,
        "  interval: {INTERVAL}
  path: {path}
  prune: true
  wait: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"
    );
    out
}
