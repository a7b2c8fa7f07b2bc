use korral_core::terminal::escape;

/// What can go wrong while changing a cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API server refused or could not be reached.
    #[error(transparent)]
    Kube(#[from] korral_kube::Error),

    /// A manifest names a kind the server does not serve.
    #[error(
        "{file}: the server does not serve `{kind}` in `{api_version}`; check the apiVersion (`kubectl api-resources` lists what it serves), or deploy the CustomResourceDefinition first"
    )]
    UnknownKind {
        /// `file:line` of the manifest.
        file: String,
        /// The manifest's apiVersion.
        api_version: String,
        /// The manifest's kind.
        kind: String,
    },

    /// A manifest is not an object korral can apply.
    #[error("{file}: {message}")]
    Manifest {
        /// `file:line` of the manifest.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },

    /// The server rejected some manifests in the dry run: nothing was changed.
    #[error("{} of the manifests were rejected by the server's dry run; nothing was changed:\n{}", .rejected.len(), rejected_lines(.rejected))]
    Rejected {
        /// Each rejected manifest, with the server's reason.
        rejected: Vec<Rejection>,
    },

    /// Server-side apply found fields other field managers own: nothing was changed.
    #[error("{} of the manifests set fields that another field manager owns; nothing was changed:\n{}\nchange those fields where they are managed, or take them over with --force-conflicts", .conflicts.len(), rejected_lines(.conflicts))]
    Conflict {
        /// Each object, with the server's words: each field and its manager.
        conflicts: Vec<Rejection>,
    },

    /// No such deployment (set) in the namespace.
    #[error("no deployment `{name}` in namespace `{namespace}`; `korral releases -A` lists them")]
    NoSet {
        /// The set's name.
        name: String,
        /// Its namespace.
        namespace: String,
    },

    /// No such revision of a set.
    #[error(
        "deployment `{name}` in namespace `{namespace}` has no revision {revision}; `korral releases {name} -n {namespace}` lists them"
    )]
    NoRevision {
        /// The set's name.
        name: String,
        /// Its namespace.
        namespace: String,
        /// The revision asked for.
        revision: u32,
    },

    /// A rollback with no revision named, and none deployed well before the current.
    #[error(
        "deployment `{name}` in namespace `{namespace}` has no earlier revision that deployed successfully to go back to; `korral releases {name} -n {namespace}` lists its revisions, `korral undeploy {name} -n {namespace}` removes it"
    )]
    NoGoodRevision {
        /// The set's name.
        name: String,
        /// Its namespace.
        namespace: String,
    },

    /// Another deploy of the same set took over while this one ran: its result stands.
    #[error(
        "another deploy of `{name}` took over while this one ran (revision {revision} is now `{status}`); its result stands, see `korral releases {name} -n {namespace}`"
    )]
    TakenOver {
        /// The set's name.
        name: String,
        /// Its namespace.
        namespace: String,
        /// This deploy's revision.
        revision: u32,
        /// What the revision says now.
        status: String,
    },

    /// A stored revision could not be read back.
    #[error("revision {revision} of `{name}` cannot be read: {message}")]
    BadRevision {
        /// The set's name.
        name: String,
        /// The revision.
        revision: u32,
        /// What is wrong.
        message: String,
    },

    /// A set name Kubernetes would not accept in an object name or label.
    #[error(
        "`{0}` cannot name a deployment: use at most 40 lowercase letters, digits and `-`, starting and ending with a letter or digit"
    )]
    BadName(String),
}

/// A manifest the server refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// `file:line`.
    pub file: String,
    /// The object (`Deployment shop/web`).
    pub object: String,
    /// The server's reason.
    pub message: String,
}

fn rejected_lines(rejected: &[Rejection]) -> String {
    rejected
        .iter()
        .map(|r| format!("  {}: {}: {}", r.file, r.object, escape(&r.message)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
