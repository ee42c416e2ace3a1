//! The embedded SQLite backend (work in progress).
use std::path::Path;

use super::{StoreOptions, StoreResult};

pub struct SqliteStore;

impl SqliteStore {
    pub async fn open(_path: &Path, _options: StoreOptions) -> StoreResult<SqliteStore> {
        todo!()
    }
}
