//! A token bucket per client address: a client that asks too often gets 429 with
//! `Retry-After`, and the others are not slowed.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// How many clients are tracked at most; past it, buckets that are full again (clients
/// quiet for a while) are forgotten, then the oldest, so that many addresses cannot grow
/// the server's memory.
const MAX_CLIENTS: usize = 10_000;

/// Requests per second and the burst one client may use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests refilled per second.
    pub per_second: f64,
    /// The bucket's size: how many requests may come at once.
    pub burst: f64,
}

impl Default for RateLimit {
    /// 50 a second with bursts of 200: a web UI that loads a page with many requests
    /// passes, a script in a tight loop is slowed.
    fn default() -> Self {
        Self {
            per_second: 50.0,
            burst: 200.0,
        }
    }
}

/// The buckets. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Arc<Mutex<HashMap<IpAddr, (f64, Instant)>>>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Arc::default(),
        }
    }

    /// Takes one request from `client`'s bucket at `now`: `Ok`, or how many whole
    /// seconds until the next one is allowed.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let RateLimit { per_second, burst } = self.limit;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_second < burst
            });
            if buckets.len() >= MAX_CLIENTS
                && let Some(oldest) = buckets
                    .iter()
                    .min_by_key(|(_, (_, at))| *at)
                    .map(|(k, _)| *k)
            {
                buckets.remove(&oldest);
            }
        }
        let (tokens, at) = buckets.entry(client).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_second).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - *tokens) / per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// Middleware: one request from the peer's bucket, or 429. A request without a peer
/// address (a test calling the router directly) counts as 0.0.0.0.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    match state.limiter.take(peer, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(seconds) => ApiError::too_many_requests(seconds).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_empties_refills_and_is_per_client() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 2.0,
            burst: 3.0,
        });
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take(a, now), Ok(()));
        }
        assert_eq!(limiter.take(a, now), Err(1));
        assert_eq!(limiter.take(b, now), Ok(()), "another client is not slowed");
        assert_eq!(limiter.take(a, now + Duration::from_millis(500)), Ok(()));
    }

    #[test]
    fn many_clients_do_not_grow_memory_without_bound() {
        let limiter = RateLimiter::new(RateLimit::default());
        let now = Instant::now();
        for i in 0..(MAX_CLIENTS as u32 + 100) {
            limiter.take(IpAddr::from(i.to_be_bytes()), now).unwrap();
        }
        assert!(limiter.buckets.lock().unwrap().len() <= MAX_CLIENTS);
    }
}
