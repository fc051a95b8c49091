//! Process handles that cannot be confused with a reused pid: a pidfd names one process for as
//! long as it is open, whether or not that process has exited and its pid been recycled.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

pub struct PidFd(OwnedFd);

impl PidFd {
    /// Pins `pid`. Fails (ESRCH) when no such process exists any more.
    pub fn open(pid: i32) -> io::Result<Self> {
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the kernel just gave us this descriptor.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(fd as i32) }))
    }

    /// SIGKILL to the pinned process; a no-op (Ok) if it has already exited.
    pub fn kill(&self) -> io::Result<()> {
        // SAFETY: signalling through a descriptor we own.
        let result = unsafe { libc::syscall(libc::SYS_pidfd_send_signal, self.0.as_raw_fd(), libc::SIGKILL, std::ptr::null::<u8>(), 0) };
        if result == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.raw_os_error() == Some(libc::ESRCH) {
            Ok(())
        } else {
            Err(error)
        }
    }
}
