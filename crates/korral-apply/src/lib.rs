//! The write path: everything korral changes in a cluster goes through here, so
//! `korral deploy`, restore, the web UI's edit and the job runner behave alike.
//!
//! - [`deploy`] applies manifests as a named set: every manifest is validated with a
//!   server-side dry run first (one bad object changes nothing); then they are applied
//!   with server-side apply (field manager `korral`), wave by wave
//!   ([`WAVE_ANNOTATION`]) and, within a wave, in the order of [`plan`]: kinds as kapp
//!   orders them, CRDs established before their custom resources, and what the
//!   relation graph says one object needs from another. It waits until the objects are
//!   ready by kstatus rules ([`korral_status::readiness`]), and names the pod and reason
//!   when they are not, after a grace period. It prunes members no longer in the
//!   manifests, and can put the last good revision back on failure.
//! - A set is an applyset (KEP-3659: [`set_id`], [`PART_OF_LABEL`]), so kubectl
//!   recognises it, and each deploy is a [`Revision`] recorded in the cluster, so
//!   [`rollback`] and [`revisions`] work from any machine.
//! - [`undeploy`] deletes a set's members in reverse order, then its records.
//! - [`diff`] says what a deploy would change, object by object.
//! - [`put_all`] writes objects outside a set, one by one in the same order (create, or
//!   skip/update what exists; owner references re-linked): what `korral restore` uses.
//!
//! ```no_run
//! use korral_apply::{Cluster, DeployOptions, Manifest, Quiet, deploy};
//!
//! # async fn run(client: korral_kube::Client, manifests: Vec<Manifest>) -> korral_apply::Result<()> {
//! let mut cluster = Cluster::connect(client).await?;
//! let outcome = deploy(&mut cluster, manifests, &DeployOptions::new("shop", "shop"), &mut Quiet).await?;
//! println!("revision {:?}: {:?}", outcome.revision, outcome.result);
//! # Ok(())
//! # }
//! ```

mod api;
mod applyset;
mod diff;
mod engine;
mod error;
mod manifest;
mod order;
mod progress;
mod put;
mod revision;
mod set;
mod validate;
mod wait;

pub use api::{Applied, Cluster, FIELD_MANAGER, encode};
pub use applyset::{
    GROUP_KINDS_ANNOTATION, ID_LABEL, NAMESPACES_ANNOTATION, PART_OF_LABEL, TOOLING,
    TOOLING_ANNOTATION, applyset_id, parent_name, set_id, valid_set_name,
};
pub use diff::{Change, ChangeKind, diff, strip_server_fields};
pub use engine::{
    AppliedObject, DeployOptions, DeployResult, Outcome, deploy, interrupted, rollback, undeploy,
};
pub use error::{Error, Rejection, Result};
pub use manifest::{Manifest, ObjectId, group_kind};
pub use order::{WAVE_ANNOTATION, Wave, delete_order, kind_rank, plan};
pub use progress::{Event, Progress, Quiet};
pub use put::{Existing, Put, PutOptions, PutResult, put_all};
pub use revision::{Revision, RevisionStatus, digest, from_secret, revision_name};
pub use set::{SetSummary, revisions, sets};
pub use wait::Failure;
