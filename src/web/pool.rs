//! A pool of training workers for a comparison: each one trains one job, or a group of jobs
//! stacked in one model, at a time (the page hands it the next from the queue), so runs train
//! side by side on the machine's cores while the page's thread only draws.

use super::bridge::Bridge;
use crate::protocol::{BackendChoice, FromWorker, ToWorker, WorkerBuild};
use seesaw_core::train::RunConfig;

/// One worker and the jobs it trains.
struct Slot {
    bridge: Bridge,
    jobs: Vec<usize>,
}

/// The workers.
pub struct Pool {
    slots: Vec<Slot>,
}

/// What the page hears from the pool: a worker's messages (one batch per frame), or its death.
pub type OnBatch = std::rc::Rc<dyn Fn(usize, Vec<FromWorker>)>;
/// A worker died.
pub type OnCrash = std::rc::Rc<dyn Fn(usize, String)>;

fn start_worker(
    slot: usize,
    build: WorkerBuild,
    on_batch: &OnBatch,
    on_crash: &OnCrash,
) -> Result<Bridge, String> {
    let (on_batch, on_crash) = (on_batch.clone(), on_crash.clone());
    Bridge::start(
        build,
        move |batch| on_batch(slot, batch),
        move |message| on_crash(slot, message),
    )
}

impl Pool {
    /// Starts `size` workers of the build that trains on `backend`.
    ///
    /// # Errors
    /// A worker that cannot start.
    pub fn start(
        size: usize,
        backend: BackendChoice,
        on_batch: &OnBatch,
        on_crash: &OnCrash,
    ) -> Result<Self, String> {
        let build = crate::backend::worker_build(backend, None);
        let slots = (0..size)
            .map(|slot| {
                start_worker(slot, build, on_batch, on_crash).map(|bridge| Slot {
                    bridge,
                    jobs: Vec::new(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { slots })
    }

    /// The workers without a job.
    pub fn idle(&self) -> Vec<usize> {
        (0..self.slots.len())
            .filter(|&slot| self.slots[slot].jobs.is_empty())
            .collect()
    }

    /// The jobs worker `slot` trains.
    pub fn jobs(&self, slot: usize) -> &[usize] {
        self.slots.get(slot).map_or(&[], |s| &s.jobs)
    }

    /// Hands `jobs` (the job and its config) to worker `slot`.
    pub fn assign(&mut self, slot: usize, jobs: Vec<(usize, RunConfig)>, backend: BackendChoice) {
        let slot = &mut self.slots[slot];
        slot.jobs = jobs.iter().map(|(job, _)| *job).collect();
        slot.bridge.send(&ToWorker::Train {
            jobs: jobs
                .into_iter()
                .map(|(job, config)| (job as u32, Box::new(config)))
                .collect(),
            backend,
        });
    }

    /// Worker `slot` is done with `job`; it is free again once done with all of its jobs.
    pub fn release(&mut self, slot: usize, job: usize) {
        if let Some(slot) = self.slots.get_mut(slot) {
            slot.jobs.retain(|&j| j != job);
        }
    }

    /// Sends `message` to every worker with a job (pause, play).
    pub fn tell_busy(&self, message: &ToWorker) {
        for slot in self.slots.iter().filter(|s| !s.jobs.is_empty()) {
            slot.bridge.send(message);
        }
    }

    /// Replaces worker `slot` (after it died) with a fresh one, without a job.
    ///
    /// # Errors
    /// The new worker cannot start.
    pub fn restart(
        &mut self,
        slot: usize,
        on_batch: &OnBatch,
        on_crash: &OnCrash,
    ) -> Result<(), String> {
        let build = self.slots[slot].bridge.build();
        let bridge = start_worker(slot, build, on_batch, on_crash)?;
        self.slots[slot] = Slot {
            bridge,
            jobs: Vec::new(),
        };
        Ok(())
    }
}
