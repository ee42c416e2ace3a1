//! The database's files on disk: whether they are still the ones the store opened, and
//! how much space their filesystem has left.
//!
//! SQLite keeps writing into open files even after they were deleted or replaced (a
//! restore copied over them, a cleanup that removed `didhub.db*`): commits then succeed
//! and vanish with the last handle. So the store notes the device and inode of
//! `didhub.db`, `-wal` and `-shm` once open, and the writer compares them with what the
//! paths name now before every batch and again before it acknowledges one (a `stat`
//! each, about a microsecond). A mismatch refuses writes with
//! [`FaultReason::FileReplaced`] until the paths name the open files again.

use std::path::{Path, PathBuf};

use crate::store::{Fault, FaultReason};

/// Device and inode.
type Identity = (u64, u64);

/// The database's files, as opened.
#[derive(Debug)]
pub struct DatabaseFiles {
    /// Each file's path and its identity when the store opened it (`None`: absent then).
    files: Vec<(PathBuf, Option<Identity>)>,
    /// The directory that holds them, whose filesystem's free space is measured.
    directory: PathBuf,
}

impl DatabaseFiles {
    /// Notes the identity of `database` and of its `-wal` and `-shm` files, as they are
    /// now: call it once every connection of the store is open.
    pub fn note(database: &Path) -> DatabaseFiles {
        let with_suffix = |suffix: &str| {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        };
        let files = [
            database.to_owned(),
            with_suffix("-wal"),
            with_suffix("-shm"),
        ]
        .into_iter()
        .map(|path| {
            let identity = identity(&path);
            (path, identity)
        })
        .collect();
        let directory = match database.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        DatabaseFiles { files, directory }
    }

    /// `Ok` while every path still names the file the store opened.
    pub fn check_intact(&self) -> Result<(), String> {
        for (path, opened) in &self.files {
            let Some(opened) = opened else { continue };
            match identity(path) {
                Some(now) if now == *opened => {}
                Some(_) => return Err(format!("{} was replaced", path.display())),
                None => return Err(format!("{} was deleted", path.display())),
            }
        }
        Ok(())
    }

    /// [`DatabaseFiles::check_intact`] as a fault that failed a write (counted).
    pub fn refuse_unless_intact(&self) -> Result<(), Fault> {
        self.check_intact()
            .map_err(|detail| Fault::failed(FaultReason::FileReplaced, detail))
    }

    /// Bytes free for this process on the database's filesystem, if it can be asked.
    pub fn free_bytes(&self) -> Option<u64> {
        free_bytes(&self.directory)
    }
}

#[cfg(unix)]
fn identity(path: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Elsewhere only presence is checked.
#[cfg(not(unix))]
fn identity(path: &Path) -> Option<Identity> {
    path.exists().then_some((0, 0))
}

#[cfg(unix)]
fn free_bytes(directory: &Path) -> Option<u64> {
    let stats = rustix::fs::statvfs(directory).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_directory: &Path) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_in(dir: &Path) -> (PathBuf, DatabaseFiles) {
        let db = dir.join("x.db");
        for suffix in ["", "-wal", "-shm"] {
            std::fs::write(dir.join(format!("x.db{suffix}")), b"x").unwrap();
        }
        let files = DatabaseFiles::note(&db);
        (db, files)
    }

    #[test]
    fn files_that_stay_are_intact_and_their_filesystem_has_space() {
        let dir = tempfile::tempdir().unwrap();
        let (_, files) = files_in(dir.path());
        assert_eq!(files.check_intact(), Ok(()));
        assert!(files.free_bytes().unwrap() > 0);
    }

    #[test]
    fn a_deleted_wal_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let (db, files) = files_in(dir.path());
        std::fs::remove_file(dir.path().join("x.db-wal")).unwrap();
        let refused = files.refuse_unless_intact().unwrap_err();
        assert_eq!(refused.reason, FaultReason::FileReplaced);
        assert!(
            refused.detail.ends_with("x.db-wal was deleted"),
            "{refused}"
        );
        assert!(db.exists());
    }

    #[test]
    fn a_replaced_database_is_noticed_and_putting_it_back_heals() {
        let dir = tempfile::tempdir().unwrap();
        let (db, files) = files_in(dir.path());
        let aside = dir.path().join("aside.db");
        std::fs::rename(&db, &aside).unwrap();
        std::fs::write(&db, b"a copy").unwrap();
        assert!(
            files
                .check_intact()
                .unwrap_err()
                .ends_with("x.db was replaced")
        );
        std::fs::rename(&aside, &db).unwrap();
        assert_eq!(files.check_intact(), Ok(()));
    }
}
