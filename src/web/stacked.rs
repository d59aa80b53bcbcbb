//! A comparison's jobs trained stacked in one model ([`ParallelTrainer`]): one kernel serves
//! every run, so K runs cost about the dispatches of one. Each run is still its own job: its
//! progress, its report at the end, its failure (a run that diverges fails alone).

use super::js;
use super::worker::{JobReport, SLICE_MS, post};
use crate::backend::{self, Speed};
use crate::protocol::FromWorker;
use seesaw_core::RunError;
use seesaw_core::train::{ParallelTrainer, RunConfig};

/// The stacked jobs in training.
pub(super) struct Stacked {
    ids: Vec<u32>,
    /// `None` once the runs are finished.
    trainer: Option<ParallelTrainer>,
    jobs: Vec<JobReport>,
    /// Runs that failed (diverged): they step on in their block, unreported.
    failed: Vec<bool>,
    pub(super) playing: bool,
    per_slice: usize,
    speed: Speed,
}

impl Stacked {
    /// The runs `ids` of `configs`, stacked in `trainer`, playing.
    pub(super) fn new(ids: Vec<u32>, configs: &[RunConfig], trainer: ParallelTrainer) -> Self {
        let started_ms = js::now_ms();
        Self {
            failed: vec![false; ids.len()],
            jobs: configs
                .iter()
                .map(|config| JobReport::new(config, started_ms))
                .collect(),
            ids,
            trainer: Some(trainer),
            playing: true,
            per_slice: 1,
            speed: Speed::default(),
        }
    }

    pub(super) fn wants_steps(&self) -> bool {
        self.playing && self.trainer.is_some()
    }

    /// The jobs still open (neither finished nor failed).
    pub(super) fn open(&self) -> Vec<u32> {
        if self.trainer.is_none() {
            return Vec::new();
        }
        (0..self.ids.len())
            .filter(|&r| !self.failed[r])
            .map(|r| self.ids[r])
            .collect()
    }

    /// Up to `per_slice` steps of every run, their reports when due, one read, then progress;
    /// at the end, each run's final report.
    ///
    /// # Errors
    /// A failed device read or step: it stops every run of the group.
    pub(super) async fn slice(&mut self) -> Result<(), RunError> {
        let Some(trainer) = &mut self.trainer else {
            return Ok(());
        };
        let started = js::now_ms();
        let mut done = 0;
        while done < self.per_slice && !trainer.is_done() {
            trainer.step().await?;
            done += 1;
            if trainer.is_report_due() {
                for (r, report) in trainer.reports().await.into_iter().enumerate() {
                    match report {
                        _ if self.failed[r] => {}
                        Ok(entry) => self.jobs[r].history.push(entry),
                        Err(error) => {
                            self.failed[r] = true;
                            post(&FromWorker::Failed {
                                run: self.ids[r],
                                message: error.to_string(),
                            });
                        }
                    }
                }
            }
            if js::now_ms() - started > SLICE_MS {
                break;
            }
        }
        let running = trainer.running_losses().await?;
        let (step, finished) = (trainer.steps_done(), trainer.is_done());
        let elapsed = js::now_ms() - started;
        self.speed.add(done, elapsed);
        self.per_slice = backend::steps_per_slice(done, elapsed, SLICE_MS);
        for r in (0..self.ids.len()).filter(|&r| !self.failed[r]) {
            post(&FromWorker::Progress {
                run: self.ids[r],
                step,
                steps_per_second: self.speed.steps_per_second,
                running_loss: running[r].clone(),
                playing: self.playing && !finished,
                memory_bytes: js::wasm_memory_bytes(),
            });
        }
        if finished {
            self.finish().await;
        }
        Ok(())
    }

    /// Each run's final evaluation and its whole report, as a job trained alone sends it.
    async fn finish(&mut self) {
        let Some(trainer) = self.trainer.take() else {
            return;
        };
        let others = self.ids.len() - 1;
        for (r, run) in trainer.into_trainers().into_iter().enumerate() {
            if self.failed[r] {
                continue;
            }
            let message = match run.final_report_with_predictions().await {
                Ok((final_report, predictions)) => {
                    let mut report = self.jobs[r].finish(final_report, run.steps_done());
                    report.notes.push(format!(
                        "trained stacked with {others} other run{} in one model",
                        if others == 1 { "" } else { "s" }
                    ));
                    FromWorker::Trained {
                        run: self.ids[r],
                        report: Box::new(report),
                        predictions: Box::new(predictions),
                    }
                }
                Err(error) => FromWorker::Failed {
                    run: self.ids[r],
                    message: error.to_string(),
                },
            };
            post(&message);
        }
    }
}
