//! The file-system view of a sandbox, and the namespace set-up that builds it.
//!
//! The view: a small tmpfs root holding read-only binds of the system directories (`/usr`,
//! `/etc`, the usr-merge symlinks) and of any extra tool prefix (e.g. a Python installation
//! outside `/usr`, or read-only packages for solutions); `/dev/{null,zero,random,urandom}`; the
//! pool's directory of leases at `/.leases`, root-only (mode 0700 on the host), so sandboxed uids
//! cannot traverse it; and empty `/tmp` and `/work` on which each run mounts its own private
//! tmpfs and its own lease's directory (`/.leases/<lease>`). Nothing else of the host is visible:
//! not `/home`, `/root`, the host's `/tmp`, `/proc` or `/sys`.
//!
//! `enter` runs in the forked child before exec, in a process that may have had other threads,
//! so it only makes system calls on data prepared beforehand: no allocation, no locks.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::error::{internal, JudgeError};

enum Step {
    Directory(CString),
    EmptyFile(CString),
    Symlink { target: CString, link: CString },
    BindReadOnly { source: CString, target: CString },
    BindWritable { source: CString, target: CString },
}

pub struct Layout {
    root: CString,
    steps: Vec<Step>,
}

pub const WORK_DIR: &str = "/work";
pub const LEASES_DIR: &str = "/.leases";
pub const PACKAGES_DIR: &str = "/packages";

/// Where the `index`-th directory of extra Python packages appears in the sandbox.
pub fn package_dir(index: usize) -> String {
    format!("{PACKAGES_DIR}/{index}")
}
const SYSTEM_DIRS: &[&str] = &["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"];
const DEVICES: &[&str] = &["null", "zero", "random", "urandom"];

fn c_path(path: &Path) -> Result<CString, JudgeError> {
    CString::new(path.as_os_str().as_bytes()).map_err(|e| JudgeError::Config(format!("bad path {}: {e}", path.display())))
}

impl Layout {
    /// `root`: an empty host directory to become the sandbox's `/`; `leases`: the pool's lease
    /// directory, mounted at `/.leases`; `extra_read_only`: host directories to expose at the same
    /// path (a Python installation); `packages`: directories exposed at `/packages/<index>`.
    pub fn new(root: &Path, leases: &Path, extra_read_only: &[PathBuf], packages: &[PathBuf]) -> Result<Self, JudgeError> {
        let inside = |path: &str| c_path(&root.join(path.trim_start_matches('/')));
        let mut steps = Vec::new();
        let mut created = std::collections::BTreeSet::new();
        for dir in SYSTEM_DIRS {
            let host = Path::new(dir);
            match std::fs::symlink_metadata(host) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    let target = std::fs::read_link(host).map_err(|e| internal("reading a system symlink", e))?;
                    steps.push(Step::Symlink { target: c_path(&target)?, link: inside(dir)? });
                }
                Ok(meta) if meta.is_dir() => {
                    steps.push(Step::Directory(inside(dir)?));
                    steps.push(Step::BindReadOnly { source: c_path(host)?, target: inside(dir)? });
                    created.insert(host.to_path_buf());
                }
                _ => {}
            }
        }
        for extra in extra_read_only {
            if [WORK_DIR, LEASES_DIR, "/tmp", "/dev", PACKAGES_DIR].iter().any(|taken| extra.starts_with(taken)) {
                return Err(JudgeError::Config(format!(
                    "{} cannot be shown in the sandbox at its own path: the sandbox uses that place", extra.display())));
            }
            if created.iter().any(|done| extra.starts_with(done)) {
                continue; // already visible through a system directory
            }
            let mut partial = PathBuf::from("/");
            for component in extra.components().skip(1) {
                partial.push(component);
                steps.push(Step::Directory(inside(&partial.to_string_lossy())?));
            }
            steps.push(Step::BindReadOnly { source: c_path(extra)?, target: inside(&extra.to_string_lossy())? });
            created.insert(extra.clone());
        }
        if !packages.is_empty() {
            steps.push(Step::Directory(inside(PACKAGES_DIR)?));
        }
        for (index, package) in packages.iter().enumerate() {
            let target = inside(&package_dir(index))?;
            steps.push(Step::Directory(target.clone()));
            steps.push(Step::BindReadOnly { source: c_path(package)?, target });
        }
        steps.push(Step::Directory(inside("/dev")?));
        for device in DEVICES {
            let path = format!("/dev/{device}");
            steps.push(Step::EmptyFile(inside(&path)?));
            steps.push(Step::BindWritable { source: c_path(Path::new(&path))?, target: inside(&path)? });
        }
        steps.push(Step::Directory(inside("/tmp")?));
        steps.push(Step::Directory(inside(WORK_DIR)?));
        steps.push(Step::Directory(inside(LEASES_DIR)?));
        steps.push(Step::BindWritable { source: c_path(leases)?, target: inside(LEASES_DIR)? });
        Ok(Self { root: c_path(root)?, steps })
    }

    /// In the child, before exec: new mount, network, IPC and UTS namespaces, then the view.
    /// Returns the first failing call as an `io::Error` (the parent sees it from `spawn`).
    pub fn enter(&self) -> io::Result<()> {
        let flags = libc::CLONE_NEWNS | libc::CLONE_NEWNET | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS;
        check(unsafe { libc::unshare(flags) })?;
        let none = std::ptr::null::<libc::c_char>();
        check(unsafe { libc::mount(none, c"/".as_ptr(), none, libc::MS_REC | libc::MS_PRIVATE, std::ptr::null()) })?;
        let options = c"size=16m,mode=0755";
        check(unsafe {
            libc::mount(c"tmpfs".as_ptr(), self.root.as_ptr(), c"tmpfs".as_ptr(), libc::MS_NOSUID | libc::MS_NODEV, options.as_ptr().cast())
        })?;
        for step in &self.steps {
            self.apply(step)?;
        }
        check(unsafe { libc::chdir(self.root.as_ptr()) })?;
        check(unsafe { libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) } as i32)?;
        check(unsafe { libc::umount2(c".".as_ptr(), libc::MNT_DETACH) })?;
        check(unsafe { libc::chdir(c"/".as_ptr()) })?;
        check(unsafe { libc::mount(none, c"/".as_ptr(), none, libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV, std::ptr::null()) })?;
        let hostname = b"sandbox";
        check(unsafe { libc::sethostname(hostname.as_ptr().cast(), hostname.len()) })
    }

    fn apply(&self, step: &Step) -> io::Result<()> {
        let none = std::ptr::null::<libc::c_char>();
        match step {
            Step::Directory(path) => {
                let result = unsafe { libc::mkdir(path.as_ptr(), 0o755) };
                if result != 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EEXIST) {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            }
            Step::EmptyFile(path) => {
                let fd = unsafe { libc::open(path.as_ptr(), libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC, 0o644) };
                check(fd.min(0))?;
                check(unsafe { libc::close(fd) })
            }
            Step::Symlink { target, link } => check(unsafe { libc::symlink(target.as_ptr(), link.as_ptr()) }),
            Step::BindReadOnly { source, target } => {
                check(unsafe { libc::mount(source.as_ptr(), target.as_ptr(), none, libc::MS_BIND, std::ptr::null()) })?;
                let flags = libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV;
                check(unsafe { libc::mount(none, target.as_ptr(), none, flags, std::ptr::null()) })
            }
            Step::BindWritable { source, target } => {
                check(unsafe { libc::mount(source.as_ptr(), target.as_ptr(), none, libc::MS_BIND, std::ptr::null()) })?;
                let flags = libc::MS_BIND | libc::MS_REMOUNT | libc::MS_NOSUID;
                check(unsafe { libc::mount(none, target.as_ptr(), none, flags, std::ptr::null()) })
            }
        }
    }
}

fn check(result: i32) -> io::Result<()> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}
