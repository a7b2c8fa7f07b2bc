//! How long each Kubernetes minor release (and so each K3s line) gets fixes.
//!
//! Kubernetes supports a minor release for about 14 months (12 months, then 2 months to
//! upgrade); K3s follows upstream. `korral validate` warns, and does not refuse, when
//! `spec.k3s.version` is past its end of life: an old cluster still has to be described
//! to be upgraded. The dates are upstream's (kubernetes.io/releases); a minor newer than
//! the table is taken as supported. Update the table and [`RECOMMENDED`] with each
//! Kubernetes release.

use jiff::civil::{Date, date};

/// The release the templates pin and the warning suggests.
pub const RECOMMENDED: &str = "v1.35.2+k3s1";

/// Kubernetes minor version → the last day it is supported.
pub const END_OF_LIFE: &[(u32, Date)] = &[
    (28, date(2024, 10, 28)),
    (29, date(2025, 2, 28)),
    (30, date(2025, 6, 28)),
    (31, date(2025, 10, 28)),
    (32, date(2026, 2, 28)),
    (33, date(2026, 6, 28)),
    (34, date(2026, 10, 27)),
    (35, date(2027, 2, 28)),
    (36, date(2027, 6, 28)),
];

/// Today in UTC.
pub fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// The minor version of a K3s release tag `v1.MINOR.PATCH+k3sN`.
pub fn minor(version: &str) -> Option<u32> {
    let rest = version.strip_prefix("v1.")?;
    rest.split('.').next()?.parse().ok()
}

/// The minor and its end-of-life date when `version` is out of support on `today`.
/// Minors older than the table ended before its first entry.
pub fn ended(version: &str, today: Date) -> Option<(u32, Date)> {
    let minor = minor(version)?;
    let (oldest, oldest_end) = END_OF_LIFE[0];
    if minor < oldest {
        return Some((minor, oldest_end));
    }
    END_OF_LIFE
        .iter()
        .find(|(listed, _)| *listed == minor)
        .filter(|(_, end)| today > *end)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_past_their_end_of_life_are_found() {
        let today = date(2026, 12, 6);
        assert_eq!(ended("v1.31.4+k3s1", today), Some((31, date(2025, 10, 28))));
        assert_eq!(ended("v1.34.3+k3s1", today), Some((34, date(2026, 10, 27))));
        assert_eq!(ended("v1.35.2+k3s1", today), None);
        assert_eq!(ended("v1.36.0+k3s1", today), None);
        // Newer than the table: taken as supported.
        assert_eq!(ended("v1.40.0+k3s1", today), None);
        assert_eq!(ended("v1.20.0+k3s1", today), Some((20, date(2024, 10, 28))));
        // The last day is still supported.
        assert_eq!(ended("v1.35.0+k3s1", date(2027, 2, 28)), None);
        assert!(ended("v1.35.0+k3s1", date(2027, 3, 1)).is_some());
    }

    #[test]
    fn the_recommended_release_is_supported_and_a_release_tag() {
        assert!(crate::names::k3s_version(RECOMMENDED));
        let minor = minor(RECOMMENDED).unwrap();
        assert!(END_OF_LIFE.iter().any(|(listed, _)| *listed == minor));
    }
}
