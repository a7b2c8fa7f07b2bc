//! One small interface over both databases: statements with `$1`-style parameters run in
//! a transaction on a blocking thread. The store's logic is written once against [`Tx`].

mod pool;
mod postgres;
mod sqlite;

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::url::Location;

/// A parameter or a column value. Integers and text are all the schema uses (times are
/// microseconds since the Unix epoch, flags are 0/1, bodies are JSON text), which keeps
/// the two backends' types the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Val {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<bool> for Val {
    fn from(value: bool) -> Self {
        Self::Int(i64::from(value))
    }
}

impl From<&str> for Val {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<String> for Val {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<&String> for Val {
    fn from(value: &String) -> Self {
        Self::Text(value.clone())
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub(crate) struct Row(pub(crate) Vec<Val>);

impl Row {
    pub(crate) fn int(&self, i: usize) -> Result<i64> {
        match self.0.get(i) {
            Some(Val::Int(v)) => Ok(*v),
            other => Err(Error::corrupt(format!(
                "column {i} is {other:?}, not a number"
            ))),
        }
    }

    pub(crate) fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.0.get(i) {
            Some(Val::Null) => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    pub(crate) fn text(&self, i: usize) -> Result<&str> {
        match self.0.get(i) {
            Some(Val::Text(v)) => Ok(v),
            other => Err(Error::corrupt(format!("column {i} is {other:?}, not text"))),
        }
    }

    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<&str>> {
        match self.0.get(i) {
            Some(Val::Null) => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    /// Takes a text column out of the row without copying it.
    pub(crate) fn take_text(&mut self, i: usize) -> Result<String> {
        match self.0.get_mut(i).map(|v| std::mem::replace(v, Val::Null)) {
            Some(Val::Text(v)) => Ok(v),
            other => Err(Error::corrupt(format!("column {i} is {other:?}, not text"))),
        }
    }
}

/// Which SQL a statement must be written in, where the two differ (a few catalogue
/// queries; everything else is common SQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// A transaction. Statements use `$1`, `$2`… for parameters (the SQLite side rewrites
/// them to `?1`); prepared statements are cached per connection.
pub(crate) trait Tx {
    fn dialect(&self) -> Dialect;
    /// Runs a statement, returning the rows it changed.
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64>;
    /// Streams rows to `each` until it returns `false`.
    fn query_each(
        &mut self,
        sql: &str,
        params: &[Val],
        each: &mut dyn FnMut(Row) -> Result<bool>,
    ) -> Result<()>;

    /// Every row.
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        let mut rows = Vec::new();
        self.query_each(sql, params, &mut |row| {
            rows.push(row);
            Ok(true)
        })?;
        Ok(rows)
    }

    /// The first row, if any.
    fn query_opt(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>> {
        let mut first = None;
        self.query_each(sql, params, &mut |row| {
            first = Some(row);
            Ok(false)
        })?;
        Ok(first)
    }
}

/// An open database: a pool of connections of one backend.
pub(crate) enum Db {
    Sqlite(sqlite::Sqlite),
    // Boxed: its parsed configuration is large, and there is one per store.
    Postgres(Box<postgres::Postgres>),
}

impl Db {
    /// Connects (creating the SQLite file and its folder if missing).
    pub(crate) fn open(location: &Location) -> Result<Self> {
        match location {
            Location::Sqlite(path) => sqlite::Sqlite::open(path).map(Db::Sqlite),
            Location::Postgres(url) => {
                postgres::Postgres::open(url).map(|p| Db::Postgres(Box::new(p)))
            }
        }
    }

    /// Runs `f` in one transaction on the calling (blocking) thread. `write` takes
    /// SQLite's write lock up front, so two writers wait for each other (busy timeout)
    /// instead of failing when a read lock would have to be upgraded.
    pub(crate) fn run<T>(
        &self,
        write: bool,
        f: impl FnOnce(&mut dyn Tx) -> Result<T>,
    ) -> Result<T> {
        match self {
            Db::Sqlite(db) => db.run(write, f),
            Db::Postgres(db) => db.run(f),
        }
    }
}

/// Runs `f` on a blocking thread in one transaction: SQLite and the synchronous
/// PostgreSQL client must never block the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    db: &Arc<Db>,
    write: bool,
    f: impl FnOnce(&mut dyn Tx) -> Result<T> + Send + 'static,
) -> Result<T> {
    let db = Arc::clone(db);
    tokio::task::spawn_blocking(move || db.run(write, f))
        .await
        .map_err(|e| Error::Task(e.to_string()))?
}
