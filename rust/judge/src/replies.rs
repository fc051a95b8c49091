//! Newline-delimited replies from the zygote, read with a deadline.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::process::ChildStdout;
use std::time::Instant;

use crate::error::{internal, JudgeError};

/// Reads newline-terminated replies with a deadline (poll(2) before each read).
pub struct LineReader {
    source: ChildStdout,
    buffer: Vec<u8>,
}

impl LineReader {
    pub fn new(source: ChildStdout) -> Self {
        Self { source, buffer: Vec::new() }
    }

    /// The next line, or None if `deadline` passed first.
    pub fn line(&mut self, deadline: Instant) -> Result<Option<String>, JudgeError> {
        loop {
            if let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                return Ok(Some(String::from_utf8_lossy(&line).into_owned()));
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            let mut poll = libc::pollfd { fd: self.source.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            let timeout = remaining.as_millis().min(i32::MAX as u128) as i32;
            // SAFETY: one valid pollfd for the duration of the call.
            let ready = unsafe { libc::poll(&mut poll, 1, timeout) };
            if ready == 0 {
                return Ok(None);
            }
            if ready < 0 {
                let error = std::io::Error::last_os_error();
                if error.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(internal("poll", error));
            }
            let mut chunk = [0u8; 4096];
            let read = self.source.read(&mut chunk).map_err(|e| internal("reading the zygote", e))?;
            if read == 0 {
                return Err(JudgeError::Sandbox("the sandbox zygote exited unexpectedly".into()));
            }
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }
}

