use std::path::Path;

use super::*;

#[test]
fn relative_references_are_made_absolute_against_the_cluster_yaml_folder() {
    let base = Path::new("/srv/site");
    assert_eq!(resolve(base, "airgap"), "/srv/site/airgap");
    assert_eq!(resolve(base, "./airgap/k3s"), "/srv/site/airgap/k3s");
    assert_eq!(resolve(base, "../keys"), "/srv/keys");
    assert_eq!(resolve(base, "/opt/airgap"), "/opt/airgap");
    assert_eq!(resolve(base, "~/.ssh/id_ed25519"), "~/.ssh/id_ed25519");
    assert_eq!(resolve(Path::new(""), "airgap"), "airgap");
}

#[test]
fn quoted_values_are_yaml_scalars() {
    assert_eq!(
        quote("ssh://git@host/repo.git"),
        "\"ssh://git@host/repo.git\""
    );
    assert_eq!(quote("a\"b"), "\"a\\\"b\"");
}
