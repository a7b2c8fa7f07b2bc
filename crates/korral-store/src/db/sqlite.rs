//! SQLite through rusqlite (bundled): a file in WAL mode, so readers never wait for the
//! writer, with a busy timeout so two writers (two korral processes) queue instead of
//! failing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::pool::Pool;
use super::{Dialect, Row, Tx, Val};
use crate::error::{Error, Result};

/// How long a writer waits for another process's write to finish before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections kept: one writer at a time, a few readers beside it.
const MAX_CONNECTIONS: usize = 4;

pub(crate) struct Sqlite {
    path: PathBuf,
    pool: Pool<Connection>,
}

impl Sqlite {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let db = Self {
            path: path.to_owned(),
            pool: Pool::new(MAX_CONNECTIONS),
        };
        // Connect once now, so a bad path fails at open rather than at first use.
        db.run(false, |_| Ok(()))?;
        Ok(db)
    }

    fn error(&self, e: &rusqlite::Error) -> Error {
        Error::Sqlite {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    fn connect(&self) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(|e| self.error(&e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| self.error(&e))?;
        // WAL: readers see the last commit while a write goes on. NORMAL sync is
        // durable across process crashes in WAL mode (a power cut may lose the last
        // commits, never corrupt the file), and many times faster than FULL.
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .map_err(|e| self.error(&e))?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    pub(crate) fn run<T>(
        &self,
        write: bool,
        f: impl FnOnce(&mut dyn Tx) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.pool.get(|_| true, || self.connect())?;
        let behavior = if write {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        };
        let tx = conn
            .transaction_with_behavior(behavior)
            .map_err(|e| self.error(&e))?;
        let mut stx = SqliteTx { tx, db: self };
        let value = f(&mut stx)?;
        stx.tx.commit().map_err(|e| self.error(&e))?;
        Ok(value)
    }
}

struct SqliteTx<'a> {
    tx: rusqlite::Transaction<'a>,
    db: &'a Sqlite,
}

/// `$1` → `?1`: SQLite reads `$1` as a *named* parameter numbered by first appearance,
/// which would bind wrongly when the numbers are not in order.
fn sqlite_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Val::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
        })
    }
}

fn read_row(row: &rusqlite::Row<'_>, columns: usize) -> rusqlite::Result<Row> {
    let mut values = Vec::with_capacity(columns);
    for i in 0..columns {
        values.push(match row.get_ref(i)? {
            ValueRef::Null => Val::Null,
            ValueRef::Integer(v) => Val::Int(v),
            // Sums and casts may come back as reals; the schema holds none.
            ValueRef::Real(v) => Val::Int(v as i64),
            ValueRef::Text(v) | ValueRef::Blob(v) => {
                Val::Text(String::from_utf8_lossy(v).into_owned())
            }
        });
    }
    Ok(Row(values))
}

impl Tx for SqliteTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64> {
        let mut stmt = self
            .tx
            .prepare_cached(&sqlite_sql(sql))
            .map_err(|e| self.db.error(&e))?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params))
            .map_err(|e| self.db.error(&e))?;
        Ok(n as u64)
    }

    fn query_each(
        &mut self,
        sql: &str,
        params: &[Val],
        each: &mut dyn FnMut(Row) -> Result<bool>,
    ) -> Result<()> {
        let db = self.db;
        let mut stmt = self
            .tx
            .prepare_cached(&sqlite_sql(sql))
            .map_err(|e| db.error(&e))?;
        let columns = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(|e| db.error(&e))?;
        while let Some(row) = rows.next().map_err(|e| db.error(&e))? {
            let row = read_row(row, columns).map_err(|e| db.error(&e))?;
            if !each(row)? {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_sql;

    #[test]
    fn parameters_are_numbered_for_sqlite() {
        assert_eq!(
            sqlite_sql("SELECT $2, $10 WHERE a = '$' AND b = $1"),
            "SELECT ?2, ?10 WHERE a = '$' AND b = ?1"
        );
    }
}
