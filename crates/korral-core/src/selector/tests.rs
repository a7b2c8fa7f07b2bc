use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn expr(key: &str, operator: &str, values: &[&str]) -> ExpressionSpec {
    ExpressionSpec {
        key: key.to_owned(),
        operator: operator.to_owned(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

#[test]
fn match_labels_need_every_pair() {
    let selector = LabelSelector::from_labels(&labels(&[("app", "web"), ("tier", "front")]));
    assert!(selector.matches(&labels(&[("app", "web"), ("tier", "front"), ("x", "y")])));
    assert!(!selector.matches(&labels(&[("app", "web")])));
    assert!(!selector.matches(&labels(&[("app", "web"), ("tier", "back")])));
}

#[test]
fn operators_follow_kubernetes() {
    let spec = |e| LabelSelectorSpec {
        match_labels: BTreeMap::new(),
        match_expressions: vec![e],
    };
    let sel = |e| LabelSelector::from_spec(&spec(e)).unwrap();

    let r#in = sel(expr("env", "In", &["prod", "staging"]));
    assert!(r#in.matches(&labels(&[("env", "prod")])));
    assert!(!r#in.matches(&labels(&[("env", "dev")])));
    assert!(!r#in.matches(&labels(&[])), "In needs the label to be set");

    let not_in = sel(expr("env", "NotIn", &["prod"]));
    assert!(not_in.matches(&labels(&[("env", "dev")])));
    assert!(
        not_in.matches(&labels(&[])),
        "NotIn holds when the label is unset"
    );
    assert!(!not_in.matches(&labels(&[("env", "prod")])));

    let exists = sel(expr("canary", "Exists", &[]));
    assert!(exists.matches(&labels(&[("canary", "")])));
    assert!(!exists.matches(&labels(&[])));

    let absent = sel(expr("canary", "DoesNotExist", &[]));
    assert!(absent.matches(&labels(&[("app", "x")])));
    assert!(!absent.matches(&labels(&[("canary", "true")])));
}

#[test]
fn empty_selector_matches_everything() {
    let selector = LabelSelector::from_spec(&LabelSelectorSpec::default()).unwrap();
    assert!(selector.matches(&labels(&[])));
    assert!(selector.matches(&labels(&[("a", "b")])));
}

#[test]
fn bad_expressions_are_errors() {
    let spec = |e| LabelSelectorSpec {
        match_labels: BTreeMap::new(),
        match_expressions: vec![e],
    };
    assert_eq!(
        LabelSelector::from_spec(&spec(expr("a", "Equals", &["b"]))),
        Err(SelectorParseError::UnknownOperator("Equals".to_owned()))
    );
    assert!(LabelSelector::from_spec(&spec(expr("a", "In", &[]))).is_err());
    assert!(LabelSelector::from_spec(&spec(expr("a", "Exists", &["b"]))).is_err());
}

#[test]
fn parses_kubectl_syntax() {
    let selector =
        LabelSelector::parse("app=web, tier!=db,env in (prod, staging),!canary,team,x==y").unwrap();
    let ops: Vec<_> = selector
        .requirements()
        .iter()
        .map(|r| (r.key.as_str(), r.operator, r.values.len()))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("app", Operator::In, 1),
            ("tier", Operator::NotIn, 1),
            ("env", Operator::In, 2),
            ("canary", Operator::DoesNotExist, 0),
            ("team", Operator::Exists, 0),
            ("x", Operator::In, 1),
        ]
    );
    assert!(selector.matches(&labels(&[
        ("app", "web"),
        ("env", "prod"),
        ("team", "a"),
        ("x", "y")
    ])));
}

#[test]
fn rejects_bad_kubectl_syntax() {
    for bad in [
        "=web",
        "env in (prod",
        "a,,b",
        "env of (a)",
        "bad key=1",
        "a=b=c",
    ] {
        assert!(LabelSelector::parse(bad).is_err(), "{bad} should not parse");
    }
    assert!(
        LabelSelector::parse("app=").is_ok(),
        "an empty value is valid, as in kubectl"
    );
}

fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z][a-z0-9]{0,6}", "[a-z]{1,4}\\.io/[a-z][a-z0-9]{0,5}",]
}

fn arb_requirement() -> impl Strategy<Value = Requirement> {
    (
        arb_key(),
        prop_oneof![
            Just(Operator::In),
            Just(Operator::NotIn),
            Just(Operator::Exists),
            Just(Operator::DoesNotExist)
        ],
        prop::collection::vec("[a-z0-9]{1,5}", 1..4),
    )
        .prop_map(|(key, operator, values)| Requirement {
            key,
            operator,
            values: if matches!(operator, Operator::In | Operator::NotIn) {
                values
            } else {
                Vec::new()
            },
        })
}

proptest! {
    #[test]
    fn display_then_parse_round_trips(reqs in prop::collection::vec(arb_requirement(), 0..5)) {
        let selector = LabelSelector::new(reqs);
        let parsed = LabelSelector::parse(&selector.to_string()).unwrap();
        prop_assert_eq!(parsed, selector);
    }

    #[test]
    fn not_in_is_the_negation_of_in(
        values in prop::collection::vec("[a-c]", 1..3),
        label in proptest::option::of("[a-d]"),
    ) {
        let mut set = BTreeMap::new();
        if let Some(v) = &label {
            set.insert("k".to_owned(), v.clone());
        }
        let make = |operator| LabelSelector::new(vec![Requirement { key: "k".into(), operator, values: values.clone() }]);
        prop_assert_ne!(make(Operator::In).matches(&set), make(Operator::NotIn).matches(&set));
    }
}
