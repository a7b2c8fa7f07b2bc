//! A minimal blocking connection pool: idle connections in a list, at most `max` open.
//! Enough for a store whose every call already runs on a blocking thread; a full pool
//! crate would bring its own runtime assumptions for little gain.

use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, PoisonError};

use crate::error::Result;

pub(crate) struct Pool<C> {
    state: Mutex<State<C>>,
    freed: Condvar,
    max: usize,
}

struct State<C> {
    idle: Vec<C>,
    open: usize,
}

impl<C> Pool<C> {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
            max: max.max(1),
        }
    }

    /// An idle connection, a new one from `connect` while under `max`, or else waits
    /// for one to come back. `usable` drops idle connections that broke.
    pub(crate) fn get(
        &self,
        usable: impl Fn(&C) -> bool,
        connect: impl FnOnce() -> Result<C>,
    ) -> Result<Pooled<'_, C>> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            while let Some(conn) = state.idle.pop() {
                if usable(&conn) {
                    return Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                    });
                }
                state.open -= 1;
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match connect() {
                    Ok(conn) => Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.forget();
                        Err(e)
                    }
                };
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Takes every idle connection out (to close them away from the async runtime).
    pub(crate) fn drain(&self) -> Vec<C> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.open -= state.idle.len();
        std::mem::take(&mut state.idle)
    }

    fn forget(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.open -= 1;
        self.freed.notify_one();
    }
}

/// A connection on loan; it goes back to the pool when dropped.
pub(crate) struct Pooled<'a, C> {
    pool: &'a Pool<C>,
    conn: Option<C>,
}

impl<C> Deref for Pooled<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.conn
            .as_ref()
            .expect("a pooled connection is present until dropped")
    }
}

impl<C> DerefMut for Pooled<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn
            .as_mut()
            .expect("a pooled connection is present until dropped")
    }
}

impl<C> Drop for Pooled<'_, C> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut state = self
                .pool
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            state.idle.push(conn);
            self.pool.freed.notify_one();
        }
    }
}
