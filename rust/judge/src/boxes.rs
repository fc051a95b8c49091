//! Sandbox identities ("boxes", after isolate's box ids), shared by every pysynth process on the
//! host.
//!
//! A box is one unprivileged uid (which is also its gid) from a configured range. Whoever holds
//! the box's lock file (`flock`, exclusive) owns the uid and the cgroups named after it; the
//! kernel drops the lock when the owner dies, so a crashed judge never leaks a box, and no two
//! live judges (threads or processes) ever share a uid: `RLIMIT_NPROC`, cgroup counters and
//! leftover processes stay per box. Only the owner cleans up what carries its box's name.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::JudgeError;

/// Where the lock files live: one root-only directory per host.
pub const LOCK_DIR: &str = "/run/pysynth-judge";

/// The uids boxes are taken from: `first .. first + count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UidRange {
    pub first: u32,
    pub count: u32,
}

impl Default for UidRange {
    fn default() -> Self {
        Self { first: 60_000, count: 1_000 }
    }
}

/// An owned box: its uid, held by the lock until this value drops.
#[derive(Debug)]
pub struct SandboxBox {
    pub uid: u32,
    _lock: File,
}

fn lock_dir() -> Result<PathBuf, JudgeError> {
    let dir = PathBuf::from(LOCK_DIR);
    match fs::create_dir(&dir) {
        Ok(()) => fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| JudgeError::Sandbox(format!("cannot protect {LOCK_DIR}: {e}")))?,
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(JudgeError::Sandbox(format!("cannot create {LOCK_DIR}: {error}"))),
    }
    // Someone else's directory (or a link to one) would let them hand out our uids.
    let meta = fs::symlink_metadata(&dir).map_err(|e| JudgeError::Sandbox(format!("{LOCK_DIR}: {e}")))?;
    if !meta.is_dir() || meta.uid() != 0 || meta.mode() & 0o022 != 0 {
        return Err(JudgeError::Sandbox(format!("{LOCK_DIR} must be a directory owned by root and writable by root alone")));
    }
    Ok(dir)
}

fn try_lock(dir: &Path, uid: u32) -> Result<Option<File>, JudgeError> {
    let path = dir.join(format!("uid-{uid}.lock"));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| JudgeError::Sandbox(format!("cannot open the box lock {}: {e}", path.display())))?;
    // SAFETY: flock on a descriptor we own.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(Some(file));
    }
    let error = io::Error::last_os_error();
    if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(None)
    } else {
        Err(JudgeError::Sandbox(format!("cannot lock {}: {error}", path.display())))
    }
}

/// Takes box `uid` if nobody holds it.
pub fn try_acquire(uid: u32) -> Result<Option<SandboxBox>, JudgeError> {
    Ok(try_lock(&lock_dir()?, uid)?.map(|lock| SandboxBox { uid, _lock: lock }))
}

/// Takes a free box of `range`. Processes start their search at different places, so they rarely
/// contend for the same lock files.
pub fn acquire(range: UidRange) -> Result<SandboxBox, JudgeError> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    if range.count == 0 {
        return Err(JudgeError::Config("the sandbox uid range is empty".into()));
    }
    let dir = lock_dir()?;
    let start = std::process::id().wrapping_mul(2_654_435_761).wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed));
    for step in 0..range.count {
        let uid = range.first + (start.wrapping_add(step)) % range.count;
        if let Some(lock) = try_lock(&dir, uid)? {
            return Ok(SandboxBox { uid, _lock: lock });
        }
    }
    Err(JudgeError::Sandbox(format!(
        "all {} sandbox uids ({}..{}) are in use by running judges",
        range.count,
        range.first,
        range.first + range.count
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_root() -> bool {
        // SAFETY: no preconditions.
        unsafe { libc::geteuid() == 0 }
    }

    #[test]
    fn live_boxes_never_share_a_uid_and_a_dropped_box_is_free_again() {
        if !is_root() {
            return; // the lock directory is root's; the Python suite runs as root
        }
        let range = UidRange { first: 64_000, count: 3 };
        let boxes: Vec<SandboxBox> = (0..3).map(|_| acquire(range).unwrap()).collect();
        let mut uids: Vec<u32> = boxes.iter().map(|b| b.uid).collect();
        uids.sort();
        assert_eq!(uids, [64_000, 64_001, 64_002]);
        assert!(matches!(acquire(range), Err(JudgeError::Sandbox(message)) if message.contains("in use")));
        drop(boxes);
        assert!(acquire(range).is_ok(), "dropping a box releases its uid");
    }
}
