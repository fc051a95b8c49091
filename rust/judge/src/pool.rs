//! A pool of warm workers shared by concurrent calls. Each call leases one or more workers for
//! its whole duration (so concurrent calls never share a box), gets its own lease directory, and
//! gives the workers back; a worker whose run failed in a way that leaves its state unknown (its
//! zygote died, stopped answering, or a bookkeeping step failed) is dropped and replaced.
//!
//! Each worker is pinned to one of the CPUs the judge may use (the least used one when it
//! starts), so a run's processes compete for CPU only with each other: a fork bomb spinning on
//! one CPU does not starve the runs of the neighbouring workers into a wrong time limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::error::JudgeError;
use crate::lease::PoolDir;
use crate::spec::SandboxSpec;
use crate::worker::Worker;

pub struct Pool {
    spec: Arc<SandboxSpec>,
    dir: PoolDir,
    size: usize,
    state: Mutex<PoolState>,
    freed: Condvar,
    replaced: AtomicUsize,
}

struct PoolState {
    idle: Vec<Worker>,
    /// Workers that exist (idle, leased or being started).
    live: usize,
    /// The CPUs the judge may use, each with how many live workers are pinned to it.
    cpus: Vec<(usize, usize)>,
}

impl PoolState {
    /// Pins a new worker to the least used CPU.
    fn claim_cpu(&mut self) -> Option<usize> {
        let slot = self.cpus.iter_mut().min_by_key(|(_, workers)| *workers)?;
        slot.1 += 1;
        Some(slot.0)
    }

    fn release_cpu(&mut self, cpu: Option<usize>) {
        if let Some(slot) = self.cpus.iter_mut().find(|(id, _)| Some(*id) == cpu) {
            slot.1 = slot.1.saturating_sub(1);
        }
    }
}

impl Pool {
    /// A pool of at most `size` workers, started on first use and kept warm afterwards.
    pub fn new(spec: SandboxSpec, size: usize) -> Result<Self, JudgeError> {
        if size == 0 {
            return Err(JudgeError::Config("workers must be at least 1".into()));
        }
        let dir = PoolDir::create(&spec.options.scratch_dir)?;
        Ok(Self { spec: Arc::new(spec), dir, size, state: Mutex::new(PoolState { idle: Vec::new(), live: 0, cpus: crate::cpus::allowed().into_iter().map(|cpu| (cpu, 0)).collect() }), freed: Condvar::new(), replaced: AtomicUsize::new(0) })
    }

    pub fn spec(&self) -> &SandboxSpec {
        &self.spec
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn dir(&self) -> &PoolDir {
        &self.dir
    }

    /// How many workers were dropped as broken and replaced so far.
    pub fn workers_replaced(&self) -> usize {
        self.replaced.load(Ordering::Relaxed)
    }

    /// The pids of the idle workers' zygotes (for tests that break a worker on purpose).
    pub fn zygote_pids(&self) -> Vec<u32> {
        self.lock().idle.iter().map(Worker::zygote_pid).collect()
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Leases between 1 and `wanted` workers, waiting until at least one is free.
    pub(crate) fn take(&self, wanted: usize) -> Result<Vec<Worker>, JudgeError> {
        let wanted = wanted.clamp(1, self.size);
        let mut state = self.lock();
        while state.idle.is_empty() && state.live >= self.size {
            state = self.freed.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        let keep = state.idle.len().saturating_sub(wanted);
        let mut taken: Vec<Worker> = state.idle.split_off(keep);
        let to_start = (wanted - taken.len()).min(self.size - state.live);
        state.live += to_start;
        let cpus: Vec<Option<usize>> = (0..to_start).map(|_| state.claim_cpu()).collect();
        drop(state);
        let mut failure = None;
        for cpu in cpus {
            match Worker::start(&self.spec, &self.dir, cpu) {
                Ok(worker) => taken.push(worker),
                Err(error) => {
                    let mut state = self.lock();
                    state.live -= 1;
                    state.release_cpu(cpu);
                    drop(state);
                    self.freed.notify_all();
                    failure.get_or_insert(error);
                }
            }
        }
        match failure {
            Some(error) if taken.is_empty() => Err(error),
            _ => Ok(taken),
        }
    }

    /// A fresh worker in place of a broken one, during a call (the call keeps its lease size).
    pub(crate) fn replace(&self, broken: Worker) -> Result<Worker, JudgeError> {
        let cpu = broken.cpu();
        drop(broken);
        self.replaced.fetch_add(1, Ordering::Relaxed);
        Worker::start(&self.spec, &self.dir, cpu).inspect_err(|_| {
            let mut state = self.lock();
            state.live -= 1;
            state.release_cpu(cpu);
            drop(state);
            self.freed.notify_all();
        })
    }

    /// Ends a lease: healthy workers go back to the idle list, broken ones are dropped.
    pub(crate) fn give_back(&self, workers: Vec<Worker>) {
        let (healthy, broken): (Vec<Worker>, Vec<Worker>) = workers.into_iter().partition(|w| !w.broken);
        {
            let mut state = self.lock();
            state.live -= broken.len();
            for worker in &broken {
                state.release_cpu(worker.cpu());
            }
            state.idle.extend(healthy);
        }
        self.replaced.fetch_add(broken.len(), Ordering::Relaxed);
        drop(broken);
        self.freed.notify_all();
    }
}
