//! A pool of training workers for a comparison: each one trains one job at a time (the page
//! hands it the next from the queue), so runs train side by side on the machine's cores while
//! the page's thread only draws.

use super::bridge::Bridge;
use crate::protocol::{BackendChoice, FromWorker, ToWorker};
use seesaw_core::train::RunConfig;

/// One worker and the job it trains.
struct Slot {
    bridge: Bridge,
    job: Option<usize>,
}

/// The workers.
pub struct Pool {
    slots: Vec<Slot>,
}

/// What the page hears from the pool: a worker's messages (one batch per frame), or its death.
pub type OnBatch = std::rc::Rc<dyn Fn(usize, Vec<FromWorker>)>;
/// A worker died.
pub type OnCrash = std::rc::Rc<dyn Fn(usize, String)>;

fn start_worker(slot: usize, on_batch: &OnBatch, on_crash: &OnCrash) -> Result<Bridge, String> {
    let (on_batch, on_crash) = (on_batch.clone(), on_crash.clone());
    Bridge::start(
        move |batch| on_batch(slot, batch),
        move |message| on_crash(slot, message),
    )
}

impl Pool {
    /// Starts `size` workers.
    ///
    /// # Errors
    /// A worker that cannot start.
    pub fn start(size: usize, on_batch: &OnBatch, on_crash: &OnCrash) -> Result<Self, String> {
        let slots = (0..size)
            .map(|slot| {
                start_worker(slot, on_batch, on_crash).map(|bridge| Slot { bridge, job: None })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { slots })
    }

    /// The workers without a job.
    pub fn idle(&self) -> Vec<usize> {
        (0..self.slots.len())
            .filter(|&slot| self.slots[slot].job.is_none())
            .collect()
    }

    /// The job worker `slot` trains.
    pub fn job(&self, slot: usize) -> Option<usize> {
        self.slots.get(slot).and_then(|s| s.job)
    }

    /// Hands job `job` to worker `slot`.
    pub fn assign(&mut self, slot: usize, job: usize, config: &RunConfig, backend: BackendChoice) {
        let slot = &mut self.slots[slot];
        slot.job = Some(job);
        slot.bridge.send(&ToWorker::Train {
            run: job as u32,
            config: Box::new(config.clone()),
            backend,
        });
    }

    /// Worker `slot` is free again.
    pub fn release(&mut self, slot: usize) {
        if let Some(slot) = self.slots.get_mut(slot) {
            slot.job = None;
        }
    }

    /// Sends `message` to every worker with a job (pause, play).
    pub fn tell_busy(&self, message: &ToWorker) {
        for slot in self.slots.iter().filter(|s| s.job.is_some()) {
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
        let bridge = start_worker(slot, on_batch, on_crash)?;
        self.slots[slot] = Slot { bridge, job: None };
        Ok(())
    }
}
