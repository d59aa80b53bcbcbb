//! One playground run as the worker drives it: the multi-task trainer and, beside it, the
//! single-task baselines trained for the same config, step for step, so that every report of
//! the model has a baseline report at the same step for the seesaw plot. Pure (core only), so
//! it is tested natively; the worker adds only timing, yielding and messaging.

use seesaw_core::RunError;
use seesaw_core::fusion::Predictions;
use seesaw_core::train::{
    BaselineComparison, FinalReport, HistoryEntry, RunConfig, Trainer, baseline_of, compare,
};
use std::sync::Arc;

/// What a step produced besides the step itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A report of the multi-task model.
    Report(HistoryEntry),
    /// A report of the baselines at the same step.
    Baseline(HistoryEntry),
    /// The budget is spent: final evaluation, comparison, and the test split's per-row
    /// predictions (from the same read).
    Finished(FinalReport, Option<BaselineComparison>, Box<Predictions>),
}

/// A run in progress.
pub struct Session {
    trainer: Trainer,
    /// The baselines; they may live on another device (the CPU) than the model.
    baseline: Option<Trainer>,
    finished: bool,
}

impl Session {
    /// Generates the data and builds the model (on `device`) and, when the config asks for
    /// baselines, the single-task networks (on `baseline_device`).
    ///
    /// # Errors
    /// An invalid config.
    pub fn new(
        config: &RunConfig,
        device: &burn::prelude::Device,
        baseline_device: &burn::prelude::Device,
    ) -> Result<Self, RunError> {
        let trainer = Trainer::from_config(config, device)?;
        let baseline = config
            .baselines
            .then(|| {
                Trainer::new(
                    &baseline_of(config),
                    Arc::clone(trainer.data()),
                    baseline_device,
                )
            })
            .transpose()?;
        Ok(Self {
            trainer,
            baseline,
            finished: false,
        })
    }

    /// Steps done.
    pub fn steps_done(&self) -> usize {
        self.trainer.steps_done()
    }

    /// Whether the budget is spent and the final evaluation sent.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// One step of the model and of the baselines, with the reports and the final
    /// evaluation when due.
    ///
    /// # Errors
    /// A failed device read or a diverged loss.
    pub async fn step(&mut self) -> Result<Vec<Event>, RunError> {
        let mut events = Vec::new();
        if self.finished {
            return Ok(events);
        }
        self.trainer.step().await?;
        if self.trainer.is_report_due() {
            events.push(Event::Report(self.trainer.report().await?));
        }
        if let Some(baseline) = &mut self.baseline {
            baseline.step().await?;
            if baseline.is_report_due() {
                events.push(Event::Baseline(baseline.report().await?));
            }
        }
        if self.trainer.is_done() {
            let (final_report, predictions) = self.trainer.final_report_with_predictions().await?;
            let comparison = match &self.baseline {
                Some(baseline) => Some(compare(&final_report, baseline.final_report().await?)),
                None => None,
            };
            self.finished = true;
            events.push(Event::Finished(
                final_report,
                comparison,
                Box::new(predictions),
            ));
        }
        Ok(events)
    }

    /// The model's mean training loss per task since its last report (one small read).
    ///
    /// # Errors
    /// A failed device read.
    pub async fn running_loss(&self) -> Result<Vec<f64>, RunError> {
        self.trainer.running_loss().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::prelude::Device;

    fn config(steps: usize, baselines: bool) -> RunConfig {
        let mut config = RunConfig::default();
        config.train.steps = steps;
        config.train.eval_every = 10;
        config.train.batch_size = 64;
        config.baselines = baselines;
        config
    }

    #[test]
    fn reports_come_in_pairs_and_the_run_finishes_with_a_comparison() {
        let device = Device::flex();
        let mut session = Session::new(&config(30, true), &device, &device).unwrap();
        let mut reports = Vec::new();
        let mut baselines = Vec::new();
        let mut finished = None;
        while !session.is_finished() {
            for event in pollster::block_on(session.step()).unwrap() {
                match event {
                    Event::Report(entry) => reports.push(entry.step),
                    Event::Baseline(entry) => baselines.push(entry.step),
                    Event::Finished(report, comparison, _) => finished = Some((report, comparison)),
                }
            }
        }
        assert_eq!(reports, vec![10, 20, 30]);
        assert_eq!(
            baselines, reports,
            "a baseline report at every model report"
        );
        let (report, comparison) = finished.expect("finished");
        assert_eq!(report.tasks.len(), 2);
        let comparison = comparison.expect("baselines were on");
        assert_eq!(comparison.mtl_gain.len(), 2);
        assert!(comparison.delta_m.is_some());
        assert_eq!(session.steps_done(), 30);
        assert!(
            pollster::block_on(session.step()).unwrap().is_empty(),
            "no step past the end"
        );
    }

    #[test]
    fn running_loss_is_a_mean_since_the_last_report_and_falls() {
        let device = Device::flex();
        let mut session = Session::new(&config(200, false), &device, &device).unwrap();
        assert!(
            pollster::block_on(session.running_loss())
                .unwrap()
                .is_empty()
        );
        for _ in 0..5 {
            pollster::block_on(session.step()).unwrap();
        }
        let early = pollster::block_on(session.running_loss()).unwrap();
        assert_eq!(early.len(), 2);
        for _ in 5..195 {
            pollster::block_on(session.step()).unwrap();
        }
        let late = pollster::block_on(session.running_loss()).unwrap();
        for (e, l) in early.iter().zip(&late) {
            assert!(l < e, "loss should fall: {early:?} → {late:?}");
        }
    }

    #[test]
    fn an_invalid_config_is_an_error_not_a_panic() {
        let mut bad = config(10, false);
        bad.train.learning_rate = -1.0;
        let device = Device::flex();
        let error = Session::new(&bad, &device, &device)
            .err()
            .expect("rejected");
        assert!(error.to_string().contains("learning_rate"), "{error}");
    }
}
