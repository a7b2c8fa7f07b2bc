//! korral-store's integration tests: one suite, run on SQLite always and on PostgreSQL
//! when `KORRAL_TEST_POSTGRES_URL` is set (scripts/test starts one).

mod util;

mod history; // versions, patches, objects at a time, changes
