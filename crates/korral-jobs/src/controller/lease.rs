//! Leader election through a `coordination.k8s.io/v1` Lease, as client-go's
//! leaderelection does it: a controller takes the Lease when nobody holds it or the
//! holder stopped renewing it for `leaseDurationSeconds`, renews it every third of
//! that, and stops when a renewal finds someone else holding it. Every write carries
//! the resourceVersion it read, so two controllers racing for it cannot both win.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::{Lease as LeaseObject, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::PostParams;
use kube::{Api, Client};

use super::{MANAGER, Options, is_conflict};
use crate::error::{Error, Result};

/// The Lease's name.
pub const LEASE_NAME: &str = "korral-jobs-controller";

pub(super) struct Lease {
    api: Api<LeaseObject>,
    identity: String,
    duration: Duration,
}

enum Try {
    /// This controller holds it.
    Held,
    /// Someone else holds it.
    Other,
}

impl Lease {
    pub fn new(client: &Client, options: &Options) -> Self {
        Self {
            api: Api::namespaced(client.clone(), &options.lease_namespace),
            identity: options.identity.clone(),
            duration: options.lease_duration.max(Duration::from_secs(1)),
        }
    }

    fn seconds(&self) -> i32 {
        i32::try_from(self.duration.as_secs()).unwrap_or(i32::MAX)
    }

    /// One attempt to take or renew the Lease.
    async fn try_take(&self) -> Result<Try> {
        let now = Timestamp::now();
        let current = self
            .api
            .get_opt(LEASE_NAME)
            .await
            .map_err(Error::api(format!("get Lease {LEASE_NAME}")))?;
        let Some(mut lease) = current else {
            let lease = LeaseObject {
                metadata: ObjectMeta {
                    name: Some(LEASE_NAME.to_owned()),
                    ..ObjectMeta::default()
                },
                spec: Some(LeaseSpec {
                    holder_identity: Some(self.identity.clone()),
                    lease_duration_seconds: Some(self.seconds()),
                    acquire_time: Some(MicroTime(now)),
                    renew_time: Some(MicroTime(now)),
                    lease_transitions: Some(0),
                    ..LeaseSpec::default()
                }),
            };
            return match self.api.create(&post(), &lease).await {
                Ok(_) => Ok(Try::Held),
                Err(e) if is_conflict(&e) => Ok(Try::Other),
                Err(e) => Err(Error::api(format!("create Lease {LEASE_NAME}"))(e)),
            };
        };
        let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
        let holder = spec.holder_identity.clone().unwrap_or_default();
        let renewed = spec.renew_time.as_ref().map(|t| t.0);
        let held_for = i64::from(spec.lease_duration_seconds.unwrap_or(self.seconds()));
        let expired = renewed.is_none_or(|r| now.as_second() - r.as_second() > held_for);
        if holder != self.identity && !holder.is_empty() && !expired {
            return Ok(Try::Other);
        }
        if holder != self.identity {
            spec.acquire_time = Some(MicroTime(now));
            spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
            spec.holder_identity = Some(self.identity.clone());
        }
        spec.renew_time = Some(MicroTime(now));
        spec.lease_duration_seconds = Some(self.seconds());
        match self.api.replace(LEASE_NAME, &post(), &lease).await {
            Ok(_) => Ok(Try::Held),
            Err(e) if is_conflict(&e) => Ok(Try::Other),
            Err(e) => Err(Error::api(format!("update Lease {LEASE_NAME}"))(e)),
        }
    }

    /// Waits until this controller holds the Lease.
    pub async fn acquire(&self) -> Result<()> {
        loop {
            if let Try::Held = self.try_take().await? {
                return Ok(());
            }
            tokio::time::sleep(self.duration / 3).await;
        }
    }

    /// Renews the Lease until it is lost; returns why.
    pub async fn hold(&self) -> Error {
        loop {
            tokio::time::sleep(self.duration / 3).await;
            match self.try_take().await {
                Ok(Try::Held) => {}
                Ok(Try::Other) => return Error::LostLease(LEASE_NAME.to_owned()),
                // A failed renewal is tried again until the Lease would expire.
                Err(e) => {
                    let give_up = tokio::time::sleep(self.duration / 2);
                    tokio::pin!(give_up);
                    loop {
                        tokio::select! {
                            () = &mut give_up => return e,
                            () = tokio::time::sleep(Duration::from_millis(500)) => {
                                if let Ok(Try::Held) = self.try_take().await {
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn post() -> PostParams {
    PostParams {
        field_manager: Some(MANAGER.to_owned()),
        ..PostParams::default()
    }
}
