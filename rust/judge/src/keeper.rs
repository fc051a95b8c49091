//! The thread that starts every zygote. A zygote dies with the thread that started it
//! (`PR_SET_PDEATHSIG` is per thread), and pool workers outlive the threads that use them, so
//! they are all started from one thread that lives as long as the process: a SIGKILLed judge
//! process still takes every zygote (and through them every run) with it.

use std::io;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::mpsc::{channel, Sender};

type Request = (Command, Sender<io::Result<Child>>);

/// The keeper's queue and the process it belongs to. Lock-free on purpose: a process forked
/// while another thread held a lock here would deadlock; a forked child sees a foreign pid and
/// starts its own keeper (the parent's entry is leaked, it belongs to the parent).
static KEEPER: AtomicPtr<(u32, Sender<Request>)> = AtomicPtr::new(std::ptr::null_mut());

fn keeper() -> io::Result<Sender<Request>> {
    let pid = std::process::id();
    loop {
        let current = KEEPER.load(Ordering::Acquire);
        // SAFETY: entries are leaked, never freed, so a non-null pointer stays valid.
        if let Some((owner, sender)) = unsafe { current.as_ref() } {
            if *owner == pid {
                return Ok(sender.clone());
            }
        }
        let (sender, requests) = channel::<Request>();
        let entry = Box::into_raw(Box::new((pid, sender.clone())));
        if KEEPER.compare_exchange(current, entry, Ordering::AcqRel, Ordering::Acquire).is_err() {
            // SAFETY: ours, never published.
            drop(unsafe { Box::from_raw(entry) });
            continue; // another thread started one first: use it
        }
        std::thread::Builder::new().name("pysynth-judge-keeper".into()).spawn(move || {
            for (mut command, reply) in requests {
                let _ = reply.send(command.spawn());
            }
        })?;
        return Ok(sender);
    }
}

/// `command.spawn()`, from the keeper thread.
pub fn spawn(command: Command) -> io::Result<Child> {
    let (reply, answer) = channel();
    keeper()?.send((command, reply)).map_err(|_| io::Error::other("the zygote keeper thread is gone"))?;
    answer.recv().map_err(|_| io::Error::other("the zygote keeper thread is gone"))?
}
