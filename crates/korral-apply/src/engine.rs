//! Deploy, rollback, undeploy: the engine's verbs.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use korral_kube::Resource;
use korral_status::ReadyOptions;
use serde::Serialize;
use serde_json::Value;

use crate::api::{Applied, Cluster};
use crate::applyset::{PART_OF_LABEL, parent_name, set_id, valid_set_name};
use crate::error::{Error, Rejection, Result};
use crate::manifest::{Manifest, ObjectId};
use crate::order::{Wave, delete_order, plan};
use crate::progress::{Event, Progress};
use crate::revision::{
    Revision, RevisionStatus, digest, from_secret, manifests_of, restamp, revision_name, to_secret,
};
use crate::set::{history, members, members_of, parent_lists, trim, write_parent};
use crate::validate::{api_message, dry_run, is_conflict, missing_namespaces, prepare};
use crate::wait::{Failure, Member, WaitOptions, wait_ready};

/// How many applies run at once.
pub(crate) const CONCURRENCY: usize = 8;
/// The parent's annotation naming a deploy in progress (cleared when it ends).
pub(crate) const OPERATION_ANNOTATION: &str = "deploy.korral.dev/operation";

/// How to deploy.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// The set's name (`korral deploy NAME`).
    pub name: String,
    /// The set's namespace: where its records live, and where members that name no
    /// namespace go.
    pub namespace: String,
    /// Delete members of the set that are no longer in the manifests.
    pub prune: bool,
    /// Let a prune (or undeploy) delete CustomResourceDefinitions, and with them every
    /// custom resource of their kinds; off by default.
    pub prune_crds: bool,
    /// Wait until the last wave is ready (earlier waves are always waited for).
    pub wait: bool,
    /// How long the whole deploy may wait (default 5 minutes).
    pub timeout: Duration,
    /// How long a failure must last before it fails the deploy (default 10 s).
    pub failure_grace: Duration,
    /// On failure, deploy the last good revision again.
    pub rollback_on_failure: bool,
    /// Validate with the server and say what would change; change nothing.
    pub dry_run: bool,
    /// Take over fields other field managers own.
    pub force_conflicts: bool,
    /// How many revisions to keep (default 10).
    pub keep: usize,
    /// How often to look while waiting (default 1 s).
    pub poll: Duration,
    /// What readiness waits for beyond the defaults.
    pub ready: ReadyOptions,
    /// What the revision records it as (`deploy`; rollbacks say `rollback to N`).
    pub description: String,
}

impl DeployOptions {
    /// Defaults for the set `name` in `namespace`.
    pub fn new(name: impl Into<String>, namespace: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            namespace: namespace.into(),
            prune: false,
            prune_crds: false,
            wait: true,
            timeout: Duration::from_secs(300),
            failure_grace: Duration::from_secs(10),
            rollback_on_failure: false,
            dry_run: false,
            force_conflicts: false,
            keep: 10,
            poll: Duration::from_secs(1),
            ready: ReadyOptions::default(),
            description: "deploy".to_owned(),
        }
    }
}

/// How a deploy, rollback or undeploy ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeployResult {
    /// Everything applied (and ready, when waited for).
    Deployed,
    /// Something failed; see the failures.
    Failed,
    /// Nothing was changed: a dry run.
    DryRun,
    /// The set and its members are gone.
    Undeployed,
}

/// What a deploy did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The set.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// How it ended.
    pub result: DeployResult,
    /// The revision recorded (none for a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// Each object applied, in order, and what the apply did.
    pub applied: Vec<AppliedObject>,
    /// Objects deleted (pruned, or undeployed); for a dry run, those a prune would delete.
    pub deleted: Vec<ObjectId>,
    /// Why it failed.
    pub failures: Vec<Failure>,
    /// The revision put back after the failure (`--rollback-on-failure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolled_back_to: Option<u32>,
    /// The newest revision deployed well before this one: what `korral rollback` would
    /// put back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_good: Option<u32>,
    /// The revision of a deploy that was interrupted, which this one took over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub took_over: Option<u32>,
    /// Requests sent to the API server.
    pub requests: u64,
}

/// One applied object.
#[derive(Debug, Clone, Serialize)]
pub struct AppliedObject {
    /// The object.
    pub id: ObjectId,
    /// `created` or `configured`.
    #[serde(serialize_with = "applied_word")]
    pub applied: Applied,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` passes a reference
fn applied_word<S: serde::Serializer>(
    applied: &Applied,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(match applied {
        Applied::Created => "created",
        Applied::Configured => "configured",
    })
}

/// A manifest ready to apply: its resource (`None` while its CRD is still to be
/// established) and its id.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub manifest: Manifest,
    pub resource: Option<Resource>,
    pub id: ObjectId,
}

/// Deploys `manifests` as the set `options.name`: validates all of them with a server
/// dry run (one bad object changes nothing), records a revision, applies them wave by
/// wave in order, waits until they are ready, prunes what the set no longer holds
/// (`prune`), and on failure puts the last good revision back (`rollback_on_failure`).
#[allow(clippy::too_many_lines)] // one sequence of steps, each a call or a short block
pub async fn deploy(
    cluster: &mut Cluster,
    manifests: Vec<Manifest>,
    options: &DeployOptions,
    progress: &mut dyn Progress,
) -> Result<Outcome> {
    if !valid_set_name(&options.name) {
        return Err(Error::BadName(options.name.clone()));
    }
    let start = Instant::now();
    let requests_before = cluster.requests();
    let id = set_id(&options.name, &options.namespace);
    let mut items = prepare(cluster, manifests, options, &id)?;
    // The order, once; a bad wave annotation is bad input, found before anything changes.
    let waves = plan(&items.iter().map(|i| i.manifest.clone()).collect::<Vec<_>>())?;
    let history = history(cluster, &options.name, &options.namespace).await?;
    let namespaces_to_create = missing_namespaces(cluster, &items, options).await?;

    // Validate everything first: a set with one bad object changes nothing.
    let dry = dry_run(
        cluster,
        &items,
        &namespaces_to_create,
        options.force_conflicts,
    )
    .await?;
    let parent = cluster
        .get(
            &secret(),
            Some(&options.namespace),
            &parent_name(&options.name),
        )
        .await?;
    let mut outcome = Outcome::new(options, DeployResult::DryRun);
    if options.dry_run {
        outcome.applied = dry;
        if options.prune
            && let Some(parent) = &parent
        {
            let keep: BTreeSet<ObjectId> = items.iter().map(|i| i.id.clone()).collect();
            outcome.deleted = members(cluster, parent, &id)
                .await?
                .iter()
                .map(ObjectId::of)
                .filter(|m| !keep.contains(m))
                .collect();
        }
        outcome.requests = cluster.requests() - requests_before;
        return Ok(outcome);
    }

    outcome.took_over = take_over(cluster, &history, &items, progress).await?;
    outcome.last_good = history
        .iter()
        .rev()
        .find(|(r, _)| r.status == RevisionStatus::Deployed)
        .map(|(r, _)| r.number);
    let number = history.last().map_or(1, |(r, _)| r.number + 1);
    outcome.revision = Some(number);
    // The set's own namespace must exist before its records.
    for item in items
        .iter()
        .filter(|i| is_namespace(&i.id) && namespaces_to_create.contains(&i.id.name))
    {
        if let Some(resource) = &item.resource {
            let (_, applied) = cluster
                .apply(
                    resource,
                    &item.manifest.object,
                    false,
                    options.force_conflicts,
                )
                .await?;
            progress.event(Event::Applied {
                id: item.id.clone(),
                applied,
            });
            outcome.applied.push(AppliedObject {
                id: item.id.clone(),
                applied,
            });
        }
    }
    let (old_kinds, old_namespaces) = parent.as_ref().map(parent_lists).unwrap_or_default();
    let mut record = Record {
        id,
        group_kinds: items.iter().map(|i| i.id.group_kind()).collect(),
        namespaces: items
            .iter()
            .map(|i| i.id.namespace.clone())
            .filter(|ns| !ns.is_empty())
            .collect(),
        old_kinds,
        old_namespaces,
        manifests: items.iter().map(|i| i.manifest.clone()).collect(),
        revision: Revision {
            set: options.name.clone(),
            namespace: options.namespace.clone(),
            number,
            time: now(),
            status: RevisionStatus::Deploying,
            digest: String::new(),
            objects: items.len(),
            description: options.description.clone(),
            message: String::new(),
        },
    };
    record.revision.digest = digest(&record.manifests);
    // KEP-3659: the parent lists a superset of the members' kinds before they are applied.
    let operation = format!(
        "revision {number} ({}) started {}",
        options.description,
        now()
    );
    write_parent(
        cluster,
        options,
        &record.id,
        &record
            .group_kinds
            .union(&record.old_kinds)
            .cloned()
            .collect(),
        &record
            .namespaces
            .union(&record.old_namespaces)
            .cloned()
            .collect(),
        &operation,
    )
    .await?;
    cluster
        .apply(
            &secret(),
            &to_secret(&record.revision, &record.manifests),
            false,
            true,
        )
        .await?;

    let deadline = start + options.timeout;
    let failures = match run_waves(
        cluster,
        &mut items,
        &waves,
        options,
        deadline,
        &mut outcome,
        progress,
    )
    .await
    {
        Ok(failures) => failures,
        Err(err) => vec![Failure {
            id: ObjectId::default(),
            message: err.to_string(),
            pod: None,
            reason: match err {
                Error::Conflict { .. } => "Conflict".to_owned(),
                _ => "ApplyFailed".to_owned(),
            },
            logs: Vec::new(),
        }],
    };
    // A deploy that started while this one ran took the set over: what it records stands.
    let now_recorded = cluster
        .get(
            &secret(),
            Some(&options.namespace),
            &revision_name(&options.name, number),
        )
        .await?
        .and_then(|s| from_secret(&s));
    if let Some(now) = now_recorded
        && now.status != RevisionStatus::Deploying
    {
        return Err(Error::TakenOver {
            name: options.name.clone(),
            namespace: options.namespace.clone(),
            revision: number,
            status: now.status.to_string(),
        });
    }
    if failures.is_empty() {
        succeed(
            cluster,
            options,
            &items,
            &mut record,
            &history,
            &mut outcome,
            progress,
        )
        .await?;
    } else {
        outcome.failures = failures;
        fail(
            cluster,
            options,
            &mut record,
            &history,
            start,
            &mut outcome,
            progress,
        )
        .await?;
    }
    outcome.requests = cluster.requests() - requests_before;
    Ok(outcome)
}

/// What a deploy records about its set: the applyset's id and lists, before and after,
/// and the revision with its manifests.
struct Record {
    id: String,
    group_kinds: BTreeSet<String>,
    namespaces: BTreeSet<String>,
    old_kinds: BTreeSet<String>,
    old_namespaces: BTreeSet<String>,
    manifests: Vec<Manifest>,
    revision: Revision,
}

impl Outcome {
    fn new(options: &DeployOptions, result: DeployResult) -> Self {
        Self {
            name: options.name.clone(),
            namespace: options.namespace.clone(),
            result,
            revision: None,
            applied: Vec::new(),
            deleted: Vec::new(),
            failures: Vec::new(),
            rolled_back_to: None,
            last_good: None,
            took_over: None,
            requests: 0,
        }
    }
}

/// Marks a deploy that stopped half-way (its revision still `deploying`) as interrupted
/// and says what it left: the deploy applies every object again, and names the objects
/// the interrupted revision may have created that this one does not hold (`--prune`
/// deletes them). Returns the interrupted revision's number.
async fn take_over(
    cluster: &Cluster,
    history: &[(Revision, Value)],
    items: &[Item],
    progress: &mut dyn Progress,
) -> Result<Option<u32>> {
    let Some((last, record)) = history.last() else {
        return Ok(None);
    };
    if last.status != RevisionStatus::Deploying {
        return Ok(None);
    }
    let mut message = format!(
        "revision {} ({}, started {}) was interrupted before it finished; this deploy takes over and applies every object again",
        last.number, last.description, last.time
    );
    let here: BTreeSet<&ObjectId> = items.iter().map(|i| &i.id).collect();
    let mut left = Vec::new();
    for manifest in manifests_of(record).unwrap_or_default() {
        let id = manifest.id();
        if here.contains(&id) {
            continue;
        }
        if let Some(resource) = cluster.resource(manifest.api_version(), manifest.kind())
            && cluster
                .get(&resource, manifest.namespace(), manifest.name())
                .await?
                .is_some()
        {
            left.push(id.to_string());
        }
    }
    if !left.is_empty() {
        let _ = write!(
            message,
            "; it left {} that this deploy does not hold ({}): --prune deletes them",
            left.len(),
            left.join(", ")
        );
    }
    progress.event(Event::Note(message.clone()));
    if let Some(stamped) = restamp(record, RevisionStatus::Interrupted, &message) {
        cluster.apply(&secret(), &stamped, false, true).await?;
    }
    Ok(Some(last.number))
}

/// Marks the set's revision in progress as interrupted (Ctrl-C): what a face calls when
/// it stops a deploy, so the record says so at once. The next deploy would take over
/// anyway; this only makes the record exact. Returns the revision, if one was in
/// progress.
pub async fn interrupted(
    cluster: &Cluster,
    name: &str,
    namespace: &str,
    why: &str,
) -> Result<Option<u32>> {
    let history = history(cluster, name, namespace).await?;
    let Some((last, record)) = history.last() else {
        return Ok(None);
    };
    if last.status != RevisionStatus::Deploying {
        return Ok(None);
    }
    let message = format!("interrupted at {}: {why}", now());
    if let Some(stamped) = restamp(record, RevisionStatus::Interrupted, &message) {
        cluster.apply(&secret(), &stamped, false, true).await?;
    }
    Ok(Some(last.number))
}

/// After every object is applied and ready: prune, settle the parent's lists, record
/// the revision as deployed and the one before as superseded, and trim the history.
async fn succeed(
    cluster: &Cluster,
    options: &DeployOptions,
    items: &[Item],
    record: &mut Record,
    history: &[(Revision, Value)],
    outcome: &mut Outcome,
    progress: &mut dyn Progress,
) -> Result<()> {
    let mut final_kinds = record.group_kinds.clone();
    let mut final_namespaces = record.namespaces.clone();
    if options.prune {
        let kept = prune(cluster, items, record, options, outcome, progress).await?;
        final_kinds.extend(kept.iter().map(ObjectId::group_kind));
        final_namespaces.extend(
            kept.iter()
                .map(|k| k.namespace.clone())
                .filter(|n| !n.is_empty()),
        );
    } else {
        final_kinds.extend(record.old_kinds.iter().cloned());
        final_namespaces.extend(record.old_namespaces.iter().cloned());
    }
    write_parent(
        cluster,
        options,
        &record.id,
        &final_kinds,
        &final_namespaces,
        "",
    )
    .await?;
    record.revision.status = RevisionStatus::Deployed;
    cluster
        .apply(
            &secret(),
            &to_secret(&record.revision, &record.manifests),
            false,
            true,
        )
        .await?;
    for (old, secret_value) in history {
        if old.status == RevisionStatus::Deployed
            && let Some(stamped) = restamp(secret_value, RevisionStatus::Superseded, &old.message)
        {
            cluster.apply(&secret(), &stamped, false, true).await?;
        }
    }
    trim(cluster, options, record.revision.number).await?;
    outcome.result = DeployResult::Deployed;
    Ok(())
}

/// After a failure: record why, and put the last good revision back when asked.
async fn fail(
    cluster: &mut Cluster,
    options: &DeployOptions,
    record: &mut Record,
    history: &[(Revision, Value)],
    start: Instant,
    outcome: &mut Outcome,
    progress: &mut dyn Progress,
) -> Result<()> {
    let number = record.revision.number;
    record.revision.status = RevisionStatus::Failed;
    record.revision.message = outcome
        .failures
        .iter()
        .map(|f| format!("{}: {}", f.id, f.message))
        .collect::<Vec<_>>()
        .join("; ");
    cluster
        .apply(
            &secret(),
            &to_secret(&record.revision, &record.manifests),
            false,
            true,
        )
        .await?;
    let all_kinds: BTreeSet<String> = record
        .group_kinds
        .union(&record.old_kinds)
        .cloned()
        .collect();
    let all_namespaces: BTreeSet<String> = record
        .namespaces
        .union(&record.old_namespaces)
        .cloned()
        .collect();
    write_parent(
        cluster,
        options,
        &record.id,
        &all_kinds,
        &all_namespaces,
        "",
    )
    .await?;
    trim(cluster, options, number).await?;
    outcome.result = DeployResult::Failed;
    let good = history
        .iter()
        .rev()
        .find(|(r, _)| r.status == RevisionStatus::Deployed);
    let (true, Some((good, secret_value))) = (options.rollback_on_failure, good) else {
        return Ok(());
    };
    progress.event(Event::Note(format!(
        "revision {number} failed; rolling back to revision {}",
        good.number
    )));
    let manifests = manifests_of(secret_value).map_err(|message| Error::BadRevision {
        name: options.name.clone(),
        revision: good.number,
        message,
    })?;
    let mut back = options.clone();
    back.rollback_on_failure = false;
    back.prune = true;
    back.description = format!("rollback to {} after revision {number} failed", good.number);
    // The rollback gets what is left of the time, and at least 30 s.
    back.timeout = options
        .timeout
        .saturating_sub(start.elapsed())
        .max(Duration::from_secs(30));
    let rolled = Box::pin(deploy(cluster, manifests, &back, progress)).await?;
    if rolled.result == DeployResult::Deployed {
        outcome.rolled_back_to = Some(good.number);
    } else {
        outcome.failures.extend(rolled.failures);
    }
    Ok(())
}

pub(crate) fn is_namespace(id: &ObjectId) -> bool {
    id.group.is_empty() && id.kind == "Namespace"
}

pub(crate) fn secret() -> Resource {
    Resource::new("v1", "Secret", "secrets", true)
}

fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_string()
}

/// Applies every wave, phase by phase, and waits as the waves and `options.wait` say.
#[allow(clippy::too_many_lines)] // waves, phases, applies and waits read best in one place
async fn run_waves(
    cluster: &mut Cluster,
    items: &mut [Item],
    waves: &[Wave],
    options: &DeployOptions,
    deadline: Instant,
    outcome: &mut Outcome,
    progress: &mut dyn Progress,
) -> Result<Vec<Failure>> {
    let several = waves.len() > 1;
    let selector = format!(
        "{PART_OF_LABEL}={}",
        set_id(&options.name, &options.namespace)
    );
    let wait = WaitOptions {
        deadline,
        failure_grace: options.failure_grace,
        poll: options.poll,
        ready: options.ready,
    };
    let last_wave = waves.len().saturating_sub(1);
    for (w, wave) in waves.iter().enumerate() {
        if several {
            progress.event(Event::Wave(wave.number));
        }
        let mut wave_members = Vec::new();
        for phase in &wave.phases {
            // Kinds defined by CRDs applied just before are served now.
            if phase.iter().any(|&i| items[i].resource.is_none()) {
                cluster.rediscover().await?;
                for &i in phase {
                    if items[i].resource.is_none() {
                        items[i].resource = Some(cluster.resource_of(&items[i].manifest)?);
                    }
                }
            }
            let results: Vec<(usize, Result<(Value, Applied)>)> = {
                let cluster = &*cluster;
                let items = &*items;
                futures::stream::iter(phase.iter().copied())
                    .map(|i| async move {
                        let item = &items[i];
                        let resource = item.resource.as_ref().expect("resolved above");
                        (
                            i,
                            cluster
                                .apply(
                                    resource,
                                    &item.manifest.object,
                                    false,
                                    options.force_conflicts,
                                )
                                .await,
                        )
                    })
                    .buffer_unordered(CONCURRENCY)
                    .collect()
                    .await
            };
            let mut results = results;
            results.sort_by_key(|(i, _)| *i);
            for (i, result) in results {
                let item = &items[i];
                match result {
                    Ok((_, applied)) => {
                        if !outcome.applied.iter().any(|a| a.id == item.id) {
                            progress.event(Event::Applied {
                                id: item.id.clone(),
                                applied,
                            });
                            outcome.applied.push(AppliedObject {
                                id: item.id.clone(),
                                applied,
                            });
                        }
                    }
                    Err(Error::Kube(err)) if is_conflict(&err) => {
                        return Err(Error::Conflict {
                            conflicts: vec![Rejection {
                                file: item.manifest.source.clone(),
                                object: item.id.to_string(),
                                message: api_message(&err),
                            }],
                        });
                    }
                    Err(Error::Kube(err)) => {
                        return Ok(vec![Failure {
                            id: item.id.clone(),
                            message: format!("{}: {}", item.manifest.source, api_message(&err)),
                            pod: None,
                            reason: "Rejected".to_owned(),
                            logs: Vec::new(),
                        }]);
                    }
                    Err(err) => return Err(err),
                }
            }
            let members: Vec<Member> = phase
                .iter()
                .map(|&i| Member {
                    id: items[i].id.clone(),
                    resource: items[i].resource.clone().expect("resolved above"),
                })
                .collect();
            // Custom resources need their definitions established.
            let crds: Vec<Member> = members
                .iter()
                .filter(|m| m.id.kind == "CustomResourceDefinition")
                .cloned()
                .collect();
            if !crds.is_empty() {
                let failures = wait_ready(cluster, &crds, &selector, &wait, progress).await?;
                if !failures.is_empty() {
                    return Ok(failures);
                }
            }
            // CRDs were waited for above.
            wave_members.extend(
                members
                    .into_iter()
                    .filter(|m| m.id.kind != "CustomResourceDefinition"),
            );
        }
        if w < last_wave || options.wait {
            let failures = wait_ready(cluster, &wave_members, &selector, &wait, progress).await?;
            if !failures.is_empty() {
                return Ok(failures);
            }
        }
    }
    Ok(Vec::new())
}

/// Deletes members no longer in `items`, in reverse order; returns those kept (CRDs
/// without `prune_crds`).
async fn prune(
    cluster: &Cluster,
    items: &[Item],
    record: &Record,
    options: &DeployOptions,
    outcome: &mut Outcome,
    progress: &mut dyn Progress,
) -> Result<Vec<ObjectId>> {
    let mut kinds: BTreeSet<String> = record.old_kinds.clone();
    kinds.extend(record.group_kinds.iter().cloned());
    let mut namespaces: BTreeSet<String> = record.old_namespaces.clone();
    namespaces.insert(options.namespace.clone());
    namespaces.extend(record.namespaces.iter().cloned());
    let keep: BTreeSet<ObjectId> = items.iter().map(|i| i.id.clone()).collect();
    let gone: Vec<Value> = members_of(cluster, &kinds, &namespaces, &record.id)
        .await?
        .into_iter()
        .filter(|o| !keep.contains(&ObjectId::of(o)))
        .collect();
    delete_all(cluster, gone, options.prune_crds, outcome, progress).await
}

/// Deletes objects in reverse apply order; CRDs only with `delete_crds`. Returns the
/// ids kept.
async fn delete_all(
    cluster: &Cluster,
    objects: Vec<Value>,
    delete_crds: bool,
    outcome: &mut Outcome,
    progress: &mut dyn Progress,
) -> Result<Vec<ObjectId>> {
    let as_manifests: Vec<Manifest> = objects
        .into_iter()
        .map(|o| Manifest::new(o, "<cluster>"))
        .collect();
    let mut kept = Vec::new();
    for i in delete_order(&as_manifests) {
        let manifest = &as_manifests[i];
        let id = manifest.id();
        if id.kind == "CustomResourceDefinition"
            && id.group == "apiextensions.k8s.io"
            && !delete_crds
        {
            progress.event(Event::Kept {
                id: id.clone(),
                reason: "a CustomResourceDefinition is not deleted unless asked (--prune-crds): deleting it deletes every resource of its kind".to_owned(),
            });
            kept.push(id);
            continue;
        }
        let Some(resource) = cluster.resource(manifest.api_version(), manifest.kind()) else {
            continue;
        };
        if cluster
            .delete(&resource, manifest.namespace(), manifest.name())
            .await?
        {
            progress.event(Event::Deleted { id: id.clone() });
            outcome.deleted.push(id);
        }
    }
    Ok(kept)
}

/// Re-applies revision `target` of a set (by default the last good one before the
/// current) as a new revision, pruning what it did not have.
pub async fn rollback(
    cluster: &mut Cluster,
    target: Option<u32>,
    options: &DeployOptions,
    progress: &mut dyn Progress,
) -> Result<Outcome> {
    let history = history(cluster, &options.name, &options.namespace).await?;
    if history.is_empty() {
        return Err(Error::NoSet {
            name: options.name.clone(),
            namespace: options.namespace.clone(),
        });
    }
    let chosen = if let Some(n) = target {
        history
            .iter()
            .find(|(r, _)| r.number == n)
            .ok_or(Error::NoRevision {
                name: options.name.clone(),
                namespace: options.namespace.clone(),
                revision: n,
            })?
    } else {
        // The last good revision before the current: the newest deployed one when the
        // newest failed, else the one it superseded.
        let newest = &history[history.len() - 1].0;
        let good = |r: &Revision| {
            matches!(
                r.status,
                RevisionStatus::Deployed | RevisionStatus::Superseded
            )
        };
        let found = if newest.status == RevisionStatus::Deployed {
            history.iter().rev().skip(1).find(|(r, _)| good(r))
        } else {
            history
                .iter()
                .rev()
                .find(|(r, _)| r.status == RevisionStatus::Deployed)
                .or_else(|| history.iter().rev().find(|(r, _)| good(r)))
        };
        found.ok_or(Error::NoGoodRevision {
            name: options.name.clone(),
            namespace: options.namespace.clone(),
        })?
    };
    let manifests = manifests_of(&chosen.1).map_err(|message| Error::BadRevision {
        name: options.name.clone(),
        revision: chosen.0.number,
        message,
    })?;
    let mut back = options.clone();
    back.prune = true;
    back.description = format!("rollback to {}", chosen.0.number);
    deploy(cluster, manifests, &back, progress).await
}

/// Deletes every member of a set in reverse order, then its revisions and parent.
/// CustomResourceDefinitions stay unless `options.prune_crds`. With `options.wait`,
/// waits until the members are gone.
pub async fn undeploy(
    cluster: &mut Cluster,
    options: &DeployOptions,
    progress: &mut dyn Progress,
) -> Result<Outcome> {
    let requests_before = cluster.requests();
    let parent = cluster
        .get(
            &secret(),
            Some(&options.namespace),
            &parent_name(&options.name),
        )
        .await?
        .ok_or_else(|| Error::NoSet {
            name: options.name.clone(),
            namespace: options.namespace.clone(),
        })?;
    let id = set_id(&options.name, &options.namespace);
    let mut outcome = Outcome::new(options, DeployResult::Undeployed);
    let found = members(cluster, &parent, &id).await?;
    let kept = delete_all(cluster, found, options.prune_crds, &mut outcome, progress).await?;
    if options.wait {
        let deadline = Instant::now() + options.timeout;
        loop {
            let left: Vec<ObjectId> = members(cluster, &parent, &id)
                .await?
                .iter()
                .map(ObjectId::of)
                .filter(|m| !kept.contains(m))
                .collect();
            if left.is_empty() {
                break;
            }
            if Instant::now() >= deadline {
                outcome.result = DeployResult::Failed;
                outcome.failures = left
                    .into_iter()
                    .map(|id| Failure {
                        id,
                        message: "still there at the timeout".to_owned(),
                        pod: None,
                        reason: "Timeout".to_owned(),
                        logs: Vec::new(),
                    })
                    .collect();
                outcome.requests = cluster.requests() - requests_before;
                return Ok(outcome);
            }
            tokio::time::sleep(options.poll).await;
        }
    }
    for (revision, _) in history(cluster, &options.name, &options.namespace).await? {
        cluster
            .delete(
                &secret(),
                Some(&options.namespace),
                &revision_name(&options.name, revision.number),
            )
            .await?;
    }
    if kept.is_empty() {
        cluster
            .delete(
                &secret(),
                Some(&options.namespace),
                &parent_name(&options.name),
            )
            .await?;
    } else {
        // The parent stays to list what was kept, so a later undeploy --prune-crds finds it.
        let kinds: BTreeSet<String> = kept.iter().map(ObjectId::group_kind).collect();
        match write_parent(cluster, options, &id, &kinds, &BTreeSet::new(), "").await {
            // The set's namespace was a member, and went with it.
            Err(Error::Kube(err)) if matches!(err.status_code(), Some(403 | 404)) => {}
            other => other?,
        }
    }
    outcome.requests = cluster.requests() - requests_before;
    Ok(outcome)
}
