//! PostgreSQL through the synchronous `postgres` client, which runs its connection on a
//! small runtime of its own: the store calls it from blocking threads, like SQLite, so one
//! copy of the store's logic serves both.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::str::FromStr;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, Config, NoTls, Statement};

use super::pool::Pool;
use super::{Dialect, Row, Tx, Val};
use crate::error::{Error, Result};

/// Connections kept per store (per server replica).
const MAX_CONNECTIONS: usize = 4;

pub(crate) struct Conn {
    client: Client,
    /// Statements prepared on this connection, by text: a prepared statement saves a
    /// round trip per execution, which is most of the cost of small inserts.
    statements: HashMap<String, Statement>,
}

pub(crate) struct Postgres {
    config: Config,
    /// `HOST:PORT/DB`, the only part of the URL that errors show.
    target: String,
    /// The password, removed from any message that might echo it.
    password: Option<String>,
    pool: Pool<Conn>,
}

impl Postgres {
    pub(crate) fn open(url: &str) -> Result<Self> {
        let config = Config::from_str(url).map_err(|e| Error::InvalidUrl {
            url: crate::url::redact(url),
            reason: e.to_string(),
        })?;
        let host = config.get_hosts().first().map_or_else(
            || "localhost".into(),
            |h| match h {
                postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(path) => path.display().to_string(),
            },
        );
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let target = format!(
            "{host}:{port}/{}",
            config.get_dbname().or(config.get_user()).unwrap_or("")
        );
        let password = config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .filter(|p| !p.is_empty());
        let db = Self {
            config,
            target,
            password,
            pool: Pool::new(MAX_CONNECTIONS),
        };
        db.run(|_| Ok(()))?;
        Ok(db)
    }

    fn error(&self, e: &postgres::Error) -> Error {
        let mut message = e.to_string();
        if let Some(password) = &self.password {
            message = message.replace(password.as_str(), "***");
        }
        Error::Postgres {
            target: self.target.clone(),
            message,
        }
    }

    fn connect(&self) -> Result<Conn> {
        let client = self.config.connect(NoTls).map_err(|e| self.error(&e))?;
        Ok(Conn {
            client,
            statements: HashMap::new(),
        })
    }

    pub(crate) fn run<T>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self
            .pool
            .get(|c| !c.client.is_closed(), || self.connect())?;
        // A connection that broke is closed by the client and replaced by `get` next
        // time (`is_closed`); this call reports the error.
        let Conn { client, statements } = &mut *conn;
        let tx = client.transaction().map_err(|e| self.error(&e))?;
        let mut ptx = PgTx {
            tx,
            statements,
            db: self,
        };
        let value = f(&mut ptx)?;
        ptx.tx.commit().map_err(|e| self.error(&e))?;
        Ok(value)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Closing a connection blocks on the client's own runtime, which panics inside
        // an async context: close them on a thread of their own.
        let conns = self.pool.drain();
        if !conns.is_empty() {
            std::thread::spawn(move || drop(conns));
        }
    }
}

struct PgTx<'a> {
    tx: postgres::Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
    db: &'a Postgres,
}

impl PgTx<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(stmt) = self.statements.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.tx.prepare(sql).map_err(|e| self.db.error(&e))?;
        self.statements.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }
}

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(v) => match *ty {
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Val::Text(v) => v.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn read_row(row: &postgres::Row) -> std::result::Result<Row, postgres::Error> {
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let value = match *column.type_() {
            Type::INT8 => row.try_get::<_, Option<i64>>(i)?.into(),
            Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map(i64::from).into(),
            Type::INT2 => row.try_get::<_, Option<i16>>(i)?.map(i64::from).into(),
            Type::BOOL => row.try_get::<_, Option<bool>>(i)?.into(),
            // Text, and anything else the store's own queries do not produce.
            _ => row.try_get::<_, Option<String>>(i)?.into(),
        };
        values.push(value);
    }
    Ok(Row(values))
}

fn as_params(params: &[Val]) -> impl ExactSizeIterator<Item = &dyn ToSql> {
    params.iter().map(|p| p as &dyn ToSql)
}

impl Tx for PgTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64> {
        let stmt = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        self.tx
            .execute(&stmt, &params)
            .map_err(|e| self.db.error(&e))
    }

    fn query_each(
        &mut self,
        sql: &str,
        params: &[Val],
        each: &mut dyn FnMut(Row) -> Result<bool>,
    ) -> Result<()> {
        let stmt = self.statement(sql)?;
        let db = self.db;
        let mut rows = self
            .tx
            .query_raw(&stmt, as_params(params))
            .map_err(|e| db.error(&e))?;
        while let Some(row) = rows.next().map_err(|e| db.error(&e))? {
            let row = read_row(&row).map_err(|e| db.error(&e))?;
            if !each(row)? {
                break;
            }
        }
        Ok(())
    }
}
