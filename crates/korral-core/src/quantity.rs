//! Kubernetes resource quantities (`250m`, `1.5`, `128Mi`, `2G`, `12345n`).

use std::fmt;
use std::str::FromStr;

/// A quantity as a number of base units (cores, bytes). Exact enough for display and
/// comparison; not for round-tripping the canonical text.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Quantity(pub f64);

/// A quantity that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Kubernetes quantity; write it like 250m, 1.5, 128Mi or 2G")]
pub struct QuantityError(pub String);

const SUFFIXES: &[(&str, f64)] = &[
    ("Ki", 1024.0),
    ("Mi", 1_048_576.0),
    ("Gi", 1_073_741_824.0),
    ("Ti", 1_099_511_627_776.0),
    ("Pi", 1_125_899_906_842_624.0),
    ("Ei", 1_152_921_504_606_846_976.0),
    ("n", 1e-9),
    ("u", 1e-6),
    ("m", 1e-3),
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
    ("P", 1e15),
    ("E", 1e18),
];

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || QuantityError(text.to_owned());
        let trimmed = text.trim();
        let (number, factor) = SUFFIXES
            .iter()
            .find_map(|(suffix, factor)| trimmed.strip_suffix(suffix).map(|n| (n, *factor)))
            .unwrap_or((trimmed, 1.0));
        // Decimal exponents (`1e3`, `2E-2`) are quantities too; `E` alone is exa above.
        let value: f64 = number.parse().map_err(|_| err())?;
        if !value.is_finite() {
            return Err(err());
        }
        Ok(Self(value * factor))
    }
}

impl Quantity {
    /// As cores, printed as kubectl top does: millicores (`250m`).
    pub fn millicores(self) -> String {
        format!("{}m", (self.0 * 1000.0).round() as i64)
    }

    /// As bytes, printed as kubectl top does: mebibytes (`128Mi`).
    pub fn mebibytes(self) -> String {
        format!("{}Mi", (self.0 / 1_048_576.0).round() as i64)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> f64 {
        text.parse::<Quantity>().unwrap().0
    }

    #[test]
    fn suffixes_scale_the_number() {
        assert!((q("250m") - 0.25).abs() < 1e-12);
        assert!((q("1.5") - 1.5).abs() < 1e-12);
        assert!((q("12345678n") - 0.012_345_678).abs() < 1e-12);
        assert!((q("128Mi") - 134_217_728.0).abs() < 1e-3);
        assert!((q("2G") - 2e9).abs() < 1e-3);
        assert!((q("1e3") - 1000.0).abs() < 1e-9);
        assert!((q("100Ki") - 102_400.0).abs() < 1e-9);
    }

    #[test]
    fn nonsense_is_an_error() {
        for bad in ["", "m", "1.2.3", "abc", "12Mb"] {
            assert!(bad.parse::<Quantity>().is_err(), "{bad}");
        }
    }

    #[test]
    fn prints_as_kubectl_top() {
        assert_eq!("0.25".parse::<Quantity>().unwrap().millicores(), "250m");
        assert_eq!("256Mi".parse::<Quantity>().unwrap().mebibytes(), "256Mi");
    }
}
