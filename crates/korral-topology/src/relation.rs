use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// How one object relates to another. Edges point from the object that owns, selects or
/// names to the object owned, selected or named. The names are a public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// Owner → owned, from `metadata.ownerReferences`.
    Owns,
    /// Service, PodDisruptionBudget, NetworkPolicy → Pod, by label selector; → the
    /// workload whose pod template matches, when it selects no pod (manifests).
    Selects,
    /// Pod (or a workload's pod template) → PersistentVolumeClaim, ConfigMap, Secret, from
    /// volumes.
    Mounts,
    /// Pod (or pod template) → ConfigMap, Secret, from `env` and `envFrom`.
    Env,
    /// Pod (or pod template) → Secret, from `imagePullSecrets`.
    PullsWith,
    /// Pod (or pod template) → ServiceAccount.
    RunsAs,
    /// Pod → Node, from `spec.nodeName`.
    RunsOn,
    /// PersistentVolumeClaim → PersistentVolume.
    BoundTo,
    /// PersistentVolumeClaim, PersistentVolume → StorageClass; Ingress → IngressClass;
    /// Gateway → GatewayClass.
    Class,
    /// Ingress, Gateway API route → Service (rules, default backend, `backendRefs`);
    /// admission webhook configuration, APIService → the Service the API server calls.
    RoutesTo,
    /// Ingress → Secret, from `spec.tls`.
    Tls,
    /// HorizontalPodAutoscaler, VerticalPodAutoscaler → the object they scale.
    Scales,
    /// Service → EndpointSlice, by the `kubernetes.io/service-name` label.
    Endpoints,
    /// EndpointSlice → Pod, by endpoint `targetRef`.
    Targets,
    /// RoleBinding, ClusterRoleBinding → Role, ClusterRole.
    Binds,
    /// RoleBinding, ClusterRoleBinding → subject ServiceAccount.
    Grants,
    /// Gateway API route → Gateway, from `parentRefs`.
    AttachesTo,
}

impl Relation {
    /// Every relation, in the order of [`Relation::name`]'s contract.
    pub const ALL: [Relation; 17] = [
        Self::Owns,
        Self::Selects,
        Self::Mounts,
        Self::Env,
        Self::PullsWith,
        Self::RunsAs,
        Self::RunsOn,
        Self::BoundTo,
        Self::Class,
        Self::RoutesTo,
        Self::Tls,
        Self::Scales,
        Self::Endpoints,
        Self::Targets,
        Self::Binds,
        Self::Grants,
        Self::AttachesTo,
    ];

    /// The relation's name as korral prints it (`pulls-with`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Owns => "owns",
            Self::Selects => "selects",
            Self::Mounts => "mounts",
            Self::Env => "env",
            Self::PullsWith => "pulls-with",
            Self::RunsAs => "runs-as",
            Self::RunsOn => "runs-on",
            Self::BoundTo => "bound-to",
            Self::Class => "class",
            Self::RoutesTo => "routes-to",
            Self::Tls => "tls",
            Self::Scales => "scales",
            Self::Endpoints => "endpoints",
            Self::Targets => "targets",
            Self::Binds => "binds",
            Self::Grants => "grants",
            Self::AttachesTo => "attaches-to",
        }
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A relation name that korral does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown relation `{0}`; use one of: {names}", names = Relation::ALL.map(Relation::name).join(", "))]
pub struct UnknownRelation(pub String);

impl FromStr for Relation {
    type Err = UnknownRelation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| UnknownRelation(s.to_owned()))
    }
}

impl Serialize for Relation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for relation in Relation::ALL {
            assert_eq!(relation.name().parse::<Relation>(), Ok(relation));
        }
        let err = "mount".parse::<Relation>().unwrap_err();
        assert!(err.to_string().contains("pulls-with"), "{err}");
    }
}
