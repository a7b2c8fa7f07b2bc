//! A workflow's DAG: checked once (unique names, known dependencies, no cycle, the
//! cycle named when there is one), then each pass says which steps start, which are
//! skipped and whether the workflow is done. Pure functions.

use std::collections::{BTreeMap, HashMap};

use crate::resources::{Step, StepPhase};

/// The most steps a workflow may have (the CRD says the same).
pub const MAX_STEPS: usize = 200;

/// Checks the steps; `Err` names the problem and the step.
pub fn validate(steps: &[Step]) -> Result<(), String> {
    if steps.len() > MAX_STEPS {
        return Err(format!(
            "spec.steps has {} steps; at most {MAX_STEPS} are allowed",
            steps.len()
        ));
    }
    let mut index = HashMap::new();
    for (i, step) in steps.iter().enumerate() {
        if index.insert(step.name.as_str(), i).is_some() {
            return Err(format!(
                "spec.steps[{i}]: the step name `{}` is used twice; give each step its own name",
                step.name
            ));
        }
    }
    for (i, step) in steps.iter().enumerate() {
        for dep in &step.depends_on {
            if !index.contains_key(dep.as_str()) {
                return Err(format!(
                    "spec.steps[{i}] (`{}`): dependsOn names `{dep}`, which is not a step",
                    step.name
                ));
            }
        }
        for name in referenced(step) {
            if !step.depends_on.iter().any(|d| d == name) {
                return Err(format!(
                    "spec.steps[{i}] (`{}`): it uses the output of `{name}` but does not depend on it; add `{name}` to dependsOn",
                    step.name
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(steps, &index) {
        return Err(format!(
            "spec.steps: the dependencies form a cycle: {}; remove one of its dependsOn entries",
            cycle.join(" → ")
        ));
    }
    Ok(())
}

/// A cycle as step names, the first repeated at the end; depth-first with colours.
fn find_cycle<'a>(steps: &'a [Step], index: &HashMap<&str, usize>) -> Option<Vec<&'a str>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let mut colour = vec![Colour::White; steps.len()];
    for root in 0..steps.len() {
        if colour[root] != Colour::White {
            continue;
        }
        // An explicit stack of (step, next dependency to look at): no recursion, so a
        // long chain cannot overflow the stack.
        let mut stack = vec![(root, 0usize)];
        colour[root] = Colour::Grey;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(dep) = steps[node].depends_on.get(*next) {
                *next += 1;
                let d = index[dep.as_str()];
                match colour[d] {
                    Colour::White => {
                        colour[d] = Colour::Grey;
                        stack.push((d, 0));
                    }
                    Colour::Grey => {
                        let from = stack.iter().position(|(n, _)| *n == d).unwrap_or(0);
                        let mut cycle: Vec<&str> = stack[from..]
                            .iter()
                            .map(|(n, _)| steps[*n].name.as_str())
                            .collect();
                        cycle.push(steps[d].name.as_str());
                        return Some(cycle);
                    }
                    Colour::Black => {}
                }
            } else {
                colour[node] = Colour::Black;
                stack.pop();
            }
        }
    }
    None
}

/// The step names a step's args and env refer to with `{{steps.NAME.output}}`.
fn referenced(step: &Step) -> Vec<&str> {
    let mut names = Vec::new();
    for text in step.args.iter().chain(step.env.iter().map(|e| &e.value)) {
        let mut rest = text.as_str();
        while let Some(at) = rest.find("{{steps.") {
            rest = &rest[at + 8..];
            if let Some(end) = rest.find(".output}}") {
                names.push(&rest[..end]);
                rest = &rest[end..];
            } else {
                break;
            }
        }
    }
    names
}

/// `{{steps.NAME.output}}` replaced by that step's output; a step without one gives
/// an empty string.
pub fn substitute(text: &str, outputs: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{{steps.") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 8..];
        if let Some(end) = after.find(".output}}") {
            let name = &after[..end];
            out.push_str(outputs.get(name).map_or("", String::as_str));
            rest = &after[end + 9..];
        } else {
            out.push_str(&rest[at..]);
            rest = "";
        }
    }
    out.push_str(rest);
    out
}

/// What to do in one pass.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Progress {
    /// Steps to start now.
    pub start: Vec<String>,
    /// Steps that will never run.
    pub skip: Vec<String>,
    /// `Succeeded` or `Failed` once no step is pending or running; else `Running`.
    pub phase: &'static str,
}

/// The next pass over a valid workflow, given each step's phase (missing: Pending).
pub fn progress(steps: &[Step], phases: &BTreeMap<String, StepPhase>, fail_fast: bool) -> Progress {
    let phase = |name: &str| phases.get(name).copied().unwrap_or_default();
    let any_failed = steps.iter().any(|s| phase(&s.name) == StepPhase::Failed);
    let mut p = Progress::default();
    let mut now: BTreeMap<&str, StepPhase> = steps
        .iter()
        .map(|s| (s.name.as_str(), phase(&s.name)))
        .collect();
    // Skips spread down the DAG: loop until nothing changes (at most one round per
    // level; steps are few).
    loop {
        let mut changed = false;
        for step in steps {
            if now[step.name.as_str()] != StepPhase::Pending {
                continue;
            }
            let dead = step.depends_on.iter().any(|d| {
                matches!(
                    now.get(d.as_str()),
                    Some(StepPhase::Failed | StepPhase::Skipped)
                )
            });
            if dead || (fail_fast && any_failed) {
                now.insert(step.name.as_str(), StepPhase::Skipped);
                p.skip.push(step.name.clone());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for step in steps {
        if now[step.name.as_str()] == StepPhase::Pending
            && step
                .depends_on
                .iter()
                .all(|d| now.get(d.as_str()) == Some(&StepPhase::Succeeded))
        {
            p.start.push(step.name.clone());
        }
    }
    let open = now
        .values()
        .any(|s| matches!(s, StepPhase::Pending | StepPhase::Running));
    p.phase = if open {
        "Running"
    } else if now.values().all(|s| *s == StepPhase::Succeeded) {
        "Succeeded"
    } else {
        "Failed"
    };
    p
}

/// A step's Run's name: `WORKFLOW-STEP`, so a restarted controller finds it.
pub fn run_name(workflow: &str, step: &str) -> String {
    format!("{workflow}-{step}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::EnvVar;

    fn step(name: &str, deps: &[&str]) -> Step {
        Step {
            name: name.to_owned(),
            tool: "t".to_owned(),
            depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
            ..Step::default()
        }
    }

    fn diamond() -> Vec<Step> {
        vec![
            step("a", &[]),
            step("b", &["a"]),
            step("c", &["a"]),
            step("d", &["b", "c"]),
        ]
    }

    fn phases(pairs: &[(&str, StepPhase)]) -> BTreeMap<String, StepPhase> {
        pairs.iter().map(|(n, p)| ((*n).to_owned(), *p)).collect()
    }

    #[test]
    fn a_diamond_runs_level_by_level() {
        use StepPhase::{Running, Succeeded};
        let s = diamond();
        validate(&s).unwrap();
        assert_eq!(progress(&s, &phases(&[]), true).start, ["a"]);
        assert!(
            progress(&s, &phases(&[("a", Running)]), true)
                .start
                .is_empty()
        );
        assert_eq!(
            progress(&s, &phases(&[("a", Succeeded)]), true).start,
            ["b", "c"]
        );
        let half = phases(&[("a", Succeeded), ("b", Succeeded), ("c", Running)]);
        assert!(progress(&s, &half, true).start.is_empty(), "d waits for c");
        let both = phases(&[("a", Succeeded), ("b", Succeeded), ("c", Succeeded)]);
        assert_eq!(progress(&s, &both, true).start, ["d"]);
        let done = phases(&[
            ("a", Succeeded),
            ("b", Succeeded),
            ("c", Succeeded),
            ("d", Succeeded),
        ]);
        assert_eq!(progress(&s, &done, true).phase, "Succeeded");
    }

    #[test]
    fn a_failure_skips_what_depends_on_it() {
        use StepPhase::{Failed, Running, Succeeded};
        let s = diamond();
        let p = progress(
            &s,
            &phases(&[("a", Succeeded), ("b", Failed), ("c", Running)]),
            true,
        );
        assert_eq!(
            (p.start.len(), p.skip.as_slice(), p.phase),
            (0, &["d".to_owned()][..], "Running")
        );
        let p = progress(
            &s,
            &phases(&[("a", Succeeded), ("b", Failed), ("c", Succeeded)]),
            true,
        );
        assert_eq!(
            (p.skip.as_slice(), p.phase),
            (&["d".to_owned()][..], "Failed")
        );
    }

    #[test]
    fn fail_fast_stops_the_unrelated_too_and_continue_does_not() {
        use StepPhase::Failed;
        let s = vec![step("a", &[]), step("b", &[]), step("c", &["b"])];
        let failed = phases(&[("a", Failed)]);
        let fast = progress(&s, &failed, true);
        assert_eq!(fast.skip, ["b", "c"]);
        assert_eq!(fast.phase, "Failed");
        let go_on = progress(&s, &failed, false);
        assert!(go_on.skip.is_empty());
        assert_eq!(go_on.start, ["b"]);
        assert_eq!(go_on.phase, "Running");
    }

    #[test]
    fn cycles_are_named() {
        let s = vec![
            step("a", &[]),
            step("b", &["a", "d"]),
            step("c", &["b"]),
            step("d", &["c"]),
        ];
        assert_eq!(
            validate(&s).unwrap_err(),
            "spec.steps: the dependencies form a cycle: b → d → c → b; remove one of its dependsOn entries"
        );
        let selfish = vec![step("a", &["a"])];
        assert!(validate(&selfish).unwrap_err().contains("a → a"));
    }

    #[test]
    fn unknown_and_duplicate_steps_are_named() {
        let s = vec![step("a", &["x"])];
        assert_eq!(
            validate(&s).unwrap_err(),
            "spec.steps[0] (`a`): dependsOn names `x`, which is not a step"
        );
        let s = vec![step("a", &[]), step("a", &[])];
        assert!(validate(&s).unwrap_err().contains("`a` is used twice"));
    }

    #[test]
    fn a_long_chain_does_not_overflow() {
        let s: Vec<Step> = (0..MAX_STEPS)
            .map(|i| {
                let deps: Vec<String> = if i == 0 {
                    vec![]
                } else {
                    vec![format!("s{}", i - 1)]
                };
                Step {
                    name: format!("s{i}"),
                    tool: "t".to_owned(),
                    depends_on: deps,
                    ..Step::default()
                }
            })
            .collect();
        validate(&s).unwrap();
    }

    #[test]
    fn outputs_are_passed_on() {
        let mut b = step("b", &["a"]);
        b.args = vec!["--version={{steps.a.output}}".to_owned()];
        b.env = vec![EnvVar {
            name: "V".to_owned(),
            value: "{{steps.a.output}}!".to_owned(),
        }];
        validate(&[step("a", &[]), b.clone()]).unwrap();
        let outputs: BTreeMap<String, String> = [("a".to_owned(), "1.2.3".to_owned())].into();
        assert_eq!(substitute(&b.args[0], &outputs), "--version=1.2.3");
        assert_eq!(
            substitute("{{steps.zz.output}}-{{steps.", &outputs),
            "-{{steps."
        );
        let mut orphan = step("c", &[]);
        orphan.args = vec!["{{steps.a.output}}".to_owned()];
        let err = validate(&[step("a", &[]), orphan]).unwrap_err();
        assert!(err.contains("add `a` to dependsOn"), "{err}");
    }
}
