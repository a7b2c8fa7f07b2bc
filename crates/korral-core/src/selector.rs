use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

/// A label selector with Kubernetes' semantics: every requirement must hold, and a
/// selector without requirements matches every object. (A *missing* selector, which
/// matches nothing for a Service, is the caller's `None`.)
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// How the label is compared.
    pub operator: Operator,
    /// The values for `In` and `NotIn`; empty otherwise.
    pub values: Vec<String>,
}

/// The comparison a requirement makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// The label is set to one of the values (`key=value`, `key in (a,b)`).
    In,
    /// The label is unset or set to none of the values (`key!=value`, `key notin (a)`).
    NotIn,
    /// The label is set, to anything (`key`).
    Exists,
    /// The label is unset (`!key`).
    DoesNotExist,
}

/// Why a selector is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorParseError {
    /// An operator other than In, NotIn, Exists and DoesNotExist.
    #[error("unknown selector operator `{0}`; use In, NotIn, Exists or DoesNotExist")]
    UnknownOperator(String),
    /// In or NotIn without values, or Exists or DoesNotExist with some.
    #[error("operator `{operator}` on `{key}` {problem}")]
    Values {
        /// The label key.
        key: String,
        /// The operator.
        operator: String,
        /// What is wrong with the values.
        problem: &'static str,
    },
    /// A `-l` expression that does not parse.
    #[error(
        "invalid selector `{0}`; write it as kubectl does: `app=web,tier!=db,env in (prod,staging),!canary`"
    )]
    Syntax(String),
}

impl LabelSelector {
    /// A selector from requirements.
    pub fn new(requirements: Vec<Requirement>) -> Self {
        Self { requirements }
    }

    /// The selector a Service uses: a plain map whose pairs must all match.
    pub fn from_labels(labels: &BTreeMap<String, String>) -> Self {
        Self::new(
            labels
                .iter()
                .map(|(key, value)| Requirement {
                    key: key.clone(),
                    operator: Operator::In,
                    values: vec![value.clone()],
                })
                .collect(),
        )
    }

    /// A selector as Kubernetes objects write it (`metav1.LabelSelector`).
    pub fn from_spec(spec: &LabelSelectorSpec) -> Result<Self, SelectorParseError> {
        let mut selector = Self::from_labels(&spec.match_labels);
        for expr in &spec.match_expressions {
            let operator = match expr.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => return Err(SelectorParseError::UnknownOperator(other.to_owned())),
            };
            let takes_values = matches!(operator, Operator::In | Operator::NotIn);
            if takes_values == expr.values.is_empty() {
                return Err(SelectorParseError::Values {
                    key: expr.key.clone(),
                    operator: expr.operator.clone(),
                    problem: if takes_values {
                        "needs at least one value"
                    } else {
                        "takes no values"
                    },
                });
            }
            selector.requirements.push(Requirement {
                key: expr.key.clone(),
                operator,
                values: expr.values.clone(),
            });
        }
        Ok(selector)
    }

    /// Parses kubectl's `-l` syntax: comma-separated `key=value`, `key==value`,
    /// `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key` and `!key`.
    pub fn parse(text: &str) -> Result<Self, SelectorParseError> {
        let syntax = || SelectorParseError::Syntax(text.to_owned());
        let mut requirements = Vec::new();
        for term in split_terms(text).ok_or_else(syntax)? {
            let term = term.trim();
            if term.is_empty() {
                if text.trim().is_empty() {
                    continue;
                }
                return Err(syntax());
            }
            let requirement = parse_term(term).ok_or_else(syntax)?;
            requirements.push(requirement);
        }
        Ok(Self { requirements })
    }

    /// The requirements, all of which must hold.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether the selector has no requirements (and so matches everything).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

impl Requirement {
    /// Whether `labels` satisfy this requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In => value.is_some_and(|v| self.values.contains(v)),
            Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// kubectl's `-l` syntax; parsing it gives the same selector back.
impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, r) in self.requirements.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            match (r.operator, r.values.as_slice()) {
                (Operator::In, [value]) => write!(f, "{}={value}", r.key)?,
                (Operator::NotIn, [value]) => write!(f, "{}!={value}", r.key)?,
                (Operator::In, values) => write!(f, "{} in ({})", r.key, values.join(","))?,
                (Operator::NotIn, values) => write!(f, "{} notin ({})", r.key, values.join(","))?,
                (Operator::Exists, _) => f.write_str(&r.key)?,
                (Operator::DoesNotExist, _) => write!(f, "!{}", r.key)?,
            }
        }
        Ok(())
    }
}

/// `metav1.LabelSelector` as it appears in objects.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorSpec {
    /// `matchLabels`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub match_labels: BTreeMap<String, String>,
    /// `matchExpressions`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub match_expressions: Vec<ExpressionSpec>,
}

/// One entry of `matchExpressions`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct ExpressionSpec {
    /// The label key.
    #[serde(default)]
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    #[serde(default)]
    pub operator: String,
    /// The values for `In` and `NotIn`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub values: Vec<String>,
}

/// Accepts `null` where a map or list is expected, as the API server does.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Splits at commas outside parentheses; `None` when parentheses do not balance.
fn split_terms(text: &str) -> Option<Vec<&str>> {
    let mut terms = Vec::new();
    let mut depth = 0_u32;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1)?,
            ',' if depth == 0 => {
                terms.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    (depth == 0).then(|| {
        terms.push(&text[start..]);
        terms
    })
}

fn parse_term(term: &str) -> Option<Requirement> {
    let requirement = |key: &str, operator, values: Vec<String>| {
        let key = key.trim();
        (valid_key(key) && values.iter().all(|v| valid_value(v))).then(|| Requirement {
            key: key.to_owned(),
            operator,
            values,
        })
    };
    if let Some(key) = term.strip_prefix('!') {
        return requirement(key, Operator::DoesNotExist, Vec::new());
    }
    if let Some(open) = term.find('(') {
        let close = term.strip_suffix(')')?;
        let mut head = term[..open].split_whitespace();
        let (key, op) = (head.next()?, head.next()?);
        if head.next().is_some() {
            return None;
        }
        let operator = match op {
            "in" => Operator::In,
            "notin" => Operator::NotIn,
            _ => return None,
        };
        let values: Vec<String> = close[open + 1..]
            .split(',')
            .map(|v| v.trim().to_owned())
            .collect();
        return requirement(key, operator, values);
    }
    if let Some((key, value)) = term.split_once("!=") {
        return requirement(key, Operator::NotIn, vec![value.trim().to_owned()]);
    }
    if let Some((key, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return requirement(key, Operator::In, vec![value.trim().to_owned()]);
    }
    requirement(term, Operator::Exists, Vec::new())
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name of letters,
/// digits, `-`, `_` and `.` that starts and ends with a letter or digit.
fn valid_key(key: &str) -> bool {
    let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
    let prefix_ok = key.find('/').is_none_or(|_| {
        !prefix.is_empty()
            && prefix.len() <= 253
            && prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    });
    prefix_ok && !name.is_empty() && name.len() <= 63 && valid_value(name)
}

/// A label value: empty, or up to 63 letters, digits, `-`, `_`, `.`, starting and
/// ending with a letter or digit.
fn valid_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    value.is_empty()
        || (value.len() <= 63
            && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
            && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
}

#[cfg(test)]
mod tests;
