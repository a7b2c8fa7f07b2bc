//! Backups inside the cluster: the manifests of a CronJob that runs
//! `korral backup create --to-dir /backups --keep N` on a schedule, with its
//! ServiceAccount, read-only RBAC and a PersistentVolumeClaim for the files.
//!
//! Pure: [`ScheduleOptions`] in, objects out, nothing applied. Every value that reaches
//! the manifests is checked by its meaning first (a cron schedule, DNS-1123 names, a
//! quantity, an image reference, a key fingerprint), and the objects are JSON values
//! serialised by a YAML library, never text templates: no value can add a field, a
//! document or a shell word (the container runs korral directly, no shell).

use serde_json::{Value, json};

use crate::error::{Error, Result};

/// Where the default image comes from; its tag is this korral's version.
pub const IMAGE_REPOSITORY: &str = "ghcr.io/korral-dev/korral";

/// Where the CronJob and its objects live unless told.
pub const DEFAULT_NAMESPACE: &str = "korral-backup";

/// The volume size asked for unless told.
pub const DEFAULT_STORAGE: &str = "10Gi";

/// Backups kept unless told: a week of nightly ones.
pub const DEFAULT_KEEP: u32 = 7;

/// Where the container writes the backups (the claim is mounted there).
pub const BACKUP_DIR: &str = "/backups";

/// Where the public keys are mounted, laid out as a korral keyring
/// (`public/<FINGERPRINT>.asc`), so `--keyring` reads them as they are.
pub const KEYRING_DIR: &str = "/keyring";

/// The user and group the container runs as: not root, and the owner (by `fsGroup`)
/// of what it writes on the volume. 65532 is distroless's `nonroot`.
const RUN_AS: u32 = 65532;

/// The CronJob name's limit: Kubernetes appends 11 characters for each Job's name.
const MAX_NAME: usize = 52;

/// The image this korral's version is published as.
#[must_use]
pub fn default_image() -> String {
    format!("{IMAGE_REPOSITORY}:{}", env!("CARGO_PKG_VERSION"))
}

/// A public key to encrypt Secrets to, as the ConfigMap carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The primary key's fingerprint, hex (40 or 64 digits).
    pub fingerprint: String,
    /// The key, ASCII-armoured (`korral keys export`).
    pub armoured: String,
}

/// What `korral backup schedule` writes.
#[derive(Debug, Clone)]
pub struct ScheduleOptions {
    /// The CronJob's name, also its ServiceAccount's and claim's.
    pub name: String,
    /// Five cron fields (`15 2 * * *`) or a macro (`@daily`), in UTC.
    pub schedule: String,
    /// The namespaces to back up; `None` for all of them and the cluster-scoped
    /// resources.
    pub namespaces: Option<Vec<String>>,
    /// How many backups to keep on the volume.
    pub keep: u32,
    /// The korral image.
    pub image: String,
    /// The claim's size, a Kubernetes quantity.
    pub storage: String,
    /// The claim's StorageClass; the cluster's default when `None`.
    pub storage_class: Option<String>,
    /// The keys to encrypt Secrets to; none keeps them in clear.
    pub encrypt_to: Vec<PublicKey>,
    /// Where the CronJob and its namespaced objects live.
    pub namespace: String,
}

impl ScheduleOptions {
    /// The options with the defaults for everything but the name, the schedule and
    /// what to back up.
    #[must_use]
    pub fn new(name: &str, schedule: &str, namespaces: Option<Vec<String>>) -> Self {
        Self {
            name: name.to_owned(),
            schedule: schedule.to_owned(),
            namespaces,
            keep: DEFAULT_KEEP,
            image: default_image(),
            storage: DEFAULT_STORAGE.to_owned(),
            storage_class: None,
            encrypt_to: Vec::new(),
            namespace: DEFAULT_NAMESPACE.to_owned(),
        }
    }
}

/// The objects to apply, in the order to apply them: the Namespace, the ServiceAccount,
/// the ClusterRole(s) and their bindings, the keys' ConfigMap (with `encrypt_to`), the
/// PersistentVolumeClaim, a NetworkPolicy that lets nothing into the backup pod, and
/// the CronJob.
///
/// With `namespaces`, the read-everything ClusterRole is bound by a RoleBinding in each
/// of them only (plus reading Namespaces and CRDs cluster-wide, which a backup of
/// namespaces holds); without, by a ClusterRoleBinding.
///
/// # Errors
///
/// [`Error::Input`] naming the first value that is not what it claims to be.
pub fn schedule_manifests(options: &ScheduleOptions) -> Result<Vec<Value>> {
    let checked = check(options)?;
    let name = options.name.as_str();
    let home = options.namespace.as_str();
    let labels = json!({
        "app.kubernetes.io/name": "korral-backup",
        "app.kubernetes.io/instance": name,
    });
    let metadata = |object: &str, namespace: Option<&str>| {
        let mut meta = json!({"name": object, "labels": labels});
        if let Some(namespace) = namespace {
            meta["namespace"] = json!(namespace);
        }
        meta
    };
    let mut objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": metadata(home, None)}),
        json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata(name, Some(home)),
        }),
    ];
    objects.extend(rbac(options, &metadata));
    let keys = format!("{name}-keys");
    if !checked.fingerprints.is_empty() {
        let data: serde_json::Map<String, Value> = checked
            .fingerprints
            .iter()
            .zip(&options.encrypt_to)
            .map(|(fingerprint, key)| (format!("{fingerprint}.asc"), json!(key.armoured)))
            .collect();
        objects.push(json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata(&keys, Some(home)),
            "data": data,
        }));
    }
    let mut claim = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(name, Some(home)),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": options.storage}},
        },
    });
    if let Some(class) = &options.storage_class {
        claim["spec"]["storageClassName"] = json!(class);
    }
    objects.push(claim);
    objects.push(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(name, Some(home)),
        // The backup pod serves nothing: no connection in. Out it needs the API server,
        // whose address a policy cannot name portably, so egress stays open.
        "spec": {"podSelector": {"matchLabels": labels}, "policyTypes": ["Ingress"]},
    }));
    objects.push(cron_job(
        options,
        &checked,
        &keys,
        &metadata(name, Some(home)),
    ));
    Ok(objects)
}

/// The ClusterRole that reads everything, bound cluster-wide or in each namespace
/// backed up (with a second role for the Namespaces and CRDs such a backup holds).
fn rbac(options: &ScheduleOptions, metadata: &dyn Fn(&str, Option<&str>) -> Value) -> Vec<Value> {
    let name = options.name.as_str();
    let home = options.namespace.as_str();
    // Cluster-scoped names hold the home namespace: two schedules of the same name in
    // two namespaces must not share (or overwrite) a role. Neither part holds a dot.
    let role = format!("{home}.{name}");
    let subject = json!([{"kind": "ServiceAccount", "name": name, "namespace": home}]);
    let mut read_all = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": metadata(&role, None),
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list"]}],
    });
    ignore(
        &mut read_all,
        "RB001",
        "a backup reads every resource of every API group, custom resources included; get and list only",
    );
    let mut objects = vec![read_all];
    match &options.namespaces {
        None => {
            let mut binding = json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": metadata(&role, None),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": subject,
            });
            ignore(
                &mut binding,
                "RB003",
                "a backup of the whole cluster reads every Secret to keep it",
            );
            objects.push(binding);
        }
        Some(namespaces) => {
            let cluster_role = format!("{role}.namespaces");
            objects.push(json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": metadata(&cluster_role, None),
                // A backup of namespaces holds their Namespace objects and the CRDs of
                // the custom resources in them, listed cluster-wide and then filtered.
                "rules": [
                    {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list"]},
                    {
                        "apiGroups": ["apiextensions.k8s.io"],
                        "resources": ["customresourcedefinitions"],
                        "verbs": ["get", "list"],
                    },
                ],
            }));
            objects.push(json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": metadata(&cluster_role, None),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role},
                "subjects": subject,
            }));
            for namespace in namespaces {
                objects.push(json!({
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "RoleBinding",
                    "metadata": metadata(&role, Some(namespace)),
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                    "subjects": subject,
                }));
            }
        }
    }
    objects
}

/// The CronJob: one Job at a time, hardened as the restricted Pod Security Standard
/// asks, running korral itself (no shell) as the ServiceAccount.
fn cron_job(options: &ScheduleOptions, checked: &Checked, keys: &str, metadata: &Value) -> Value {
    let mut args: Vec<String> = ["backup", "create", "--to-dir", BACKUP_DIR, "--keep"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    args.push(options.keep.to_string());
    match &options.namespaces {
        None => args.push("--all-namespaces".to_owned()),
        Some(namespaces) => {
            for namespace in namespaces {
                args.push("--namespace".to_owned());
                args.push(namespace.clone());
            }
        }
    }
    let mut mounts = vec![
        json!({"name": "backups", "mountPath": BACKUP_DIR}),
        json!({"name": "tmp", "mountPath": "/tmp"}),
    ];
    let mut volumes = vec![
        json!({"name": "backups", "persistentVolumeClaim": {"claimName": options.name}}),
        // The root file system is read-only; anything korral writes besides the
        // backups (temporary files) goes here.
        json!({"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}),
    ];
    if !checked.fingerprints.is_empty() {
        args.push("--keyring".to_owned());
        args.push(KEYRING_DIR.to_owned());
        for fingerprint in &checked.fingerprints {
            args.push("--encrypt-to".to_owned());
            args.push(fingerprint.clone());
        }
        mounts.push(json!({"name": "keyring", "mountPath": KEYRING_DIR, "readOnly": true}));
        let items: Vec<Value> = checked
            .fingerprints
            .iter()
            .map(|f| json!({"key": format!("{f}.asc"), "path": format!("public/{f}.asc")}))
            .collect();
        volumes.push(json!({"name": "keyring", "configMap": {"name": keys, "items": items}}));
    }
    let mut cron_job = json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata,
        "spec": {
            "schedule": checked.schedule,
            // Without it the schedule is in the controller manager's time zone.
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "metadata": {"labels": metadata["labels"]},
                "spec": {
                    "backoffLimit": 2,
                    "template": {
                        "metadata": {"labels": metadata["labels"]},
                        "spec": {
                            "serviceAccountName": options.name,
                            // korral calls the API with this token.
                            "automountServiceAccountToken": true,
                            "restartPolicy": "OnFailure",
                            "securityContext": {
                                "runAsNonRoot": true,
                                "runAsUser": RUN_AS,
                                "runAsGroup": RUN_AS,
                                "fsGroup": RUN_AS,
                                "seccompProfile": {"type": "RuntimeDefault"},
                            },
                            "containers": [{
                                "name": "backup",
                                "image": options.image,
                                "command": ["korral"],
                                "args": args,
                                "securityContext": {
                                    "allowPrivilegeEscalation": false,
                                    "readOnlyRootFilesystem": true,
                                    "runAsNonRoot": true,
                                    "capabilities": {"drop": ["ALL"]},
                                    "seccompProfile": {"type": "RuntimeDefault"},
                                },
                                // Objects are streamed to the archive, never all held.
                                "resources": {
                                    "requests": {"cpu": "100m", "memory": "256Mi"},
                                    "limits": {"cpu": "1", "memory": "1Gi"},
                                },
                                "volumeMounts": mounts,
                            }],
                            "volumes": volumes,
                        },
                    },
                },
            },
        },
    });
    ignore(
        &mut cron_job,
        "RB006",
        "korral backup create reads every object it backs up, Secrets included, with get and list only",
    );
    cron_job
}

/// Marks a finding of korral's own audit as intended, with the reason beside it.
fn ignore(object: &mut Value, code: &str, reason: &str) {
    object["metadata"]["annotations"] = json!({
        "korral.io/audit-ignore": code,
        "korral.io/audit-ignore-reason": reason,
    });
}

/// The manifests as one YAML stream, `---` between documents.
///
/// # Errors
///
/// [`Error::Input`] when an object cannot be written as YAML (it always can).
pub fn to_yaml(objects: &[Value]) -> Result<String> {
    let mut out = String::new();
    for object in objects {
        if !out.is_empty() {
            out.push_str("---\n");
        }
        let text = serde_saphyr::to_string(object)
            .map_err(|err| Error::Input(format!("cannot write the manifests as YAML: {err}")))?;
        out.push_str(&text);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

/// What [`check`] made of the options: the schedule with single spaces, the
/// fingerprints in upper case.
struct Checked {
    schedule: String,
    fingerprints: Vec<String>,
}

fn input(message: String) -> Error {
    Error::Input(message)
}

fn check(options: &ScheduleOptions) -> Result<Checked> {
    if !is_label(&options.name) || options.name.len() > MAX_NAME {
        return Err(input(format!(
            "`{}` cannot name a CronJob; use lowercase letters, digits and `-` (at most {MAX_NAME}, starting and ending with a letter or digit)",
            options.name
        )));
    }
    if !is_label(&options.namespace) {
        return Err(input(format!(
            "`{}` is not a namespace name; use lowercase letters, digits and `-` (at most 63, starting and ending with a letter or digit)",
            options.namespace
        )));
    }
    if let Some(namespaces) = &options.namespaces {
        if namespaces.is_empty() {
            return Err(input(
                "no namespace to back up; name some with -n, or back up all with -A".to_owned(),
            ));
        }
        if let Some(bad) = namespaces.iter().find(|n| !is_label(n)) {
            return Err(input(format!(
                "`{bad}` is not a namespace name; use lowercase letters, digits and `-` (at most 63, starting and ending with a letter or digit)"
            )));
        }
    }
    let schedule = check_schedule(&options.schedule)?;
    if options.keep == 0 {
        return Err(input(
            "--keep 0 would delete every backup; keep at least 1".to_owned(),
        ));
    }
    check_image(&options.image)?;
    check_storage(&options.storage)?;
    if let Some(class) = &options.storage_class
        && !is_subdomain(class)
    {
        return Err(input(format!(
            "`{class}` is not a StorageClass name; use lowercase letters, digits, `-` and `.` (`kubectl get storageclass` lists them)"
        )));
    }
    let mut fingerprints: Vec<String> = Vec::new();
    for key in &options.encrypt_to {
        let fingerprint = key.fingerprint.to_ascii_uppercase();
        if !matches!(fingerprint.len(), 40 | 64)
            || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(input(format!(
                "`{}` is not an OpenPGP fingerprint (40 or 64 hex digits)",
                key.fingerprint
            )));
        }
        if !key
            .armoured
            .starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
        {
            return Err(input(format!(
                "the key `{fingerprint}` is not an armoured public key; export it with `korral keys export`"
            )));
        }
        if fingerprints.contains(&fingerprint) {
            return Err(input(format!(
                "the key `{fingerprint}` is given twice; give each key once"
            )));
        }
        fingerprints.push(fingerprint);
    }
    Ok(Checked {
        schedule,
        fingerprints,
    })
}

/// A DNS-1123 label: what namespaces and most object names are.
fn is_label(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 63
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
fn is_subdomain(text: &str) -> bool {
    text.len() <= 253 && text.split('.').all(is_label)
}

/// The macros Kubernetes' cron parser takes besides five fields.
const MACROS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One cron field: its name for messages, its bounds, the names it takes (the first
/// is worth `low`), and whether `?` may stand for `*`.
struct Field {
    name: &'static str,
    low: u32,
    high: u32,
    names: &'static [&'static str],
    question: bool,
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        low: 0,
        high: 59,
        names: &[],
        question: false,
    },
    Field {
        name: "hour",
        low: 0,
        high: 23,
        names: &[],
        question: false,
    },
    Field {
        name: "day of month",
        low: 1,
        high: 31,
        names: &[],
        question: true,
    },
    Field {
        name: "month",
        low: 1,
        high: 12,
        names: MONTHS,
        question: false,
    },
    Field {
        name: "day of week",
        low: 0,
        high: 6,
        names: DAYS,
        question: true,
    },
];

/// A cron schedule as Kubernetes reads it (robfig/cron's standard parser): five
/// fields — minute, hour, day of month, month, day of week — each a `,` list of `*`,
/// `N` or `N-M`, each with an optional `/STEP`; months and days also by name
/// (`JAN`, `MON`); or one of [`MACROS`]. Returns it with single spaces.
fn check_schedule(schedule: &str) -> Result<String> {
    let bad = |why: String| {
        input(format!(
            "`{schedule}` is not a cron schedule: {why}; write five fields, minute hour day-of-month month day-of-week, like `15 2 * * *`, or `@daily`"
        ))
    };
    if let Some(c) = schedule
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || " *,-/?@".contains(*c)))
    {
        return Err(bad(format!("`{}` has no place in one", c.escape_default())));
    }
    let fields: Vec<&str> = schedule.split(' ').filter(|f| !f.is_empty()).collect();
    if let [only] = fields.as_slice()
        && only.starts_with('@')
    {
        let lower = only.to_ascii_lowercase();
        return if MACROS.contains(&lower.as_str()) {
            Ok(lower)
        } else {
            Err(bad(format!("the macros are {}", MACROS.join(", "))))
        };
    }
    if fields.len() != 5 {
        return Err(bad(format!("it has {} fields", fields.len())));
    }
    for (text, field) in fields.iter().zip(&FIELDS) {
        check_field(text, field).map_err(|why| bad(format!("the {} {why}", field.name)))?;
    }
    Ok(fields.join(" "))
}

fn check_field(text: &str, field: &Field) -> std::result::Result<(), String> {
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        if let Some(step) = step {
            let step: u32 = step
                .parse()
                .map_err(|_| format!("step `{step}` is not a number"))?;
            if step == 0 || step > field.high - field.low + 1 {
                return Err(format!(
                    "step {step} is not between 1 and {}",
                    field.high - field.low + 1
                ));
            }
        }
        if range == "*" || (range == "?" && field.question) {
            continue;
        }
        let (low, high) = match range.split_once('-') {
            Some((low, high)) => (value(low, field)?, Some(value(high, field)?)),
            None => (value(range, field)?, None),
        };
        if let Some(high) = high
            && high < low
        {
            return Err(format!("range `{range}` ends before it starts"));
        }
    }
    Ok(())
}

fn value(text: &str, field: &Field) -> std::result::Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    if let Some(index) = field.names.iter().position(|n| *n == upper) {
        return Ok(field.low + u32::try_from(index).unwrap_or(0));
    }
    match text.parse::<u32>() {
        Ok(n)
            if text.bytes().all(|b| b.is_ascii_digit())
                && (field.low..=field.high).contains(&n) =>
        {
            Ok(n)
        }
        _ => Err(format!(
            "value `{text}` is not between {} and {}{}",
            field.low,
            field.high,
            if field.names.is_empty() {
                String::new()
            } else {
                format!(" or one of {}", field.names.join(", "))
            }
        )),
    }
}

/// A claim's size: a positive Kubernetes quantity, written plainly (`10Gi`, `500M`).
fn check_storage(storage: &str) -> Result<()> {
    let bad = || {
        input(format!(
            "`{storage}` is not a volume size; write a Kubernetes quantity like 10Gi or 500M"
        ))
    };
    if storage.is_empty()
        || !storage
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.')
        || !storage.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(bad());
    }
    match storage.parse::<korral_core::Quantity>() {
        Ok(q) if q.0 > 0.0 => Ok(()),
        _ => Err(bad()),
    }
}

/// An image reference as the container runtime reads it:
/// `[host[:port]/]path[:tag][@algorithm:hex]`, the path's parts lowercase letters and
/// digits joined by `.`, `_`, `__` or `-`.
fn check_image(image: &str) -> Result<()> {
    let bad = |why: &str| {
        input(format!(
            "`{image}` is not an image reference ({why}); write it like ghcr.io/korral-dev/korral:1.2.3"
        ))
    };
    if image.is_empty() || image.len() > 512 {
        return Err(bad("it is empty or too long"));
    }
    if let Some(c) = image
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-/:@".contains(*c)))
    {
        return Err(bad(&format!(
            "`{}` has no place in one",
            c.escape_default()
        )));
    }
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    if let Some(digest) = digest {
        let Some((algorithm, hex)) = digest.split_once(':') else {
            return Err(bad("a digest is `sha256:` and hex digits"));
        };
        let ok = !algorithm.is_empty()
            && algorithm
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && hex.len() >= 32
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !ok {
            return Err(bad("a digest is `sha256:` and hex digits"));
        }
    }
    // A tag follows the last `:` after the last `/` (a `:` before is a port).
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        let ok = !tag.is_empty()
            && tag.len() <= 128
            && tag
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            && !tag.starts_with(['.', '-']);
        if !ok {
            return Err(bad("a tag is letters, digits, `_`, `.` and `-`"));
        }
    }
    let parts: Vec<&str> = name.split('/').collect();
    // The first part is a registry host when it looks like one.
    let host = parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost");
    for (index, part) in parts.iter().enumerate() {
        let ok = if index == 0 && host {
            let (domain, port) = match part.split_once(':') {
                Some((domain, port)) => (domain, Some(port)),
                None => (*part, None),
            };
            !domain.is_empty()
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                })
                && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        } else {
            is_path_component(part)
        };
        if !ok {
            return Err(bad(
                "its path is lowercase letters and digits joined by `.`, `_` or `-`",
            ));
        }
    }
    Ok(())
}

fn is_path_component(part: &str) -> bool {
    let bytes = part.as_bytes();
    !bytes.is_empty()
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(b))
        && !part.contains("..")
        && !part.contains("___")
}

#[cfg(test)]
mod tests;
