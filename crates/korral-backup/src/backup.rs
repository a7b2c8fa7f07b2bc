//! Backing up: every object a [`Selection`] covers, listed page by page and written one
//! file per object (as the API returned it, in YAML) into a folder laid out as
//! [`object_path`] says, with a [`Summary`] at the top; then the folder becomes a korral
//! bundle. No more than one page of objects is held at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use korral_bundle::{CreateOptions, Format, Manifest, Progress, Recipients, Signer};
use korral_core::Object;
use korral_kube::{Client, ListOptions, Pager, Resource};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::layout::{RESOURCES, SUMMARY, object_path};

/// The summary's `apiVersion`.
pub const SUMMARY_API_VERSION: &str = "backup.korral.dev/v1";
/// The summary's `kind`.
pub const SUMMARY_KIND: &str = "Summary";
/// The name of every backup bundle (its version is the time it was made).
pub const BUNDLE_NAME: &str = "backup";
/// What an encrypted object's file name ends with, after `.yaml`.
pub const ENCRYPTED_SUFFIX: &str = ".asc";
/// How many left-out objects the summary names; the rest are only counted, so that a
/// hostile server cannot grow the summary without bound.
const MAX_LEFT_OUT: usize = 1000;

/// Whether a resource is never backed up: Events (core and `events.k8s.io`) are the old
/// cluster's history, and nothing restores them.
pub fn never_backed_up(resource: &Resource) -> bool {
    resource.plural == "events" && matches!(resource.group.as_str(), "" | "events.k8s.io")
}

/// Whether a `--include-kinds`/`--exclude-kinds` entry names `resource`: its kind or
/// plural (any case), alone or with its group after a dot (`Deployment`, `deployments`,
/// `Deployment.apps`, `deployments.apps`).
pub fn kind_matches(pattern: &str, resource: &Resource) -> bool {
    let pattern = pattern.trim();
    let named = |name: &str| {
        name.eq_ignore_ascii_case(&resource.kind) || name.eq_ignore_ascii_case(&resource.plural)
    };
    if named(pattern) {
        return true;
    }
    pattern
        .split_once('.')
        .is_some_and(|(name, group)| named(name) && group.eq_ignore_ascii_case(&resource.group))
}

/// A kind as the summary counts it: `Kind` for the core group, else `Kind.group`.
pub fn type_name(group: &str, kind: &str) -> String {
    if group.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}.{group}")
    }
}

/// What a backup covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// These namespaces (their namespaced objects, the Namespace objects and the CRDs
    /// of their custom resources); `None` is every namespace and every cluster-scoped
    /// resource.
    pub namespaces: Option<Vec<String>>,
    /// A label selector in kubectl's `-l` syntax, passed to the server.
    pub label_selector: Option<String>,
    /// Only these kinds (see [`kind_matches`]); empty is all.
    pub include_kinds: Vec<String>,
    /// Never these kinds.
    pub exclude_kinds: Vec<String>,
}

impl Selection {
    /// Whether the kind filters keep `resource`.
    pub fn wants(&self, resource: &Resource) -> bool {
        (self.include_kinds.is_empty()
            || self.include_kinds.iter().any(|k| kind_matches(k, resource)))
            && !self.excluded(resource)
    }

    /// Whether `--exclude-kinds` names `resource`.
    pub fn excluded(&self, resource: &Resource) -> bool {
        self.exclude_kinds.iter().any(|k| kind_matches(k, resource))
    }

    /// The resources to list, in the server's order: listable, not Events, kept by the
    /// kind filters; namespaced ones only when the backup is of namespaces.
    pub fn resources(&self, served: &[Resource]) -> Vec<Resource> {
        served
            .iter()
            .filter(|r| r.supports("list") && !never_backed_up(r))
            .filter(|r| self.namespaces.is_none() || r.namespaced)
            .filter(|r| self.wants(r))
            .cloned()
            .collect()
    }

    /// The `--include-kinds` and `--exclude-kinds` entries no served resource matches:
    /// typos, reported rather than making a backup that silently holds too much or
    /// nothing.
    pub fn unknown_kinds(&self, served: &[Resource]) -> Vec<String> {
        self.include_kinds
            .iter()
            .chain(&self.exclude_kinds)
            .filter(|k| !served.iter().any(|r| kind_matches(k, r)))
            .cloned()
            .collect()
    }
}

/// `summary.yaml`: what a backup holds and how it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// [`SUMMARY_API_VERSION`].
    pub api_version: String,
    /// [`SUMMARY_KIND`].
    pub kind: String,
    /// The kubeconfig context backed up.
    pub context: String,
    /// The API server's URL.
    pub server: String,
    /// The API server's version (`v1.31.2`).
    pub server_version: String,
    /// When the backup was made, RFC 3339 UTC.
    pub time: String,
    /// Whether every namespace (and the cluster-scoped resources) was backed up.
    pub all_namespaces: bool,
    /// The namespaces backed up (`-n`), or, with all namespaces, those that held
    /// objects.
    pub namespaces: Vec<String>,
    /// The label selector, if one narrowed the backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<String>,
    /// `--include-kinds`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_kinds: Vec<String>,
    /// `--exclude-kinds`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_kinds: Vec<String>,
    /// How many objects the backup holds.
    pub objects: u64,
    /// Objects per kind ([`type_name`]).
    pub counts: BTreeMap<String, u64>,
    /// How the Secrets are kept.
    pub secrets: SecretsSummary,
    /// Objects the server sent that were not written, and why (a name that could
    /// leave its folder).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<LeftOut>,
    /// How many more objects were left out than [`Summary::left_out`] names.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub left_out_more: u64,
    /// Resources that could not be listed (forbidden, an API that is down), each with
    /// the reason: their objects are not in the backup.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources_left_out: Vec<String>,
    /// Resources never backed up, whatever the selection: Events.
    pub resources_skipped: Vec<String>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How the Secrets in a backup are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretsSummary {
    /// How many Secrets the backup holds.
    pub count: u64,
    /// Whether each is an OpenPGP message (`<name>.yaml.asc`) rather than YAML in
    /// clear.
    pub encrypted: bool,
    /// The fingerprints of the keys they are encrypted to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
}

/// An object the server sent that is not in the backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftOut {
    /// [`type_name`].
    pub kind: String,
    /// Its namespace, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Its name as the server sent it.
    pub name: String,
    /// Why it was left out.
    pub reason: String,
}

/// The cluster a backup was made of, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    pub context: String,
    pub server: String,
    pub server_version: String,
}

/// Writes objects into a backup folder, one file per object, and counts them.
#[derive(Debug)]
pub struct Writer {
    root: PathBuf,
    recipients: Option<Recipients>,
    counts: BTreeMap<String, u64>,
    objects: u64,
    secrets: u64,
    left_out: Vec<LeftOut>,
    left_out_more: u64,
    /// `(group, kind)` of the objects written outside the core group: the CRDs a
    /// backup of namespaces adds are those that serve one of them.
    custom_kinds: BTreeSet<(String, String)>,
    /// The namespaces that held objects.
    namespaces: BTreeSet<String>,
}

impl Writer {
    /// A writer into `root` (an empty folder); Secrets are encrypted to `recipients`
    /// when given.
    pub fn new(root: impl Into<PathBuf>, recipients: Option<Recipients>) -> Self {
        Self {
            root: root.into(),
            recipients,
            counts: BTreeMap::new(),
            objects: 0,
            secrets: 0,
            left_out: Vec::new(),
            left_out_more: 0,
            custom_kinds: BTreeSet::new(),
            namespaces: BTreeSet::new(),
        }
    }

    /// The folder written into.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How many objects were written.
    pub fn objects(&self) -> u64 {
        self.objects
    }

    /// Writes `object`, listed from `resource`, to its file. Returns whether it is new
    /// in the backup (`false`: left out, or the same object again, as after a list
    /// started over).
    pub fn write(&mut self, resource: &Resource, object: &Object) -> Result<bool> {
        let kind = type_name(&resource.group, &resource.kind);
        let namespace = object.namespace().filter(|n| !n.is_empty());
        if resource.namespaced && namespace.is_none() {
            self.leave_out(
                kind,
                None,
                object.name(),
                "a namespaced object without a namespace",
            );
            return Ok(false);
        }
        let namespace = namespace.filter(|_| resource.namespaced);
        let Some(relative) = object_path(&resource.group, &resource.kind, namespace, object.name())
        else {
            self.leave_out(
                kind,
                namespace,
                object.name(),
                "its name or namespace could leave the backup's folder (empty, `.`, `..`, `/`, or a character Kubernetes does not allow)",
            );
            return Ok(false);
        };
        let value: serde_json::Value =
            serde_json::from_str(object.raw().as_str()).map_err(|err| Error::Yaml {
                path: relative.clone(),
                message: err.to_string(),
            })?;
        let yaml = serde_saphyr::to_string(&value).map_err(|err| Error::Yaml {
            path: relative.clone(),
            message: err.to_string(),
        })?;
        let secret = resource.group.is_empty() && resource.kind == "Secret";
        let (relative, content) = match (&self.recipients, secret) {
            (Some(recipients), true) => {
                let mut path = relative.into_os_string();
                path.push(ENCRYPTED_SUFFIX);
                (PathBuf::from(path), recipients.encrypt(yaml.as_bytes())?)
            }
            _ => (relative, yaml),
        };
        let path = self.root.join(&relative);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|err| Error::io(dir, err))?;
        }
        let new = !path.exists();
        fs::write(&path, content).map_err(|err| Error::io(&path, err))?;
        if new {
            self.objects += 1;
            *self.counts.entry(kind).or_default() += 1;
            self.secrets += u64::from(secret);
            if let Some(namespace) = namespace
                && !self.namespaces.contains(namespace)
            {
                self.namespaces.insert(namespace.to_owned());
            }
            // Built-in groups too: a CRD of that group and kind is matched later, and
            // there is none for a built-in kind.
            if !resource.group.is_empty() {
                self.custom_kinds
                    .insert((resource.group.clone(), resource.kind.clone()));
            }
        }
        Ok(new)
    }

    fn leave_out(&mut self, kind: String, namespace: Option<&str>, name: &str, reason: &str) {
        if self.left_out.len() < MAX_LEFT_OUT {
            self.left_out.push(LeftOut {
                kind,
                namespace: namespace.map(str::to_owned),
                name: name.to_owned(),
                reason: reason.to_owned(),
            });
        } else {
            self.left_out_more += 1;
        }
    }

    /// The summary of what was written.
    pub fn summary(
        &self,
        cluster: &ClusterInfo,
        selection: &Selection,
        time: &str,
        resources_left_out: Vec<String>,
    ) -> Summary {
        Summary {
            api_version: SUMMARY_API_VERSION.to_owned(),
            kind: SUMMARY_KIND.to_owned(),
            context: cluster.context.clone(),
            server: cluster.server.clone(),
            server_version: cluster.server_version.clone(),
            time: time.to_owned(),
            all_namespaces: selection.namespaces.is_none(),
            namespaces: selection
                .namespaces
                .clone()
                .unwrap_or_else(|| self.namespaces.iter().cloned().collect()),
            label_selector: selection.label_selector.clone(),
            include_kinds: selection.include_kinds.clone(),
            exclude_kinds: selection.exclude_kinds.clone(),
            objects: self.objects,
            counts: self.counts.clone(),
            secrets: SecretsSummary {
                count: self.secrets,
                encrypted: self.recipients.is_some(),
                recipients: self
                    .recipients
                    .as_ref()
                    .map(Recipients::fingerprints)
                    .unwrap_or_default(),
            },
            left_out: self.left_out.clone(),
            left_out_more: self.left_out_more,
            resources_left_out,
            resources_skipped: vec!["events".to_owned(), "events.events.k8s.io".to_owned()],
        }
    }
}

/// What listing reports as it goes: the CLI draws it.
pub trait ListProgress: Sync {
    /// `resource` (`deployments.apps`) is being listed.
    fn resource(&self, resource: &str);
    /// `count` more objects were written.
    fn objects(&self, count: u64);
    /// `resource` is done, with `count` objects.
    fn resource_done(&self, resource: &str, count: u64);
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoListProgress;

impl ListProgress for NoListProgress {
    fn resource(&self, _: &str) {}
    fn objects(&self, _: u64) {}
    fn resource_done(&self, _: &str, _: u64) {}
}

/// Lists every resource `selection` covers out of `served` (discovery's resources) and
/// writes each page's objects before asking for the next; then the Namespace objects
/// and CRDs the objects need. A resource that cannot be listed (forbidden, an API that
/// is down) is left out; the returned lines say which and why. Any other error (the
/// server unreachable, a file that cannot be written) fails the backup.
pub async fn collect(
    client: &Client,
    served: &[Resource],
    selection: &Selection,
    writer: &mut Writer,
    progress: &dyn ListProgress,
) -> Result<Vec<String>> {
    let resources = selection.resources(served);
    let scopes: Vec<Option<String>> = match &selection.namespaces {
        Some(namespaces) => namespaces.iter().cloned().map(Some).collect(),
        None => vec![None],
    };
    let mut warnings = Vec::new();
    for resource in &resources {
        let name = resource.qualified_name();
        progress.resource(&name);
        let mut count = 0;
        for scope in &scopes {
            let options = ListOptions {
                namespace: scope.clone(),
                label_selector: selection.label_selector.clone(),
                ..ListOptions::default()
            };
            match list_into(client, resource, &options, writer, progress, |_| true).await {
                Ok(n) => count += n,
                Err(Error::Kube(err)) if err.leaves_resource_out() => {
                    warnings.push(format!("{err}; `{name}` is left out"));
                }
                Err(err) => return Err(err),
            }
        }
        progress.resource_done(&name, count);
    }
    needed(
        client,
        served,
        &resources,
        selection,
        writer,
        progress,
        &mut warnings,
    )
    .await?;
    Ok(warnings)
}

/// The Namespace objects of the namespaces backed up and the CRDs of the custom
/// resources written, when the selection did not list them already (a backup of
/// namespaces): without them the backup would not restore into an empty cluster.
/// `--exclude-kinds` still leaves them out.
async fn needed(
    client: &Client,
    served: &[Resource],
    listed: &[Resource],
    selection: &Selection,
    writer: &mut Writer,
    progress: &dyn ListProgress,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let find = |group: &str, plural: &str| {
        served
            .iter()
            .find(|r| r.group == group && r.plural == plural)
            .filter(|r| !listed.contains(r) && !selection.excluded(r))
    };
    let mut wanted_namespaces: BTreeSet<String> = writer.namespaces.clone();
    wanted_namespaces.extend(selection.namespaces.iter().flatten().cloned());
    if let Some(resource) = find("", "namespaces")
        && !wanted_namespaces.is_empty()
    {
        let keep = |object: &Object| wanted_namespaces.contains(object.name());
        needed_of(client, resource, writer, progress, warnings, keep).await?;
    }
    let custom = writer.custom_kinds.clone();
    if let Some(resource) = find("apiextensions.k8s.io", "customresourcedefinitions")
        && !custom.is_empty()
    {
        let keep = |object: &Object| {
            object
                .raw()
                .parse::<CrdProbe>()
                .is_ok_and(|crd| custom.contains(&(crd.spec.group, crd.spec.names.kind)))
        };
        needed_of(client, resource, writer, progress, warnings, keep).await?;
    }
    Ok(())
}

async fn needed_of(
    client: &Client,
    resource: &Resource,
    writer: &mut Writer,
    progress: &dyn ListProgress,
    warnings: &mut Vec<String>,
    keep: impl Fn(&Object) -> bool,
) -> Result<()> {
    let name = resource.qualified_name();
    progress.resource(&name);
    match list_into(
        client,
        resource,
        &ListOptions::default(),
        writer,
        progress,
        keep,
    )
    .await
    {
        Ok(count) => progress.resource_done(&name, count),
        Err(Error::Kube(err)) if err.leaves_resource_out() => {
            warnings.push(format!("{err}; `{name}` is left out"));
        }
        Err(err) => return Err(err),
    }
    Ok(())
}

/// The fields of a CRD that name the kind it serves.
#[derive(Deserialize)]
struct CrdProbe {
    spec: CrdSpec,
}

#[derive(Deserialize)]
struct CrdSpec {
    group: String,
    names: CrdNames,
}

#[derive(Deserialize)]
struct CrdNames {
    kind: String,
}

/// Lists `resource` page by page, writing the objects `keep` keeps; returns how many
/// were new.
async fn list_into(
    client: &Client,
    resource: &Resource,
    options: &ListOptions,
    writer: &mut Writer,
    progress: &dyn ListProgress,
    keep: impl Fn(&Object) -> bool,
) -> Result<u64> {
    let mut pager = Pager::new(client, resource, options);
    let mut count = 0;
    while let Some(page) = pager.next_page().await? {
        let mut new = 0;
        for object in page.objects.iter().filter(|o| keep(o)) {
            new += u64::from(writer.write(resource, object)?);
        }
        count += new;
        progress.objects(new);
    }
    Ok(count)
}

/// Where and how to write the bundle.
pub struct BundleOptions<'a> {
    /// The file to write (atomically: a temporary file beside it, renamed into place).
    pub output: PathBuf,
    /// The bundle's version: the backup's time (`20261206T161500Z`).
    pub version: String,
    /// Who made it.
    pub creator: String,
    /// The key that signs the manifest.
    pub signer: Option<&'a Signer<'a>>,
}

/// Writes `summary` at the top of the writer's folder and packs the folder into a
/// tar.zst bundle named [`BUNDLE_NAME`]. Returns the bundle's manifest.
pub fn write_bundle(
    writer: &Writer,
    summary: &Summary,
    options: &BundleOptions<'_>,
    progress: &dyn Progress,
) -> Result<Manifest> {
    let root = writer.root();
    let summary_path = root.join(SUMMARY);
    let yaml = serde_saphyr::to_string(summary).map_err(|err| Error::Yaml {
        path: summary_path.clone(),
        message: err.to_string(),
    })?;
    fs::write(&summary_path, yaml).map_err(|err| Error::io(&summary_path, err))?;
    let resources = root.join(RESOURCES);
    fs::create_dir_all(&resources).map_err(|err| Error::io(&resources, err))?;
    let create = CreateOptions {
        name: BUNDLE_NAME.to_owned(),
        version: options.version.clone(),
        paths: vec![summary_path, resources],
        output: options.output.clone(),
        format: Format::TarZst,
        hashes: Vec::new(),
        creator: options.creator.clone(),
    };
    Ok(korral_bundle::create(&create, options.signer, progress)?)
}

/// The time as a backup's version and file names carry it: `20261206T161500Z`.
pub fn version_of(time: jiff::Timestamp) -> String {
    time.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// The time as the summary carries it: RFC 3339, UTC, whole seconds.
pub fn rfc3339(time: jiff::Timestamp) -> String {
    time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A context name as a file name carries it: characters other than letters, digits,
/// `.`, `_` and `-` become `-`.
pub fn file_safe(context: &str) -> String {
    let safe: String = context
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    if safe.is_empty() {
        "cluster".to_owned()
    } else {
        safe.to_owned()
    }
}

/// A scheduled backup's file name: `backup-<context>-<version>.tar.zst`.
pub fn file_name(context: &str, version: &str) -> String {
    format!(
        "{BUNDLE_NAME}-{}-{version}.{}",
        file_safe(context),
        Format::TarZst.extension()
    )
}

/// The version in a file name [`file_name`] made for `context`, or `None` when korral
/// did not name the file so.
fn version_in<'a>(name: &'a str, context: &str) -> Option<&'a str> {
    let prefix = format!("{BUNDLE_NAME}-{}-", file_safe(context));
    let suffix = format!(".{}", Format::TarZst.extension());
    let version = name.strip_prefix(&prefix)?.strip_suffix(&suffix)?;
    let bytes = version.as_bytes();
    let shaped = bytes.len() == 16
        && bytes[8] == b'T'
        && bytes[15] == b'Z'
        && bytes[..8]
            .iter()
            .chain(&bytes[9..15])
            .all(u8::is_ascii_digit);
    shaped.then_some(version)
}

/// Deletes the oldest of `context`'s backups in `dir` beyond the newest `keep`. Only
/// files named as [`file_name`] names them are counted or deleted; anything else in
/// the folder is left alone. Returns the files deleted.
pub fn prune(dir: &Path, context: &str, keep: usize) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).map_err(|err| Error::io(dir, err))?;
    let mut backups = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| Error::io(dir, err))?;
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        let name = entry.file_name();
        if let (true, Some(name)) = (is_file, name.to_str())
            && let Some(version) = version_in(name, context)
        {
            backups.push((version.to_owned(), entry.path()));
        }
    }
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    let mut deleted = Vec::with_capacity(excess);
    for (_, path) in backups.into_iter().take(excess) {
        fs::remove_file(&path).map_err(|err| Error::io(&path, err))?;
        deleted.push(path);
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests;
