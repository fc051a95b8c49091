//! The thread that starts every zygote. A zygote dies with the thread that started it
//! (`PR_SET_PDEATHSIG` is per thread), and pool workers outlive the threads that use them, so
//! they are all started from one thread that lives as long as the process: a SIGKILLed judge
//! process still takes every zygote (and through them every run) with it.

use std::io;
use std::process::{Child, Command};
use std::sync::mpsc::{channel, Sender};
use std::sync::Mutex;

type Request = (Command, Sender<io::Result<Child>>);

/// The keeper's queue, and the process it belongs to (a forked child must start its own).
static KEEPER: Mutex<Option<(u32, Sender<Request>)>> = Mutex::new(None);

fn keeper() -> io::Result<Sender<Request>> {
    let mut slot = KEEPER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let pid = std::process::id();
    if let Some((owner, sender)) = slot.as_ref() {
        if *owner == pid {
            return Ok(sender.clone());
        }
    }
    let (sender, requests) = channel::<Request>();
    std::thread::Builder::new().name("pysynth-judge-keeper".into()).spawn(move || {
        for (mut command, reply) in requests {
            let _ = reply.send(command.spawn());
        }
    })?;
    *slot = Some((pid, sender.clone()));
    Ok(sender)
}

/// `command.spawn()`, from the keeper thread.
pub fn spawn(command: Command) -> io::Result<Child> {
    let (reply, answer) = channel();
    keeper()?.send((command, reply)).map_err(|_| io::Error::other("the zygote keeper thread is gone"))?;
    answer.recv().map_err(|_| io::Error::other("the zygote keeper thread is gone"))?
}
