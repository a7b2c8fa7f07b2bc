//! Who may ask: one bearer token, and short-lived one-use tickets for browsers'
//! WebSockets.
//!
//! Every `/api` request carries `Authorization: Bearer TOKEN`. A browser cannot set that
//! header on a WebSocket, so it asks `POST /api/v1/ws-ticket` (with the header) for a
//! ticket and opens `/api/v1/watch?ticket=…`: the ticket works once, within
//! [`TICKET_TTL`], so the long-lived token never appears in a URL (URLs end up in logs
//! and histories).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::error::ApiError;
use crate::state::AppState;

/// How long a WebSocket ticket is good for.
pub const TICKET_TTL: Duration = Duration::from_secs(30);

/// How many tickets may wait to be used at once; past it the oldest are dropped, so a
/// client that asks for tickets in a loop cannot grow the server's memory.
const MAX_TICKETS: usize = 1024;

/// The token, and the tickets handed out. Cheap to clone.
#[derive(Clone)]
pub struct Auth {
    /// The token's SHA-256: comparing digests of equal length in constant time says
    /// nothing about the token, not even its length.
    digest: Arc<[u8; 32]>,
    tickets: Arc<Mutex<HashMap<[u8; 32], Instant>>>,
}

impl Default for Auth {
    /// A random token nobody knows: state built without a token refuses every request.
    fn default() -> Self {
        Self::new(&random_hex())
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Auth { .. }")
    }
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

impl Auth {
    /// Accepts `token` as the bearer token.
    pub fn new(token: &str) -> Self {
        Self {
            digest: Arc::new(digest(token)),
            tickets: Arc::default(),
        }
    }

    /// Whether `token` is the token (in constant time).
    pub fn is_token(&self, token: &str) -> bool {
        bool::from(digest(token).ct_eq(&*self.digest))
    }

    /// A new ticket, good once within [`TICKET_TTL`].
    pub fn issue_ticket(&self) -> String {
        let ticket = random_hex();
        let now = Instant::now();
        let mut tickets = self
            .tickets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tickets.retain(|_, issued| now.duration_since(*issued) < TICKET_TTL);
        if tickets.len() >= MAX_TICKETS
            && let Some(oldest) = tickets.iter().min_by_key(|(_, at)| **at).map(|(k, _)| *k)
        {
            tickets.remove(&oldest);
        }
        tickets.insert(digest(&ticket), now);
        ticket
    }

    /// Uses up `ticket`: true once, if it was issued less than [`TICKET_TTL`] ago.
    pub fn redeem_ticket(&self, ticket: &str) -> bool {
        self.redeem_ticket_at(ticket, Instant::now())
    }

    fn redeem_ticket_at(&self, ticket: &str, now: Instant) -> bool {
        let mut tickets = self
            .tickets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Looked up by digest: the map's hashing of a secret string is then no oracle.
        tickets
            .remove(&digest(ticket))
            .is_some_and(|issued| now.duration_since(issued) < TICKET_TTL)
    }
}

/// 32 random bytes from the operating system, as hex.
fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().fold(String::with_capacity(64), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// The bearer token in `Authorization`, if it is one.
fn bearer(request: &Request) -> Option<&str> {
    let value = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The `ticket` query parameter of a WebSocket request.
fn ticket(request: &Request) -> Option<String> {
    let query = request.uri().query()?;
    let params: Vec<(String, String)> = serde_urlencoded_pairs(query);
    params
        .into_iter()
        .find(|(k, _)| k == "ticket")
        .map(|(_, v)| v)
}

/// A query string's pairs, as axum's `Query` reads them.
fn serde_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{query}").parse().unwrap_or_default(),
    )
    .map(|q| q.0)
    .unwrap_or_default()
}

/// The path of the WebSocket endpoint, the one place a ticket is accepted.
pub const WATCH_PATH: &str = "/api/v1/watch";

/// Middleware on `/api`: a request without the token (or, for the WebSocket, a good
/// ticket) gets 401 and goes no further. The answer never repeats what was sent.
pub async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let allowed = match bearer(&request) {
        Some(token) => state.auth.is_token(token),
        None if request.uri().path() == WATCH_PATH => {
            ticket(&request).is_some_and(|t| state.auth.redeem_ticket(&t))
        }
        None => false,
    };
    if allowed {
        return next.run(request).await;
    }
    let message = if request.headers().contains_key(AUTHORIZATION) {
        "the bearer token is not the server's; use the token `korral serve` printed or the one in its token file"
    } else {
        "a bearer token is required: send `Authorization: Bearer TOKEN` (the token `korral serve` printed, or the one in its token file); a browser's WebSocket uses a ticket from POST /api/v1/ws-ticket"
    };
    let mut response = axum::response::IntoResponse::into_response(ApiError::unauthorized(message));
    response.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Bearer realm=\"korral\""),
    );
    response
}

/// Where `korral serve` keeps its token unless told otherwise:
/// `<user config dir>/korral/serve-token`.
pub fn default_token_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("korral").join("serve-token"))
}

/// The token in `path`, created (mode 0600, written to a temporary file and renamed)
/// when the file does not exist yet. Returns the token and whether it was created.
pub fn load_or_create_token(path: &Path) -> std::io::Result<(String, bool)> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let token = text.trim().to_owned();
            if token.len() < 16 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "the token file `{}` holds fewer than 16 characters; put a long random token in it, or delete it to have one made",
                        path.display()
                    ),
                ));
            }
            Ok((token, false))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let token = random_hex();
            write_private(path, &token)?;
            Ok((token, true))
        }
        Err(err) => Err(err),
    }
}

/// Writes `text` to `path` readable by its owner only, whole or not at all.
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile_in(dir)?;
    file.1.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        file.1.write_all(b"\n")?;
    }
    file.1.sync_all()?;
    std::fs::rename(&file.0, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&file.0);
    })
}

/// A new file beside the target, created with mode 0600 from the start (never
/// readable by others, even for a moment).
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let path = dir.join(format!(".korral-serve.{}.tmp", &random_hex()[..12]));
    let file = options.open(&path)?;
    Ok((path, file))
}

/// Whether others than the owner may read the file at `path` (unix only).
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_works_once() {
        let auth = Auth::new("0123456789abcdef0123");
        let ticket = auth.issue_ticket();
        assert!(auth.redeem_ticket(&ticket));
        assert!(!auth.redeem_ticket(&ticket), "a second use is refused");
        assert!(!auth.redeem_ticket("not-a-ticket"));
    }

    #[test]
    fn a_ticket_expires() {
        let auth = Auth::new("0123456789abcdef0123");
        let ticket = auth.issue_ticket();
        let later = Instant::now() + TICKET_TTL + Duration::from_millis(1);
        assert!(!auth.redeem_ticket_at(&ticket, later));
    }

    #[test]
    fn tickets_waiting_are_bounded() {
        let auth = Auth::new("0123456789abcdef0123");
        let first = auth.issue_ticket();
        for _ in 0..MAX_TICKETS {
            auth.issue_ticket();
        }
        assert_eq!(auth.tickets.lock().unwrap().len(), MAX_TICKETS);
        assert!(!auth.redeem_ticket(&first), "the oldest was dropped");
    }

    #[test]
    fn the_token_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/serve-token");
        let (token, created) = load_or_create_token(&path).unwrap();
        assert!(created);
        assert_eq!(token.len(), 64);
        assert!(!readable_by_others(&path));
        let (again, created) = load_or_create_token(&path).unwrap();
        assert_eq!((again, created), (token, false));
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left");
    }

    #[test]
    fn a_short_token_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        std::fs::write(&path, "short\n").unwrap();
        let err = load_or_create_token(&path).unwrap_err();
        assert!(err.to_string().contains("fewer than 16"), "{err}");
    }
}
