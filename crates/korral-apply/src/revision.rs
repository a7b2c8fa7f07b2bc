//! Revisions: each deploy of a set is recorded in the cluster, as Helm keeps releases in
//! Secrets, so history and rollback work from any machine.
//!
//! A revision is a Secret `korral.rev.v1.<SET>.v<N>` of type `korral.dev/revision.v1`
//! in the set's namespace: its labels name the set, the number and the status; its
//! annotations the time, digest, object count and what happened; its data the
//! manifests as applied, as gzip-compressed JSON.

use std::fmt::{self, Write as _};
use std::io::{Read as _, Write as _};

use base64::Engine as _;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::manifest::{Manifest, str_at};

/// The label naming the set on its parent and its revisions.
pub const SET_LABEL: &str = "deploy.korral.dev/set";
/// The label saying what a korral Secret is: `parent` or `revision`.
pub const ROLE_LABEL: &str = "deploy.korral.dev/role";
/// The label holding a revision's number.
pub const REVISION_LABEL: &str = "deploy.korral.dev/revision";
/// The label holding a revision's status.
pub const STATUS_LABEL: &str = "deploy.korral.dev/status";
const TIME_ANNOTATION: &str = "deploy.korral.dev/time";
const DIGEST_ANNOTATION: &str = "deploy.korral.dev/digest";
const OBJECTS_ANNOTATION: &str = "deploy.korral.dev/objects";
const DESCRIPTION_ANNOTATION: &str = "deploy.korral.dev/description";
const MESSAGE_ANNOTATION: &str = "deploy.korral.dev/message";
/// The Secret type of revisions.
pub const REVISION_TYPE: &str = "korral.dev/revision.v1";
/// The most a revision's manifests may grow to when read back (a hostile or broken
/// record cannot exhaust memory): 256 MiB.
const MAX_MANIFESTS_BYTES: u64 = 256 << 20;

/// Where a revision got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevisionStatus {
    /// Being deployed now, or interrupted (the next deploy says which).
    Deploying,
    /// Deployed and ready: the set's current state.
    Deployed,
    /// Deployed once; a later revision replaced it.
    Superseded,
    /// Failed to apply or to become ready.
    Failed,
    /// Its deploy stopped half-way (Ctrl-C, a lost connection); a later deploy took over.
    Interrupted,
}

impl RevisionStatus {
    /// The word in labels and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deploying => "deploying",
            Self::Deployed => "deployed",
            Self::Superseded => "superseded",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "deploying" => Self::Deploying,
            "deployed" => Self::Deployed,
            "superseded" => Self::Superseded,
            "failed" => Self::Failed,
            "interrupted" => Self::Interrupted,
            _ => return None,
        })
    }
}

impl fmt::Display for RevisionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recorded deploy of a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// The set.
    pub set: String,
    /// The set's namespace.
    pub namespace: String,
    /// 1, 2, 3…
    pub number: u32,
    /// When it started (RFC 3339).
    pub time: String,
    /// Where it got to.
    pub status: RevisionStatus,
    /// SHA-256 of the manifests (`sha256:…`): two revisions with one digest applied the
    /// same objects.
    pub digest: String,
    /// How many objects it holds.
    pub objects: usize,
    /// What it was: `deploy`, `rollback to 2`, `rollback to 2 after revision 3 failed`.
    pub description: String,
    /// Why it failed, or what was left when interrupted.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// The name of revision `number` of `set`.
pub fn revision_name(set: &str, number: u32) -> String {
    format!("korral.rev.v1.{set}.v{number}")
}

/// The digest of a list of manifests: of their canonical JSON, one per line.
pub fn digest(manifests: &[Manifest]) -> String {
    let mut hasher = Sha256::new();
    for manifest in manifests {
        hasher.update(manifest.object.to_string().as_bytes());
        hasher.update(b"\n");
    }
    let hash = hasher.finalize();
    let mut out = String::from("sha256:");
    for byte in hash {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[derive(Serialize, Deserialize)]
struct Stored {
    object: Value,
    source: String,
}

/// The Secret recording `revision` with its manifests.
pub(crate) fn to_secret(revision: &Revision, manifests: &[Manifest]) -> Value {
    let stored: Vec<Stored> = manifests
        .iter()
        .map(|m| Stored {
            object: m.object.clone(),
            source: m.source.clone(),
        })
        .collect();
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(&serde_json::to_vec(&stored).unwrap_or_default());
    let compressed = encoder.finish().unwrap_or_default();
    let data = base64::engine::general_purpose::STANDARD.encode(compressed);
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": REVISION_TYPE,
        "metadata": {
            "name": revision_name(&revision.set, revision.number),
            "namespace": revision.namespace,
            "labels": {
                SET_LABEL: revision.set,
                ROLE_LABEL: "revision",
                REVISION_LABEL: revision.number.to_string(),
                STATUS_LABEL: revision.status.as_str(),
                "app.kubernetes.io/managed-by": "korral",
            },
            "annotations": annotations(revision),
        },
        "data": {"manifests": data},
    })
}

fn annotations(revision: &Revision) -> Value {
    let mut message = revision.message.clone();
    if message.len() > 4096 {
        let mut cut = 4096;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
    }
    json!({
        TIME_ANNOTATION: revision.time,
        DIGEST_ANNOTATION: revision.digest,
        OBJECTS_ANNOTATION: revision.objects.to_string(),
        DESCRIPTION_ANNOTATION: revision.description,
        MESSAGE_ANNOTATION: message,
    })
}

/// The same revision Secret with a new status and message, ready to apply again
/// (server-set fields left out).
pub(crate) fn restamp(secret: &Value, status: RevisionStatus, message: &str) -> Option<Value> {
    let mut revision = from_secret(secret)?;
    revision.status = status;
    message.clone_into(&mut revision.message);
    let mut out = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": REVISION_TYPE,
        "metadata": {
            "name": str_at(secret, "/metadata/name"),
            "namespace": revision.namespace,
            "labels": secret.pointer("/metadata/labels").cloned().unwrap_or(Value::Null),
            "annotations": annotations(&revision),
        },
        "data": secret.get("data").cloned().unwrap_or(Value::Null),
    });
    out["metadata"]["labels"][STATUS_LABEL] = status.as_str().into();
    Some(out)
}

/// A revision as its Secret records it; `None` for a Secret that is not one.
pub fn from_secret(secret: &Value) -> Option<Revision> {
    let labels = secret.pointer("/metadata/labels")?;
    if labels.get(ROLE_LABEL).and_then(Value::as_str) != Some("revision") {
        return None;
    }
    let annotation = |key: &str| {
        secret
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Some(Revision {
        set: labels.get(SET_LABEL)?.as_str()?.to_owned(),
        namespace: str_at(secret, "/metadata/namespace").to_owned(),
        number: labels.get(REVISION_LABEL)?.as_str()?.parse().ok()?,
        time: annotation(TIME_ANNOTATION),
        status: RevisionStatus::parse(labels.get(STATUS_LABEL)?.as_str()?)?,
        digest: annotation(DIGEST_ANNOTATION),
        objects: annotation(OBJECTS_ANNOTATION).parse().unwrap_or(0),
        description: annotation(DESCRIPTION_ANNOTATION),
        message: annotation(MESSAGE_ANNOTATION),
    })
}

/// The manifests a revision Secret holds.
pub(crate) fn manifests_of(secret: &Value) -> Result<Vec<Manifest>, String> {
    let data = secret
        .pointer("/data/manifests")
        .and_then(Value::as_str)
        .ok_or("it holds no `data.manifests`")?;
    let compressed = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| format!("`data.manifests` is not base64: {e}"))?;
    let mut json = Vec::new();
    GzDecoder::new(compressed.as_slice())
        .take(MAX_MANIFESTS_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("`data.manifests` is not gzip: {e}"))?;
    if json.len() as u64 > MAX_MANIFESTS_BYTES {
        return Err("its manifests unpack to more than 256 MiB".to_owned());
    }
    let stored: Vec<Stored> =
        serde_json::from_slice(&json).map_err(|e| format!("its manifests are not JSON: {e}"))?;
    Ok(stored
        .into_iter()
        .map(|s| Manifest::new(s.object, s.source))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(status: RevisionStatus) -> Revision {
        Revision {
            set: "shop".into(),
            namespace: "shop".into(),
            number: 3,
            time: "2026-12-06T15:00:00Z".into(),
            status,
            digest: "sha256:00".into(),
            objects: 1,
            description: "deploy".into(),
            message: String::new(),
        }
    }

    #[test]
    fn a_revision_round_trips_through_its_secret() {
        let manifests = vec![Manifest::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}}),
            "a.yaml:1",
        )];
        let secret = to_secret(&revision(RevisionStatus::Deploying), &manifests);
        assert_eq!(secret["metadata"]["name"], "korral.rev.v1.shop.v3");
        assert_eq!(
            from_secret(&secret),
            Some(revision(RevisionStatus::Deploying))
        );
        assert_eq!(manifests_of(&secret).unwrap(), manifests);
        let failed = restamp(
            &secret,
            RevisionStatus::Failed,
            "Deployment shop/web: ImagePullBackOff",
        )
        .unwrap();
        let back = from_secret(&failed).unwrap();
        assert_eq!(back.status, RevisionStatus::Failed);
        assert_eq!(back.message, "Deployment shop/web: ImagePullBackOff");
        assert_eq!(manifests_of(&failed).unwrap(), manifests);
    }

    #[test]
    fn a_gzip_bomb_in_a_revision_is_refused_not_unpacked() {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..300 {
            encoder.write_all(&zeros).unwrap();
        }
        let data = base64::engine::general_purpose::STANDARD.encode(encoder.finish().unwrap());
        let secret = json!({"data": {"manifests": data}});
        let err = manifests_of(&secret).unwrap_err();
        assert!(err.contains("more than 256 MiB"), "{err}");
    }

    #[test]
    fn other_secrets_are_not_revisions() {
        assert_eq!(
            from_secret(&json!({"metadata": {"labels": {"app": "x"}}})),
            None
        );
    }
}
