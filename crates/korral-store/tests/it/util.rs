//! The harness: every test runs against SQLite (a temp file) and, when
//! `KORRAL_TEST_POSTGRES_URL` is set, PostgreSQL (a fresh schema per test, so tests are
//! independent and run in parallel). With `KORRAL_TEST_REQUIRE_POSTGRES=1` and no URL,
//! the PostgreSQL half fails instead of passing silently: CI skips nothing.

use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::Context as _;
use jiff::Timestamp;
use korral_core::{Object, Source};
use korral_store::{Change, ChangeKind, Store};
use serde_json::Value;

/// The PostgreSQL server to test against (`postgres://USER@HOST:PORT/DB`).
pub const POSTGRES_URL_ENV: &str = "KORRAL_TEST_POSTGRES_URL";
/// Set to `1` to make a missing PostgreSQL a failure.
pub const REQUIRE_POSTGRES_ENV: &str = "KORRAL_TEST_REQUIRE_POSTGRES";

/// Runs each named `async fn(TestDb) -> anyhow::Result<()>` on both backends, as
/// `NAME::sqlite` and `NAME::postgres`.
macro_rules! both {
    ($($test:ident),* $(,)?) => { $(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() -> anyhow::Result<()> {
                super::$test(crate::util::TestDb::sqlite().await?).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() -> anyhow::Result<()> {
                match crate::util::TestDb::postgres().await? {
                    Some(db) => super::$test(db).await,
                    None => Ok(()),
                }
            }
        }
    )* };
}
pub(crate) use both;

/// A store on a fresh database, removed when dropped.
pub struct TestDb {
    pub store: Store,
    /// The URL it was opened with (to open it again).
    pub url: String,
    /// The SQLite file, to read its raw bytes.
    pub sqlite_path: Option<std::path::PathBuf>,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL server and schema, dropped at the end.
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("korral.db");
        let url = format!("sqlite://{}", path.display());
        Ok(Self {
            store: Store::open(&url).await?,
            url,
            sqlite_path: Some(path),
            _dir: Some(dir),
            pg: None,
        })
    }

    pub async fn postgres() -> anyhow::Result<Option<Self>> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let Ok(server) = std::env::var(POSTGRES_URL_ENV) else {
            if std::env::var(REQUIRE_POSTGRES_ENV).is_ok_and(|v| v == "1") {
                anyhow::bail!(
                    "{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_URL_ENV} is not set: run the tests through scripts/test, which starts PostgreSQL"
                );
            }
            eprintln!("PostgreSQL half skipped: {POSTGRES_URL_ENV} is not set");
            return Ok(None);
        };
        let schema = format!(
            "t{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            Timestamp::now().as_millisecond() % 1_000_000
        );
        pg_admin(&server, format!("CREATE SCHEMA {schema}")).await?;
        let sep = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{sep}options=-csearch_path%3D{schema}");
        Ok(Some(Self {
            store: Store::open(&url).await?,
            url,
            sqlite_path: None,
            _dir: None,
            pg: Some((server, schema)),
        }))
    }

    /// Every text in the database's tables, for checks that something never reached it.
    pub async fn raw_text(&self) -> anyhow::Result<String> {
        if let Some(path) = &self.sqlite_path {
            // The file and its write-ahead log, byte for byte.
            let mut bytes = std::fs::read(path)?;
            if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
                bytes.extend(wal);
            }
            return Ok(String::from_utf8_lossy(&bytes).into_owned());
        }
        let (server, schema) = self.pg.clone().context("no database")?;
        tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
            let mut client = postgres::Client::connect(&server, postgres::NoTls)?;
            let mut all = String::new();
            for table in [
                "objects",
                "versions",
                "events",
                "snapshot_objects",
                "bookmarks",
                "clusters",
            ] {
                for row in client.query(
                    &format!("SELECT CAST(t.* AS TEXT) FROM {schema}.{table} t"),
                    &[],
                )? {
                    all.push_str(row.get::<_, &str>(0));
                    all.push('\n');
                }
            }
            Ok(all)
        })
        .await?
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, schema)) = self.pg.take() {
            // A thread of its own: the synchronous client must not run on the runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(mut client) = postgres::Client::connect(&server, postgres::NoTls) {
                    let _ = client.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
                }
            })
            .join();
        }
    }
}

async fn pg_admin(server: &str, sql: String) -> anyhow::Result<()> {
    let server = server.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut client = postgres::Client::connect(&server, postgres::NoTls)
            .with_context(|| format!("connecting to {POSTGRES_URL_ENV}"))?;
        client.batch_execute(&sql)?;
        Ok(())
    })
    .await?
}

/// An object from JSON.
pub fn obj(value: &Value) -> Object {
    Object::from_json(&value.to_string(), Source::default()).expect("test objects are valid")
}

/// A change at `at` seconds after a fixed epoch.
pub fn change(kind: ChangeKind, value: &Value, at: i64) -> Change {
    Change {
        kind,
        object: obj(value),
        at: t(at),
    }
}

/// The tests' epoch: a fixed time in the past (retention measures age from now).
pub const BASE: i64 = 1_760_000_000;

/// The tests' epoch plus `secs`.
pub fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(BASE + secs).expect("a valid time")
}

/// A ConfigMap with one data key.
pub fn config_map(name: &str, rv: u64, value: &str) -> Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"),
                     "resourceVersion": rv.to_string(), "labels": {"app": "web"}},
        "data": {"key": value},
    })
}
