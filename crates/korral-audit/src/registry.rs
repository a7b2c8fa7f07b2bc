//! The central registry: every rule, by stable code.

use crate::rule::Rule;

/// Every rule, in code order. Codes are stable: a retired rule keeps its code unused.
pub static RULES: &[&Rule] = &[
    &crate::rules::host_process::RULE,
    &crate::rules::host_namespaces::RULE,
    &crate::rules::privileged::RULE,
    &crate::rules::baseline_capabilities::RULE,
    &crate::rules::host_path::RULE,
    &crate::rules::host_ports::RULE,
    &crate::rules::apparmor::RULE,
    &crate::rules::selinux::RULE,
    &crate::rules::proc_mount::RULE,
    &crate::rules::seccomp_unconfined::RULE,
    &crate::rules::sysctls::RULE,
    &crate::rules::probe_host::RULE,
    &crate::rules::volume_types::RULE,
    &crate::rules::privilege_escalation::RULE,
    &crate::rules::run_as_non_root::RULE,
    &crate::rules::run_as_user_root::RULE,
    &crate::rules::seccomp_restricted::RULE,
    &crate::rules::restricted_capabilities::RULE,
    &crate::rules::proc_mount_restricted::RULE,
    &crate::rules::resource_requests::RULE,
    &crate::rules::resource_limits::RULE,
    &crate::rules::liveness_probe::RULE,
    &crate::rules::readiness_probe::RULE,
    &crate::rules::image_tag::RULE,
    &crate::rules::image_digest::RULE,
    &crate::rules::read_only_root::RULE,
    &crate::rules::automount_token::RULE,
    &crate::rules::secret_env::RULE,
    &crate::rules::default_namespace::RULE,
    &crate::rules::service_exposure::RULE,
    &crate::rules::ingress_tls::RULE,
    &crate::rules::single_replica::RULE,
    &crate::rules::default_deny_ingress::RULE,
    &crate::rules::default_deny_egress::RULE,
    &crate::rules::pod_not_selected::RULE,
    &crate::rules::policy_selects_nothing::RULE,
    &crate::rules::mesh_injection::RULE,
    &crate::rules::mesh_sidecar::RULE,
    &crate::rules::peer_authentication::RULE,
    &crate::rules::rbac_wildcard::RULE,
    &crate::rules::rbac_escalation::RULE,
    &crate::rules::rbac_secrets::RULE,
    &crate::rules::rbac_exec::RULE,
    &crate::rules::rbac_cluster_admin::RULE,
    &crate::rules::rbac_workload_path::RULE,
    &crate::rules::rbac_cluster_admin_equivalent::RULE,
    &crate::rules::deprecated_api::RULE,
    &crate::rules::removed_api::RULE,
];

/// Every rule, in code order.
pub fn rules() -> &'static [&'static Rule] {
    RULES
}

/// The rule with this code (case-insensitive) or name (`privileged`).
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code) || r.name.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_documented() {
        for pair in RULES.windows(2) {
            assert!(
                pair[0].code < pair[1].code || pair[0].code[..2] != pair[1].code[..2],
                "{} then {}",
                pair[0].code,
                pair[1].code
            );
        }
        let mut codes: Vec<_> = RULES.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RULES.len(), "duplicate codes");
        for rule in RULES {
            assert!(
                !rule.standards.is_empty(),
                "{} maps to no standard",
                rule.code
            );
            for text in [rule.summary, rule.why, rule.example, rule.fix] {
                assert!(
                    !text.trim().is_empty(),
                    "{} has an empty doc part",
                    rule.code
                );
            }
        }
    }
}
