//! The `:` command bar: kind names, plurals, short names and k9s's aliases.

use korral_kube::Resource;
use korral_topology::kind_is;

/// What a command asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A kind's table.
    Kind(Resource),
    /// Deployments, StatefulSets, DaemonSets, Jobs and CronJobs in one table (k9s's
    /// `:workloads`).
    Workloads,
    /// The health summary (`korral status`, live).
    Health,
    /// The keys of the current view.
    Help,
    /// Leave.
    Quit,
}

/// Where a command points the view: `:po kube-system`, `:deploy all`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamespaceArg {
    /// No namespace given: keep the current one.
    Keep,
    /// Every namespace (`all`, `-A`).
    All,
    /// This one.
    One(String),
}

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// What to show.
    pub target: Target,
    /// In which namespace.
    pub namespace: NamespaceArg,
}

/// Reads a command (without its `:`) against the kinds the cluster serves. `Err`
/// holds the message to show.
pub fn parse(text: &str, resources: &[&Resource]) -> Result<Parsed, String> {
    let mut words = text.split_whitespace();
    let Some(first) = words.next() else {
        return Err("type a kind (po, deploy, svc, ns, events, any CRD) or q".to_owned());
    };
    let namespace = match words.next() {
        None => NamespaceArg::Keep,
        Some("all" | "-A" | "0") => NamespaceArg::All,
        Some(ns) => NamespaceArg::One(ns.to_owned()),
    };
    let lower = first.to_ascii_lowercase();
    let target = match lower.as_str() {
        "q" | "q!" | "quit" | "exit" => Target::Quit,
        "wk" | "workload" | "workloads" => Target::Workloads,
        "health" | "status" | "pulse" | "pulses" | "pu" => Target::Health,
        "help" | "?" | "h" => Target::Help,
        _ => Target::Kind(find(&lower, resources).ok_or_else(|| {
            format!(
                "no kind `{}` in this cluster; try po, deploy, svc, ns, events or a CRD's kind",
                korral_core::terminal::escape(first)
            )
        })?.clone()),
    };
    Ok(Parsed { target, namespace })
}

/// The resource a kind name, plural, short name or `kind.group` names. Core and
/// well-known groups win over CRDs of the same kind (`:event` is the Event, as kubectl
/// picks it).
fn find<'a>(query: &str, resources: &[&'a Resource]) -> Option<&'a Resource> {
    let query = match query {
        "ev" | "events" | "event" => "event",
        "dp" => "deployment",
        "crds" => "crd",
        other => other,
    };
    let matches = |r: &&&Resource| {
        kind_is(query, &r.kind, &r.group)
            || r.plural == query
            || r.qualified_name() == query
            || format!("{}.{}", r.kind.to_ascii_lowercase(), r.group) == query
    };
    let rank = |r: &Resource| match r.group.as_str() {
        "" => 0,
        "apps" | "batch" | "events.k8s.io" => 1,
        g if g.ends_with(".k8s.io") => 2,
        _ => 3,
    };
    resources
        .iter()
        .filter(matches)
        .min_by_key(|r| rank(r))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resources() -> Vec<Resource> {
        vec![
            Resource::new("v1", "Pod", "pods", true),
            Resource::new("apps/v1", "Deployment", "deployments", true),
            Resource::new("v1", "Service", "services", true),
            Resource::new("v1", "Namespace", "namespaces", false),
            Resource::new("events.k8s.io/v1", "Event", "events", true),
            Resource::new("example.com/v1", "Widget", "widgets", true),
            Resource::new("other.io/v1", "Deployment", "deployments", true),
        ]
    }

    fn kind(text: &str) -> Option<String> {
        let all = resources();
        let refs: Vec<&Resource> = all.iter().collect();
        match parse(text, &refs).ok()?.target {
            Target::Kind(r) => Some(format!("{}/{}", r.group, r.kind)),
            other => Some(format!("{other:?}")),
        }
    }

    #[test]
    fn short_names_plurals_and_aliases_name_kinds() {
        assert_eq!(kind("po").as_deref(), Some("/Pod"));
        assert_eq!(kind("pods").as_deref(), Some("/Pod"));
        assert_eq!(kind("deploy").as_deref(), Some("apps/Deployment"));
        assert_eq!(kind("dp").as_deref(), Some("apps/Deployment"));
        assert_eq!(
            kind("deployments.other.io").as_deref(),
            Some("other.io/Deployment")
        );
        assert_eq!(kind("svc").as_deref(), Some("/Service"));
        assert_eq!(kind("ns").as_deref(), Some("/Namespace"));
        assert_eq!(kind("events").as_deref(), Some("events.k8s.io/Event"));
        assert_eq!(kind("widget").as_deref(), Some("example.com/Widget"));
        assert_eq!(kind("Widgets").as_deref(), Some("example.com/Widget"));
        assert_eq!(kind("q").as_deref(), Some("Quit"));
        assert_eq!(kind("wk").as_deref(), Some("Workloads"));
        assert_eq!(kind("nope"), None);
    }

    #[test]
    fn a_second_word_is_the_namespace() {
        let all = resources();
        let refs: Vec<&Resource> = all.iter().collect();
        let parsed = parse("po kube-system", &refs).unwrap();
        assert_eq!(
            parsed.namespace,
            NamespaceArg::One("kube-system".to_owned())
        );
        assert_eq!(parse("po all", &refs).unwrap().namespace, NamespaceArg::All);
        let err = parse("x\u{1b}[2J", &refs).unwrap_err();
        assert!(!err.contains('\u{1b}'), "{err}");
    }
}
