//! Fault injection: what a test makes the server do wrong, on purpose.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::error::{ApiError, qualified};
use super::server::Shared;

/// Which requests a [`Fault`] hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultTarget {
    /// Every request whose path starts with this (`/api/v1/namespaces/shop/pods`).
    PathPrefix(String),
    /// Every request for a resource, at any version, in any namespace, subresources
    /// included: group (empty for the core group) and plural.
    Resource {
        /// API group; empty for the core group.
        group: String,
        /// Plural resource name (`pods`).
        resource: String,
    },
}

/// A failure to answer matching requests with: an HTTP code and a `Status` body such as
/// the real server writes for it (401 `Unauthorized`, 403 `Forbidden`, 429
/// `TooManyRequests`, 500 `InternalError`, 503 `ServiceUnavailable`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    target: FaultTarget,
    code: u16,
    times: Option<u32>,
}

impl Fault {
    /// Requests whose path starts with `prefix` fail with 500 until cleared.
    pub fn path_prefix(prefix: impl Into<String>) -> Self {
        Self {
            target: FaultTarget::PathPrefix(prefix.into()),
            code: 500,
            times: None,
        }
    }

    /// Requests for the resource `group`/`plural` fail with 500 until cleared.
    pub fn resource(group: impl Into<String>, plural: impl Into<String>) -> Self {
        Self {
            target: FaultTarget::Resource {
                group: group.into(),
                resource: plural.into(),
            },
            code: 500,
            times: None,
        }
    }

    /// The HTTP code to answer with.
    #[must_use]
    pub fn status(mut self, code: u16) -> Self {
        self.code = code;
        self
    }

    /// Only the next `n` matching requests fail.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }
}

/// The state faults keep.
#[derive(Debug, Default)]
pub(crate) struct FaultState {
    rules: Vec<Fault>,
    pub delay: Duration,
    /// `group/version`s whose discovery and requests answer 503.
    pub unavailable: HashSet<String>,
}

/// What a request is, for matching faults against.
pub(crate) struct RequestInfo<'a> {
    pub path: &'a str,
    pub verb: &'a str,
    pub group: Option<&'a str>,
    pub version: Option<&'a str>,
    pub resource: Option<&'a str>,
    pub namespace: Option<&'a str>,
}

impl FaultState {
    /// The injected failure for a request, if any; counts it against its `times`.
    pub fn check(&mut self, req: &RequestInfo<'_>) -> Option<ApiError> {
        if let (Some(group), Some(version)) = (req.group, req.version)
            && self.unavailable.contains(&format!("{group}/{version}"))
        {
            return Some(ApiError::new(
                503,
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            ));
        }
        let index = self.rules.iter().position(|rule| match &rule.target {
            FaultTarget::PathPrefix(prefix) => req.path.starts_with(prefix.as_str()),
            FaultTarget::Resource { group, resource } => {
                req.group == Some(group.as_str()) && req.resource == Some(resource.as_str())
            }
        })?;
        let rule = &mut self.rules[index];
        let code = rule.code;
        if let Some(times) = &mut rule.times {
            *times = times.saturating_sub(1);
            if *times == 0 {
                self.rules.remove(index);
            }
        }
        Some(fault_error(code, req))
    }
}

fn fault_error(code: u16, req: &RequestInfo<'_>) -> ApiError {
    let group = req.group.unwrap_or_default();
    let resource = req.resource.unwrap_or_default();
    match code {
        401 => ApiError::new(401, "Unauthorized", "Unauthorized"),
        403 => {
            let scope = req.namespace.map_or_else(
                || "at the cluster scope".to_owned(),
                |ns| format!("in the namespace \"{ns}\""),
            );
            ApiError::new(
                403,
                "Forbidden",
                format!(
                    "{} is forbidden: User \"korral-test\" cannot {} resource \"{resource}\" in API group \"{group}\" {scope}",
                    qualified(group, resource),
                    req.verb
                ),
            )
            .with_details(group, resource, "")
        }
        404 => ApiError::page_not_found(),
        409 => ApiError::new(409, "Conflict", "injected conflict"),
        410 => ApiError::expired(
            "The provided continue parameter is too old to display a consistent list result. \
             You can start a new list without the continue parameter.",
        ),
        429 => ApiError::new(
            429,
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later",
        ),
        503 => ApiError::new(
            503,
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
        ),
        504 => ApiError::new(
            504,
            "Timeout",
            "the server was unable to return a response in the time allotted",
        ),
        _ => ApiError::new(
            code,
            "InternalError",
            "Internal error occurred: injected by the test",
        ),
    }
}

/// Fault injection for one [`crate::ApiServer`], from [`crate::ApiServer::faults`].
/// Cheap to clone; every clone steers the same server.
#[derive(Clone)]
pub struct Faults {
    pub(crate) shared: Arc<Shared>,
}

impl Faults {
    /// Makes matching requests fail until [`Faults::clear`] (or `times` runs out).
    /// Faults are checked in the order they were injected; the first match wins.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults().rules.push(fault);
    }

    /// Removes every injected fault, delay and unavailable group.
    pub fn clear(&self) {
        *self.shared.faults() = FaultState::default();
    }

    /// Delays every response by `delay` (zero to stop).
    pub fn set_delay(&self, delay: Duration) {
        self.shared.faults().delay = delay;
    }

    /// Makes `group/version` answer 503 for discovery and requests, as an aggregated
    /// API whose backend is down does (metrics.k8s.io without metrics-server). `/apis`
    /// still lists the group, as the real server does.
    pub fn set_unavailable(&self, group: &str, version: &str, unavailable: bool) {
        let gv = format!("{group}/{version}");
        let mut faults = self.shared.faults();
        if unavailable {
            faults.unavailable.insert(gv);
        } else {
            faults.unavailable.remove(&gv);
        }
    }

    /// Closes every open watch and log stream now, mid-stream, as a dropped
    /// connection does.
    pub fn drop_watches(&self) {
        self.shared
            .dropped
            .send_modify(|generation| *generation += 1);
    }

    /// Forgets the event history (an etcd compaction): watches and continue tokens from
    /// before get 410 Gone (`Expired`); a fresh list works.
    pub fn expire_history(&self) {
        let rv = {
            let mut store = self.shared.store();
            store.expire_history();
            store.rv
        };
        self.shared.changed.send_replace(rv);
    }
}
