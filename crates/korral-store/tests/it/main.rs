//! korral-store's integration tests: one suite, run on SQLite always and on PostgreSQL
//! when `KORRAL_TEST_POSTGRES_URL` is set (scripts/test starts one).

mod util;

mod churn; // changes that tell nothing are dropped, each kind with a stored twin
mod errors; // locations, passwords in messages, migrations, concurrent writers
mod events; // deduplication across API groups, filters
mod history; // versions, patches, objects at a time, changes, managers
mod resync; // relists, bookmarks, clusters
mod retention; // by age and size, rebasing, the background task
mod secrets; // no Secret value in the database
mod snapshots; // named copies that survive retention
