//! Running the rules over an object set.

use std::collections::{BTreeMap, HashMap, HashSet};

use korral_core::ObjectSet;
use korral_topology::{InferOptions, infer};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::finding::{Finding, ObjectRef, Severity, Standard};
use crate::locate::{self, Text};
use crate::pod::pod_specs;
use crate::registry::RULES;
use crate::rule::{Check, Cx, Emit, Pod, RawFinding, Rule, Target};
use crate::suppress::{Baseline, Config, IGNORE_ANNOTATION, Ignore, REASON_ANNOTATION, ignored};

/// The newest Kubernetes minor version the deprecation data knows; the default target.
pub const LATEST_KUBE_VERSION: (u32, u32) = (1, 34);

/// What to audit and what to report.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only rules of these standards; every rule when empty.
    pub standards: Vec<Standard>,
    /// Only these rules (codes); every selected rule when empty.
    pub only: Vec<&'static str>,
    /// Only findings at or above this severity.
    pub min_severity: Severity,
    /// The Kubernetes version deprecations are judged against (major, minor).
    pub kube_version: (u32, u32),
    /// Only objects of this namespace (cluster-scoped objects are left out).
    pub namespace: Option<String>,
    /// Disabled rules and exclusions.
    pub config: Config,
    /// Known findings not to report again.
    pub baseline: Option<Baseline>,
    /// File texts by file name, for files that cannot be read again (standard input);
    /// other files are read from disk to find the lines of fields.
    pub texts: HashMap<String, String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            standards: Vec::new(),
            only: Vec::new(),
            min_severity: Severity::Info,
            kube_version: LATEST_KUBE_VERSION,
            namespace: None,
            config: Config::default(),
            baseline: None,
            texts: HashMap::new(),
        }
    }
}

/// Parses `1.29`, `v1.29.3` into (1, 29).
pub fn parse_kube_version(text: &str) -> Result<(u32, u32)> {
    let err = || Error::KubeVersion(text.to_owned());
    let trimmed = text.trim().trim_start_matches('v');
    let mut parts = trimmed.split('.');
    let major = parts.next().and_then(|p| p.parse().ok()).ok_or_else(err)?;
    let minor = parts
        .next()
        .map(|p| p.trim_end_matches('+'))
        .and_then(|p| {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .ok_or_else(err)?;
    Ok((major, minor))
}

/// The findings of an audit and their summary.
///
/// JSON shape (a public contract): `{"findings":[Finding…],"summary":{…}}`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What was found, sorted by file, object and line.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
    /// Things the user should know: ignore annotations without a reason, kinds judged
    /// under another apiVersion than the one written, documents judged without a name.
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// Pod specs of the wrong shape (`spec:` a list, `containers:` a mapping), each as
    /// `file:line: what is wrong and the fix`: the API server refuses these documents,
    /// and no rule could judge what they hold.
    #[serde(skip)]
    pub malformed: Vec<String>,
    /// The codes of the rules that ran.
    #[serde(skip)]
    pub rules: Vec<&'static str>,
}

/// The counts of a report.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Findings reported.
    pub total: usize,
    /// Findings by severity.
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    /// Documents audited: every object, and every earlier document of the same identity.
    pub objects: usize,
    /// Documents with at least one finding.
    pub objects_with_findings: usize,
    /// Rules that ran.
    pub rules: usize,
    /// Findings left out by an annotation or the config file.
    pub suppressed: usize,
    /// Findings left out because the baseline knows them.
    pub baselined: usize,
    /// The Kubernetes version deprecations were judged against.
    pub kube_version: String,
}

impl Report {
    /// The findings at or above `severity`.
    pub fn at_least(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= severity)
            .count()
    }
}

/// Whether a rule runs under these options.
fn selected(rule: &Rule, options: &Options) -> bool {
    (options.standards.is_empty() || rule.standards.iter().any(|s| options.standards.contains(s)))
        && (options.only.is_empty() || options.only.contains(&rule.code))
        && rule.severity >= options.min_severity
        && !options.config.disabled(rule.code)
}

/// Audits `set` with every selected rule.
pub fn audit(set: &ObjectSet, options: &Options) -> Report {
    let rules: Vec<&Rule> = RULES
        .iter()
        .copied()
        .filter(|r| selected(r, options))
        .collect();
    audit_with(set, options, &rules)
}

/// Audits `set` with the given rules only (for tests and `--rule`).
pub fn audit_rules(set: &ObjectSet, options: &Options, codes: &[&str]) -> Result<Report> {
    let mut rules = Vec::new();
    for code in codes {
        rules.push(
            crate::registry::rule(code).ok_or_else(|| Error::UnknownRule((*code).to_owned()))?,
        );
    }
    Ok(audit_with(set, options, &rules))
}

fn audit_with(set: &ObjectSet, options: &Options, rules: &[&Rule]) -> Report {
    // Every document is judged where it stands: the objects first (their indexes are
    // the set's and the graph's), then the documents a later one of the same identity
    // shadowed, then those the loader could not name.
    let unnamed = crate::unnamed::recover(set, options);
    let objects: Vec<&korral_core::Object> = set
        .documents()
        .chain(unnamed.iter().map(|u| &u.object))
        .collect();
    let values = trees(&objects);
    let (shapes, pods) = shapes(&objects, &values);
    let graph = infer(set, InferOptions::default());
    let node_of = node_of(&graph, objects.len());
    let controlled = crate::rule::controlled(set, &objects);
    let index = crate::rule::Index::new(set, &graph);
    let cx = Cx {
        set,
        documents: &objects,
        values: &values,
        graph: &graph,
        node_of: &node_of,
        pods: &pods,
        controlled: &controlled,
        index: &index,
        kube_version: options.kube_version,
    };

    let raw = run_rules(&cx, rules, &values, &pods, &controlled);

    let mut report = Report {
        findings: Vec::new(),
        summary: Summary {
            objects: objects.len(),
            rules: rules.len(),
            kube_version: format!("{}.{}", options.kube_version.0, options.kube_version.1),
            ..Summary::default()
        },
        warnings: Vec::new(),
        malformed: Vec::new(),
        rules: rules.iter().map(|r| r.code).collect(),
    };
    report
        .warnings
        .extend(unnamed.iter().map(|u| u.note.clone()));
    shape_notes(set, options, &objects, &shapes, &mut report);
    let mut seen = HashSet::new();
    let mut annotations: HashMap<usize, Ignore> = HashMap::new();
    // Per file: (finding, object) pairs whose field lines are still to be found.
    let mut by_file: BTreeMap<u32, Vec<(usize, usize)>> = BTreeMap::new();
    for (rule, found) in raw {
        let object = &objects[found.object];
        if let Some(ns) = &options.namespace
            && object.namespace() != Some(ns.as_str())
        {
            continue;
        }
        if !seen.insert((
            rule.code,
            found.object,
            found.path.clone(),
            found.message.clone(),
        )) {
            continue;
        }
        let source = object.source();
        let index = found.object;
        let finding = new_finding(set, rule, object, found);
        let ignore = annotations.entry(index).or_insert_with(|| {
            let ignore = ignored(&object.annotations());
            if matches!(ignore, Ignore::NoReason) {
                report.warnings.push(format!(
                    "{} ({}): `{IGNORE_ANNOTATION}` is not honoured without `{REASON_ANNOTATION}`; add a reason saying why the findings are accepted",
                    object.key(),
                    set.location(object)
                ));
            }
            ignore
        });
        if matches!(ignore, Ignore::Codes(codes) if codes.iter().any(|c| c == rule.code))
            || options.config.excludes(&finding)
        {
            report.summary.suppressed += 1;
            continue;
        }
        if options
            .baseline
            .as_ref()
            .is_some_and(|b| b.contains(&finding))
        {
            report.summary.baselined += 1;
            continue;
        }
        if finding.file.is_some() {
            by_file
                .entry(source.file.0)
                .or_default()
                .push((report.findings.len(), index));
        }
        report.findings.push(finding);
    }

    locate_fields(set, options, &objects, &mut report, by_file);

    finish(&mut report);
    report
}

/// Each document's pod specs and their shapes.
fn shapes(
    objects: &[&korral_core::Object],
    values: &[Value],
) -> (Vec<crate::pod::Shape>, Vec<Vec<crate::pod::PodSpecAt>>) {
    let shapes: Vec<_> = objects
        .iter()
        .zip(values)
        .map(|(o, v)| pod_specs(o.group(), o.kind(), v))
        .collect();
    let pods = shapes.iter().map(|s| s.specs.clone()).collect();
    (shapes, pods)
}

/// The graph node of each document; `usize::MAX` for the documents the graph does not
/// hold (shadowed and recovered ones).
fn node_of(graph: &korral_topology::Graph, documents: usize) -> Vec<usize> {
    let mut node_of = vec![usize::MAX; documents];
    for (i, node) in graph.nodes().iter().enumerate() {
        node_of[node.object] = i;
    }
    node_of
}

/// Every object's JSON tree, the largest single cost of an audit, parsed on all
/// cores when there are enough objects to be worth a thread.
fn trees(objects: &[&korral_core::Object]) -> Vec<Value> {
    const PER_THREAD: usize = 500;
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(objects.len() / PER_THREAD)
        .max(1);
    if threads == 1 {
        return objects.iter().map(|o| desired(o)).collect();
    }
    let chunk = objects.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = objects
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(|o| desired(o)).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|part| {
                part.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// An object's JSON tree without what no rule reads and dumps are heaviest with:
/// top-level `status` and `metadata.managedFields` (a third of a `kubectl get -o json`
/// dump's bytes). Rules judge what is asked for, never what is reported.
fn desired(object: &korral_core::Object) -> Value {
    // The text was validated as JSON when it was read.
    serde_json::from_str::<Trimmed>(object.raw().as_str()).map_or(Value::Null, |t| t.0)
}

/// [`desired`]'s tree: a mapping with the fields named in `skip` left out, and
/// `metadata` trimmed the same way one level down.
struct Trimmed(Value);

impl<'de> serde::Deserialize<'de> for Trimmed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(Skipping {
                skip: "status",
                metadata: true,
            })
            .map(Trimmed)
    }
}

/// Builds a JSON mapping, ignoring the value of key `skip` without building it.
struct Skipping {
    skip: &'static str,
    /// Whether `metadata` is to be trimmed of `managedFields`.
    metadata: bool,
}

impl<'de> serde::de::Visitor<'de> for Skipping {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == self.skip {
                map.next_value::<serde::de::IgnoredAny>()?;
            } else if self.metadata && key == "metadata" {
                let metadata = map.next_value::<Metadata>()?;
                out.insert(key, metadata.0);
            } else {
                out.insert(key, map.next_value()?);
            }
        }
        Ok(Value::Object(out))
    }
}

/// `metadata` without `managedFields`. The loader has read `metadata` as a mapping
/// already, so nothing else can stand here.
struct Metadata(Value);

impl<'de> serde::Deserialize<'de> for Metadata {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(Skipping {
                skip: "managedFields",
                metadata: false,
            })
            .map(Metadata)
    }
}

/// A finding of `rule` on `object`, on the object's line until its field is located.
fn new_finding(
    set: &ObjectSet,
    rule: &Rule,
    object: &korral_core::Object,
    found: RawFinding,
) -> Finding {
    let source = object.source();
    Finding {
        code: rule.code.to_owned(),
        severity: rule.severity,
        object: ObjectRef {
            kind: object.kind().to_owned(),
            namespace: object.namespace().map(str::to_owned),
            name: object.name().to_owned(),
        },
        file: (source.line > 0).then(|| set.file_name(source.file).to_owned()),
        line: source.line,
        path: found.path,
        message: found.message,
        fix: rule.fix.trim().to_owned(),
        standards: rule.standards.to_vec(),
        object_line: source.line,
    }
}

/// Sorts the findings by file, object and line, and counts them.
fn finish(report: &mut Report) {
    report.findings.sort_by(|a, b| {
        (&a.file, a.object_line, &a.object, a.line, &a.code, &a.path).cmp(&(
            &b.file,
            b.object_line,
            &b.object,
            b.line,
            &b.code,
            &b.path,
        ))
    });
    let s = &mut report.summary;
    s.total = report.findings.len();
    for f in &report.findings {
        *match f.severity {
            Severity::Critical => &mut s.critical,
            Severity::High => &mut s.high,
            Severity::Medium => &mut s.medium,
            Severity::Low => &mut s.low,
            Severity::Info => &mut s.info,
        } += 1;
    }
    // Two documents of one identity in two files are two things to fix.
    s.objects_with_findings = report
        .findings
        .iter()
        .map(|f| (&f.object, &f.file, f.object_line))
        .collect::<HashSet<_>>()
        .len();
}

/// Every rule's raw findings, in rule order.
fn run_rules<'r>(
    cx: &Cx<'_>,
    rules: &[&'r Rule],
    values: &[Value],
    pods: &[Vec<crate::pod::PodSpecAt>],
    controlled: &[bool],
) -> Vec<(&'r Rule, RawFinding)> {
    let objects = cx.documents;
    let mut raw: Vec<(&'r Rule, RawFinding)> = Vec::new();
    for rule in rules {
        let mut emit = Emit::default();
        match rule.check {
            Check::Pod(check) => {
                for (index, object) in objects.iter().copied().enumerate() {
                    if controlled[index] {
                        continue;
                    }
                    for at in &pods[index] {
                        let Some(spec) = crate::pod::resolve(&values[index], &at.spec_path) else {
                            continue;
                        };
                        let pod = Pod {
                            cx,
                            index,
                            object,
                            spec,
                            meta: crate::pod::resolve(&values[index], &at.meta_path),
                            at,
                        };
                        check(&pod, &mut emit);
                    }
                }
            }
            Check::Object(check) => {
                for (index, object) in objects.iter().copied().enumerate() {
                    let target = Target {
                        cx,
                        index,
                        object,
                        value: &values[index],
                    };
                    check(&target, &mut emit);
                }
            }
            Check::Set(check) => check(cx, &mut emit),
        }
        raw.extend(emit.found.into_iter().map(|f| (*rule, f)));
    }
    raw
}

/// Tells what the pod specs' shapes say: kinds judged under the apiVersion that serves
/// them, and fields of the wrong type (malformed, each at its file and line).
fn shape_notes(
    set: &ObjectSet,
    options: &Options,
    objects: &[&korral_core::Object],
    shapes: &[crate::pod::Shape],
    report: &mut Report,
) {
    for (object, shape) in objects.iter().zip(shapes) {
        if let Some(namespace) = &options.namespace
            && object.namespace() != Some(namespace.as_str())
        {
            continue;
        }
        let kind = object.kind();
        let name = object.name();
        if let Some(api_version) = shape.misversioned {
            report.warnings.push(format!(
                "{}: {kind} `{name}` is written with `apiVersion: {}`, which does not serve {kind}s (the API server refuses it); it is judged as a {kind}. Set `apiVersion: {api_version}`",
                set.location(object),
                object.api_version(),
            ));
        }
        for (path, message) in &shape.malformed {
            let line = field_line(set, options, object, path);
            report.malformed.push(format!(
                "{}:{line}: {kind} `{name}`: {message}",
                set.file_name(object.source().file)
            ));
        }
    }
}

/// The line of one field of an object, for notes outside the findings.
fn field_line(set: &ObjectSet, options: &Options, object: &korral_core::Object, path: &str) -> u32 {
    let line = object.source().line;
    let name = set.file_name(object.source().file);
    let Some(text) = file_text(options, name) else {
        return line;
    };
    let text = text.as_ref();
    if starts_like_json(text.as_bytes()) {
        return locate::in_json_object(object.raw().as_str(), line, path);
    }
    Text::new(text.strip_prefix('\u{feff}').unwrap_or(text))
        .locate(line, path)
        .unwrap_or(line)
}

/// Moves each finding's line from its object to the offending field. An object read
/// from JSON is its own text, a slice of the file, so only YAML files are read again
/// (once each).
fn locate_fields(
    set: &ObjectSet,
    options: &Options,
    objects: &[&korral_core::Object],
    report: &mut Report,
    by_file: BTreeMap<u32, Vec<(usize, usize)>>,
) {
    for (file, pairs) in by_file {
        let name = set.file_name(korral_core::FileId(file));
        let given = options.texts.get(name).map(String::as_str);
        let json = match given {
            Some(text) => starts_like_json(text.as_bytes()),
            None => file_starts_like_json(name),
        };
        if json {
            for (index, object) in pairs {
                let finding = &mut report.findings[index];
                if !finding.path.is_empty() {
                    let raw = objects[object].raw().as_str();
                    finding.line = locate::in_json_object(raw, finding.object_line, &finding.path);
                }
            }
            continue;
        }
        let Some(text) = file_text(options, name) else {
            continue;
        };
        let text = text.as_ref();
        let text = Text::new(text.strip_prefix('\u{feff}').unwrap_or(text));
        for (index, _) in pairs {
            let finding = &mut report.findings[index];
            if finding.path.is_empty() {
                continue;
            }
            if let Some(line) = text.locate(finding.object_line, &finding.path) {
                finding.line = line;
            }
        }
    }
}

/// The text of a file the set was read from: as given (standard input), else read
/// again from disk; `None` when it cannot be read.
pub(crate) fn file_text<'a>(options: &'a Options, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    match options.texts.get(name) {
        Some(text) => Some(std::borrow::Cow::Borrowed(text.as_str())),
        None => std::fs::read_to_string(name)
            .ok()
            .map(std::borrow::Cow::Owned),
    }
}

/// Whether a text starts like JSON (korral's loader reads it as JSON then).
fn starts_like_json(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// Whether a file starts like JSON, from its first kilobytes.
fn file_starts_like_json(path: &str) -> bool {
    use std::io::Read as _;
    let mut head = [0u8; 4096];
    std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .is_ok_and(|n| starts_like_json(&head[..n]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_versions_parse_like_kubectl_prints_them() {
        assert_eq!(parse_kube_version("1.29").unwrap(), (1, 29));
        assert_eq!(parse_kube_version("v1.30.2").unwrap(), (1, 30));
        assert_eq!(parse_kube_version("v1.28.3-eks-1").unwrap(), (1, 28));
        assert_eq!(parse_kube_version("1.27+").unwrap(), (1, 27));
        assert!(parse_kube_version("latest").is_err());
    }

    #[test]
    fn rules_see_the_object_without_status_and_managed_fields() {
        let text = r#"{"apiVersion":"v1","kind":"Pod",
            "metadata":{"name":"p","namespace":"a","labels":{"app":"p"},
              "annotations":{"status":"kept"},
              "managedFields":[{"manager":"kubectl","operation":"Apply"}]},
            "spec":{"containers":[{"name":"c","image":"c:1","status":"kept"}]},
            "status":{"phase":"Running","containerStatuses":[{"name":"c"}]}}"#;
        let set = korral_core::Loader::load_str("pod.json", text).unwrap();
        let value = desired(&set.objects()[0]);
        let mut full: Value = serde_json::from_str(text).unwrap();
        let top = full.as_object_mut().unwrap();
        top.remove("status");
        top["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        assert_eq!(value, full);
    }
}
