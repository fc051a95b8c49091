//! The directories of a pool and of each call (a lease), and every file operation root makes in
//! them.
//!
//! On the host: `<scratch>/pysynth-judge-XXXXXX/` (the pool, `mkdtemp`, mode 0700, root's) holds
//! one `lease-XXXXXX/` per call (`mkdtemp`, then 0711). Sandboxed workers see the pool directory
//! at `/.leases`, which their uid cannot traverse, and each run gets its own lease's directory
//! bound at `/work`. A lease holds:
//!
//! - `tests/<t>.in` (root, 0600): inputs, opened by root for the run;
//! - `sol-<s>/` : the source; handed to the compiling box's uid for the compile, then sealed
//!   (root's, 0755, everything but the source and the artifact removed, no link followed);
//! - `slot-<w>/out`, `slot-<w>/err` (root, 0600): the current run's stdout and stderr on worker
//!   `w`, written by the program through descriptors; `slot-<w>/check/` the checker's files;
//! - `outs/<t>-<s>`: outputs kept for the vote (see `judge.rs`), moved there by rename.
//!
//! Root only ever writes into directories no sandboxed uid can write, except when sealing, which
//! works on descriptors opened with `O_NOFOLLOW` and never follows a link.

use std::ffi::{CStr, CString};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{internal, JudgeError};
use crate::mounts::{LEASES_DIR, WORK_DIR};
use crate::spec::FaultPoint;

/// `mkdtemp(parent/prefixXXXXXX)`: a new directory with a random name, mode 0700.
fn make_temp_dir(parent: &Path, prefix: &str) -> io::Result<PathBuf> {
    let template = CString::new(parent.join(format!("{prefix}XXXXXX")).as_os_str().as_bytes()).map_err(io::Error::other)?;
    let mut bytes = template.into_bytes_with_nul();
    // SAFETY: a writable NUL-terminated template that mkdtemp fills in place.
    let made = unsafe { libc::mkdtemp(bytes.as_mut_ptr().cast()) };
    if made.is_null() {
        return Err(io::Error::last_os_error());
    }
    let path = CStr::from_bytes_with_nul(&bytes).map_err(io::Error::other)?;
    Ok(PathBuf::from(std::ffi::OsStr::from_bytes(path.to_bytes())))
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).mode(mode).custom_flags(libc::O_NOFOLLOW).open(path)?;
    file.write_all(bytes)?;
    // create_new honours the umask; the mode must be exact.
    file.set_permissions(fs::Permissions::from_mode(mode))
}

fn make_dir(path: &Path, mode: u32) -> io::Result<()> {
    fs::create_dir(path)?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

/// The pool's directory; removed with everything in it when the pool goes. It holds the
/// owner's lock (`owner.lock`, flock'd for the pool's life): a pool directory whose lock nobody
/// holds was left by a judge that died (SIGKILL), and the next pool made beside it removes it.
pub struct PoolDir {
    pub path: PathBuf,
    owner: u32,
    _lock: File,
}

const POOL_PREFIX: &str = "pysynth-judge-";
const OWNER_LOCK: &str = "owner.lock";

fn lock_file(path: &Path, create: bool) -> io::Result<File> {
    OpenOptions::new().read(true).write(true).create(create).truncate(false).mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC).open(path)
}

fn try_flock(file: &File) -> bool {
    // SAFETY: flock on a descriptor we own.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// Removes pool directories in `scratch` whose owner died (nobody holds their lock).
fn sweep_abandoned(scratch: &Path) {
    // SAFETY: geteuid has no preconditions. Only our own user's pool directories are ours to clear.
    let owner = unsafe { libc::geteuid() };
    let Ok(entries) = fs::read_dir(scratch) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Ok(meta) = fs::symlink_metadata(entry.path()) else { continue };
        if !name.starts_with(POOL_PREFIX) || name.len() != POOL_PREFIX.len() + 6 || !meta.is_dir() || meta.uid() != owner {
            continue;
        }
        // Young directories are left alone: their owner may be between mkdtemp and its flock.
        let age = meta.modified().ok().and_then(|m| m.elapsed().ok()).map_or(0, |age| age.as_secs());
        let abandoned = age > 5
            && match lock_file(&entry.path().join(OWNER_LOCK), false) {
                Ok(lock) => try_flock(&lock),
                Err(_) => age > 600,
            };
        if abandoned {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

impl PoolDir {
    pub fn create(scratch: &Path) -> Result<Self, JudgeError> {
        let context = |e: io::Error| internal(&format!("creating a pool directory in {}", scratch.display()), e);
        sweep_abandoned(scratch);
        let path = make_temp_dir(scratch, POOL_PREFIX).map_err(context)?;
        let lock = lock_file(&path.join(OWNER_LOCK), true).map_err(context)?;
        if !try_flock(&lock) {
            return Err(internal("locking a new pool directory", io::Error::last_os_error()));
        }
        Ok(Self { path, owner: std::process::id(), _lock: lock })
    }
}

impl Drop for PoolDir {
    fn drop(&mut self) {
        if std::process::id() == self.owner {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

pub struct Lease {
    dir: PathBuf,
    name: String,
    sandboxed: bool,
    fault: Option<FaultPoint>,
    owner: u32,
}

impl Lease {
    /// A new lease directory in `pool` with the sources, the inputs and `slots` worker slots.
    pub fn create(pool: &PoolDir, sandboxed: bool, fault: Option<FaultPoint>, sources: &[(&str, &str)], inputs: &[&[u8]], slots: usize) -> Result<Self, JudgeError> {
        let dir = make_temp_dir(&pool.path, "lease-").map_err(|e| internal("creating a lease directory", e))?;
        let name = dir.file_name().expect("mkdtemp names a child").to_string_lossy().into_owned();
        let lease = Self { dir, name, sandboxed, fault, owner: std::process::id() };
        let populate = || -> io::Result<()> {
            fs::set_permissions(&lease.dir, fs::Permissions::from_mode(0o711))?;
            make_dir(&lease.dir.join("tests"), 0o700)?;
            make_dir(&lease.dir.join("outs"), 0o700)?;
            for (index, (file_name, source)) in sources.iter().enumerate() {
                let dir = lease.dir.join(format!("sol-{index}"));
                make_dir(&dir, 0o755)?;
                write_new(&dir.join(file_name), source.as_bytes(), 0o644)?;
            }
            for (index, input) in inputs.iter().enumerate() {
                write_new(&lease.dir.join(format!("tests/{index}.in")), input, 0o600)?;
            }
            for slot in 0..slots {
                let dir = lease.dir.join(format!("slot-{slot}"));
                make_dir(&dir, 0o711)?;
                make_dir(&dir.join("check"), 0o755)?;
            }
            Ok(())
        };
        populate().map_err(|e| internal("preparing the lease directory", e))?;
        Ok(lease)
    }

    /// The lease's directory as the pool's workers see it (bound at `/work` for each run).
    pub fn source_in_sandbox(&self) -> String {
        format!("{LEASES_DIR}/{}", self.name)
    }

    /// A lease path as a running program sees it.
    pub fn program_path(&self, relative: &str) -> String {
        if self.sandboxed {
            format!("{WORK_DIR}/{relative}")
        } else {
            self.host(relative).to_string_lossy().into_owned()
        }
    }

    /// A lease path as the zygote (root, in the worker's namespaces, not a run's) sees it.
    pub fn zygote_path(&self, relative: &str) -> String {
        if self.sandboxed {
            format!("{}/{relative}", self.source_in_sandbox())
        } else {
            self.host(relative).to_string_lossy().into_owned()
        }
    }

    pub fn host(&self, relative: &str) -> PathBuf {
        self.dir.join(relative)
    }

    /// Hands a solution's directory to `uid` for its compile.
    pub fn lend(&self, solution: usize, uid: u32) -> Result<(), JudgeError> {
        let dir = self.host(&format!("sol-{solution}"));
        std::os::unix::fs::chown(&dir, Some(uid), Some(uid)).map_err(|e| internal("lending a solution directory to its compile", e))
    }

    /// Takes a compiled solution's directory back: root's and read-only to everyone, holding
    /// only `keep` (the source and the artifact) as regular, singly linked files.
    pub fn seal(&self, solution: usize, keep: &[&str]) -> Result<(), JudgeError> {
        if self.fault == Some(FaultPoint::Seal) {
            return Err(internal("sealing a compiled solution", "injected fault"));
        }
        let dir = self.host(&format!("sol-{solution}"));
        seal_dir(&dir, keep).map_err(|e| internal("sealing a compiled solution", e))
    }

    /// Opens a run's output file (created by root), fresh and empty.
    pub fn create_output(&self, relative: &str) -> Result<File, JudgeError> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(self.host(relative))
            .map_err(|e| internal("opening a run's output file", e))
    }

    pub fn open_input(&self, relative: &str) -> Result<File, JudgeError> {
        OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC).open(self.host(relative)).map_err(|e| internal("opening a test input", e))
    }

    /// Up to `cap` bytes of a file root created, and the file's whole length.
    pub fn read_capped(&self, relative: &str, cap: u64) -> Result<(Vec<u8>, u64), JudgeError> {
        if self.fault == Some(FaultPoint::ReadStdout) && relative.ends_with("/out") {
            return Err(internal("reading a run's stdout", "injected fault"));
        }
        let read = || -> io::Result<(Vec<u8>, u64)> {
            let file = OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(self.host(relative))?;
            let length = file.metadata()?.len();
            let mut bytes = Vec::with_capacity(length.min(cap) as usize);
            file.take(cap).read_to_end(&mut bytes)?;
            Ok((bytes, length))
        };
        read().map_err(|e| internal(&format!("reading {relative}"), e))
    }

    /// Moves a file root created to another name in the lease.
    pub fn rename(&self, from: &str, to: &str) -> Result<(), JudgeError> {
        fs::rename(self.host(from), self.host(to)).map_err(|e| internal("keeping an output for the vote", e))
    }

    pub fn remove(&self, relative: &str) -> Result<(), JudgeError> {
        fs::remove_file(self.host(relative)).map_err(|e| internal("dropping a kept output", e))
    }

    /// Writes a root-only file for a checker to read (0644 in a 0755 root directory).
    pub fn write_for_checker(&self, relative: &str, bytes: &[u8]) -> Result<(), JudgeError> {
        let path = self.host(relative);
        let _ = fs::remove_file(&path);
        write_new(&path, bytes, 0o644).map_err(|e| internal("preparing the checker's files", e))
    }

    pub fn copy_for_checker(&self, from: &str, to: &str) -> Result<(), JudgeError> {
        let mut bytes = Vec::new();
        File::open(self.host(from)).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(|e| internal("preparing the checker's files", e))?;
        self.write_for_checker(to, &bytes)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if std::process::id() == self.owner {
            // std's remove_dir_all never follows links (it works on descriptors).
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn check(result: libc::c_int) -> io::Result<()> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn seal_dir(dir: &Path, keep: &[&str]) -> io::Result<()> {
    let path = CString::new(dir.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: plain open(2); the descriptor is owned by `directory` below.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC) };
    check(fd)?;
    // SAFETY: a descriptor we just opened.
    let directory = unsafe { File::from_raw_fd(fd) };
    // Root's first: from here on the compiling uid can add nothing.
    check(unsafe { libc::fchown(directory.as_raw_fd(), 0, 0) })?;
    check(unsafe { libc::fchmod(directory.as_raw_fd(), 0o755) })?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let meta = fs::symlink_metadata(entry.path())?; // lstat: a link is seen as a link
        let wanted = keep.iter().any(|k| name.as_bytes() == k.as_bytes());
        if wanted && meta.file_type().is_file() && meta.nlink() == 1 {
            let c_name = CString::new(name.as_bytes()).map_err(io::Error::other)?;
            // SAFETY: openat relative to our directory descriptor, never following a link.
            let file = unsafe { libc::openat(directory.as_raw_fd(), c_name.as_ptr(), libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC) };
            check(file)?;
            // SAFETY: as above.
            let file = unsafe { File::from_raw_fd(file) };
            check(unsafe { libc::fchown(file.as_raw_fd(), 0, 0) })?;
            check(unsafe { libc::fchmod(file.as_raw_fd(), 0o755) })?;
        } else if meta.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn sealing_removes_links_and_strays_without_following_them() {
        let base = std::env::temp_dir().join(format!("pysynth-seal-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        let (dir, victim) = (base.join("sol"), base.join("victim"));
        fs::create_dir_all(&dir).unwrap();
        fs::write(&victim, b"secret").unwrap();
        fs::set_permissions(&victim, fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(dir.join("main.cpp"), b"int main() {}").unwrap();
        symlink(&victim, dir.join("main")).unwrap(); // the artifact's name, planted as a link
        symlink(&base, dir.join("escape")).unwrap();
        fs::create_dir(dir.join("stray")).unwrap();
        symlink(&victim, dir.join("stray/link")).unwrap();
        seal_dir(&dir, &["main.cpp", "main"]).unwrap();
        let left: Vec<String> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(left, ["main.cpp"], "links and strays are removed, the source is kept");
        assert_eq!(fs::metadata(&victim).unwrap().permissions().mode() & 0o777, 0o600, "the link's target was not touched");
        assert_eq!(fs::read(&victim).unwrap(), b"secret");
        assert_eq!(fs::metadata(dir.join("main.cpp")).unwrap().permissions().mode() & 0o777, 0o755);
        fs::remove_dir_all(&base).unwrap();
    }
}
