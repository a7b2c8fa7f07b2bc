//! How long korral waits for an API server, and how much it reads from one.
//!
//! A server that accepts and never answers, one that trickles a byte every few
//! seconds, one that sends an endless body or a list that never ends: each must end
//! with a message, not a hang or a process that grows until it dies.

use std::time::Duration;

/// The timeouts and size limits of every request to the API server.
///
/// The defaults suit a real cluster over a slow link; [`Limits::request_timeout`] is
/// what `--request-timeout` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Opening a connection: TCP connect and TLS handshake. Default 30 s (kubectl's
    /// and kube's).
    pub connect_timeout: Duration,
    /// One request, from sending it until its whole answer is read; for a watch or a
    /// followed log, until the server starts answering. `None` (`--request-timeout 0`)
    /// waits as long as the server keeps talking: [`Limits::idle_timeout`] still ends
    /// a silence. Default 60 s.
    pub request_timeout: Option<Duration>,
    /// The longest silence while waiting for an answer or reading a watch: longer
    /// than the time a watch stays open on the server (290 s), so a quiet watch is
    /// never cut. Default 320 s. A followed log (`logs -f`) has no idle limit: a quiet
    /// container is silent for hours.
    pub idle_timeout: Duration,
    /// How long the kubeconfig user's exec credential plugin (`aws eks get-token`,
    /// `kubelogin`) may run. Default 2 minutes: a login that opens a browser needs a
    /// person. `None` waits forever.
    pub exec_timeout: Option<Duration>,
    /// The most bytes one answer may have: one list page, one discovery document,
    /// one watch event. Default 128 MiB: a page of 500 objects of 256 KiB each. A list
    /// page over it is asked for again in smaller pages.
    pub max_response_bytes: u64,
    /// The most bytes one resource's list may read over all its pages. Default 4 GiB
    /// (a hundred thousand objects of 40 KiB).
    pub max_list_bytes: u64,
    /// The most pages one resource's list may take. Default 10,000 (five million
    /// objects at 500 a page).
    pub max_list_pages: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(30),
            request_timeout: Some(DEFAULT_REQUEST_TIMEOUT),
            idle_timeout: Duration::from_secs(320),
            exec_timeout: Some(MIN_EXEC_TIMEOUT),
            max_response_bytes: 128 << 20,
            max_list_bytes: 4 << 30,
            max_list_pages: 10_000,
        }
    }
}

/// [`Limits::request_timeout`]'s default.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The shortest time an exec credential plugin is given: a login that opens a
/// browser needs a person.
const MIN_EXEC_TIMEOUT: Duration = Duration::from_secs(120);

/// The most an error answer (a `Status`) is read: its message is shown, nothing more.
pub(crate) const MAX_STATUS_BYTES: u64 = 1 << 20;

/// The longest log line kept whole; longer lines are cut into pieces this long.
pub(crate) const MAX_LOG_LINE_BYTES: u64 = 1 << 20;

impl Limits {
    /// These limits with `--request-timeout`'s value: the request timeout, and the exec
    /// plugin's, which is the longer of 2 minutes and it; `None` (`0`) waits forever
    /// for both.
    #[must_use]
    pub fn with_request_timeout(self, timeout: Option<Duration>) -> Self {
        Self {
            request_timeout: timeout,
            exec_timeout: timeout.map(|t| t.max(MIN_EXEC_TIMEOUT)),
            ..self
        }
    }

    /// Parses a timeout the way kubectl's `--request-timeout` does: `0` is no timeout,
    /// a bare number is seconds, else a number and unit (`500ms`, `30s`, `1m`, `1h`,
    /// `1m30s`).
    ///
    /// # Errors
    ///
    /// A message saying what is wrong and what is accepted.
    pub fn parse_timeout(text: &str) -> Result<Option<Duration>, String> {
        let text = text.trim();
        let invalid = || {
            format!(
                "invalid timeout `{}`: use a number of seconds, or a number and a unit (`30s`, `2m`, `1h`); `0` waits forever",
                korral_core::terminal::escape(text)
            )
        };
        let duration = if let Ok(seconds) = text.parse::<u64>() {
            Duration::from_secs(seconds)
        } else {
            parse_units(text).ok_or_else(invalid)?
        };
        Ok((!duration.is_zero()).then_some(duration))
    }
}

/// Go's duration syntax (what kubectl accepts): `1h2m3.5s`, `300ms`.
fn parse_units(text: &str) -> Option<Duration> {
    let mut rest = text;
    let mut total = Duration::ZERO;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += Duration::try_from_secs_f64(number * seconds).ok()?;
    }
    Some(total)
}

/// A byte count for messages: `128 MiB`.
pub(crate) fn bytes(count: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut value = count;
    let mut unit = 0;
    while value >= 1024 && value.is_multiple_of(1024) && unit + 1 < UNITS.len() {
        value /= 1024;
        unit += 1;
    }
    format!("{value} {}", UNITS[unit])
}

/// A duration for messages: `60s`, `1.5s`, `250ms`.
pub(crate) fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else if duration.as_secs() == 0 {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_as_kubectl_does() {
        let parse = |t| Limits::parse_timeout(t).unwrap();
        assert_eq!(parse("0"), None);
        assert_eq!(parse("0s"), None);
        assert_eq!(parse("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse("250ms"), Some(Duration::from_millis(250)));
        for bad in ["", "s", "-1", "10x", "1m 2s", "ten"] {
            let err = Limits::parse_timeout(bad).unwrap_err();
            assert!(err.starts_with("invalid timeout"), "{bad}: {err}");
        }
    }

    #[test]
    fn exec_plugins_get_two_minutes_at_least() {
        let limits = Limits::default();
        assert_eq!(limits.exec_timeout, Some(Duration::from_secs(120)));
        let short = limits.with_request_timeout(Some(Duration::from_secs(5)));
        assert_eq!(short.request_timeout, Some(Duration::from_secs(5)));
        assert_eq!(short.exec_timeout, Some(Duration::from_secs(120)));
        let long = limits.with_request_timeout(Some(Duration::from_secs(600)));
        assert_eq!(long.exec_timeout, Some(Duration::from_secs(600)));
        let forever = limits.with_request_timeout(None);
        assert_eq!(
            (forever.request_timeout, forever.exec_timeout),
            (None, None)
        );
    }

    #[test]
    fn sizes_and_durations_read_well() {
        assert_eq!(bytes(128 << 20), "128 MiB");
        assert_eq!(bytes(4 << 30), "4 GiB");
        assert_eq!(bytes(1000), "1000 bytes");
        assert_eq!(seconds(Duration::from_secs(60)), "60s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5s");
        assert_eq!(seconds(Duration::from_millis(250)), "250ms");
    }
}
