//! Whether a failed attempt is retried, after how long and with how much memory: a
//! pure function of the policy, the failures so far and the last failure.

use jiff::SignedDuration;
use korral_core::Quantity;

use crate::classify::Failure;
use crate::resources::{Category, Phase, RetryPolicy};

/// What to do after a failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Start another attempt after `after`, with the memory limit `memory` when an
    /// OOM kill raised it.
    Retry {
        /// The backoff.
        after: SignedDuration,
        /// The next attempt's memory limit (`512Mi`), when raised.
        memory: Option<String>,
    },
    /// Stop: [`Phase::Failed`] for a failure the policy does not retry,
    /// [`Phase::DeadLettered`] once the retries are used up.
    GiveUp {
        /// The run's final phase.
        phase: Phase,
        /// Why, for the run's message.
        message: String,
    },
}

/// The wait before retry number `retry` (1 for the first): `base × factor^(retry-1)`,
/// at most `max`.
pub fn backoff(policy: &RetryPolicy, retry: u32) -> SignedDuration {
    let b = &policy.backoff;
    let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
    let secs = (b.base.max(0) as f64) * b.factor.max(1.0).powi(exponent);
    let capped = secs.min(b.max.max(0) as f64).max(0.0);
    SignedDuration::from_secs(capped as i64)
}

/// Whether `failure` is one the policy retries.
pub fn retryable(policy: &RetryPolicy, failure: &Failure) -> bool {
    if !policy.on.contains(&failure.category) {
        return false;
    }
    if failure.category == Category::ExitCode && !policy.exit_codes.is_empty() {
        return failure
            .exit_code
            .is_some_and(|c| policy.exit_codes.contains(&c));
    }
    true
}

/// Decides after the `failures`-th failed attempt of the current round (1 for the
/// first), `failure` the last, `memory` the limit the failed attempt ran with.
pub fn decide(
    policy: &RetryPolicy,
    failures: u32,
    failure: &Failure,
    memory: Option<&str>,
) -> Decision {
    if !retryable(policy, failure) {
        let why = if policy.on.contains(&failure.category) {
            format!(
                "{}; exit code {} is not in retry.exitCodes",
                failure.message,
                failure.exit_code.unwrap_or_default()
            )
        } else {
            format!(
                "{}; {} is not retried (retry.on)",
                failure.message,
                failure.category.as_str()
            )
        };
        return Decision::GiveUp {
            phase: Phase::Failed,
            message: why,
        };
    }
    if failures > policy.limit {
        return Decision::GiveUp {
            phase: Phase::DeadLettered,
            message: format!(
                "{} attempt{} failed, the last with {}",
                failures,
                if failures == 1 { "" } else { "s" },
                failure.message
            ),
        };
    }
    let memory = match (&policy.oom_memory, failure.category) {
        (Some(bump), Category::OomKilled) => bump_memory(memory, bump.factor, &bump.max),
        _ => memory.map(str::to_owned),
    };
    Decision::Retry {
        after: backoff(policy, failures),
        memory,
    }
}

/// `current × factor`, at most `max`, in mebibytes; `max` when there is no current
/// limit (the container had none: OOM killed by the node, give it the cap).
fn bump_memory(current: Option<&str>, factor: f64, max: &str) -> Option<String> {
    let cap = max.parse::<Quantity>().ok()?;
    let Some(now) = current.and_then(|c| c.parse::<Quantity>().ok()) else {
        return Some(max.to_owned());
    };
    let next = now.0 * factor.max(1.0);
    if next >= cap.0 {
        Some(max.to_owned())
    } else {
        Some(Quantity(next.ceil()).mebibytes())
    }
}

#[cfg(test)]
#[allow(clippy::match_wildcard_for_single_variants)] // a panic names the other variant
mod tests {
    use super::*;
    use crate::resources::{Backoff, MemoryBump};

    fn policy(limit: u32) -> RetryPolicy {
        RetryPolicy {
            limit,
            backoff: Backoff {
                base: 10,
                factor: 2.0,
                max: 60,
            },
            ..RetryPolicy::default()
        }
    }

    fn fail(category: Category, code: Option<i32>) -> Failure {
        Failure {
            category,
            exit_code: code,
            message: code.map_or_else(
                || category.as_str().to_owned(),
                |c| format!("exit code {c}"),
            ),
            stuck: false,
        }
    }

    #[test]
    fn backoff_grows_by_the_factor_up_to_the_cap() {
        let p = policy(5);
        let waits: Vec<i64> = (1..=5).map(|n| backoff(&p, n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 60, 60]);
    }

    #[test]
    fn retries_until_the_limit_then_dead_letters() {
        let p = policy(2);
        let f = fail(Category::ExitCode, Some(1));
        assert!(matches!(decide(&p, 1, &f, None), Decision::Retry { .. }));
        assert!(matches!(decide(&p, 2, &f, None), Decision::Retry { .. }));
        match decide(&p, 3, &f, None) {
            Decision::GiveUp { phase, message } => {
                assert_eq!(phase, Phase::DeadLettered);
                assert_eq!(message, "3 attempts failed, the last with exit code 1");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_retries_dead_letters_the_first_failure() {
        match decide(&policy(0), 1, &fail(Category::ExitCode, Some(1)), None) {
            Decision::GiveUp { phase, .. } => assert_eq!(phase, Phase::DeadLettered),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn categories_outside_on_fail_at_once() {
        let p = policy(3);
        for category in Category::ALL {
            let retried = matches!(
                decide(&p, 1, &fail(category, None), None),
                Decision::Retry { .. }
            );
            assert_eq!(retried, p.on.contains(&category), "{category:?}");
        }
        match decide(&p, 1, &fail(Category::ImagePull, None), None) {
            Decision::GiveUp { phase, message } => {
                assert_eq!(phase, Phase::Failed);
                assert_eq!(message, "ImagePull; ImagePull is not retried (retry.on)");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn exit_codes_narrow_what_is_retried() {
        let p = RetryPolicy {
            exit_codes: vec![75],
            ..policy(3)
        };
        assert!(matches!(
            decide(&p, 1, &fail(Category::ExitCode, Some(75)), None),
            Decision::Retry { .. }
        ));
        assert!(matches!(
            decide(&p, 1, &fail(Category::ExitCode, Some(1)), None),
            Decision::GiveUp {
                phase: Phase::Failed,
                ..
            }
        ));
        // Other categories are not narrowed by exit codes.
        assert!(matches!(
            decide(&p, 1, &fail(Category::OomKilled, Some(137)), None),
            Decision::Retry { .. }
        ));
    }

    #[test]
    fn an_oom_kill_gets_more_memory_up_to_the_cap() {
        let p = RetryPolicy {
            oom_memory: Some(MemoryBump {
                factor: 2.0,
                max: "1Gi".to_owned(),
            }),
            ..policy(5)
        };
        let oom = fail(Category::OomKilled, Some(137));
        let memory = |current: Option<&str>| match decide(&p, 1, &oom, current) {
            Decision::Retry { memory, .. } => memory,
            other => panic!("{other:?}"),
        };
        assert_eq!(memory(Some("256Mi")).as_deref(), Some("512Mi"));
        assert_eq!(memory(Some("768Mi")).as_deref(), Some("1Gi"));
        assert_eq!(memory(None).as_deref(), Some("1Gi"));
        // An exit code keeps the memory it had.
        match decide(&p, 1, &fail(Category::ExitCode, Some(1)), Some("512Mi")) {
            Decision::Retry { memory, .. } => assert_eq!(memory.as_deref(), Some("512Mi")),
            other => panic!("{other:?}"),
        }
    }
}
