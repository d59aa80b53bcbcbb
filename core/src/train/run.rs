//! A whole run: train, report every k steps, evaluate, and compare with single-task baselines.

use super::config::RunConfig;
use super::report::{BaselineComparison, FinalReport, HistoryEntry, RunReport, Timing};
use super::trainer::Trainer;
use crate::error::RunError;
use crate::fusion::Predictions;
use crate::metrics::{delta_m, mtl_gain};
use crate::model::{ArchConfig, SingleTaskConfig};
use crate::weighting::WeightingConfig;
use burn::prelude::*;
use std::sync::Arc;

/// Which model a progress event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The configured multi-task model.
    Model,
    /// The single-task baselines.
    Baselines,
}

/// Progress of a run, for a progress bar or live charts.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// Which model.
    pub phase: Phase,
    /// Steps done.
    pub step: usize,
    /// Steps in all.
    pub steps: usize,
    /// The report, on report steps.
    pub report: Option<&'a HistoryEntry>,
}

/// Whether a run goes on after a step.
pub use std::ops::ControlFlow;

/// Runs `config` on `device`. `clock` returns seconds (any origin); `progress` is called after
/// every step and may stop the run (`ControlFlow::Break`): the report then holds what was done,
/// evaluated at the step it stopped, without baselines, and says `incomplete`.
///
/// # Errors
/// An invalid config, a failed device read, or a diverged loss.
pub async fn run(
    config: &RunConfig,
    device: &Device,
    clock: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<RunReport, RunError> {
    Ok(run_with(config, device, clock, progress, false).await?.0)
}

/// [`run`], plus the multi-task model's per-row scores and labels on the test split (read in
/// the final evaluation's single read), e.g. for score fusion (`crate::fusion`).
///
/// # Errors
/// As [`run`].
pub async fn run_with_predictions(
    config: &RunConfig,
    device: &Device,
    clock: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<(RunReport, Predictions), RunError> {
    let (report, predictions) = run_with(config, device, clock, progress, true).await?;
    Ok((report, predictions.expect("asked for predictions")))
}

async fn run_with(
    config: &RunConfig,
    device: &Device,
    clock: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
    with_predictions: bool,
) -> Result<(RunReport, Option<Predictions>), RunError> {
    config.validate()?;
    let data = Arc::new(config.dataset.generate(config.seed)?);
    let started = clock();
    let (history, (final_report, predictions), steps_done) = train(
        config,
        Arc::clone(&data),
        device,
        Phase::Model,
        progress,
        with_predictions,
    )
    .await?;
    let train_seconds = clock() - started;
    let incomplete = steps_done < config.train.steps;
    let mut notes = Vec::new();
    if incomplete {
        notes.push(format!(
            "incomplete: stopped after {steps_done} of {} steps; the final evaluation is of \
             that step's model, and no baselines were trained",
            config.train.steps
        ));
    }
    let mut report = RunReport {
        config: config.clone(),
        history,
        final_report,
        comparison: None,
        notes,
        incomplete,
        timing: Timing {
            train_seconds,
            steps_per_second: steps_done as f64 / train_seconds.max(1e-9),
        },
    };
    if config.baselines && !incomplete {
        let baseline_config = baseline_of(config);
        let (_, (baselines, _), _) = train(
            &baseline_config,
            data,
            device,
            Phase::Baselines,
            progress,
            false,
        )
        .await?;
        report.add_baselines(baselines);
    }
    Ok((report, predictions))
}

/// How a report's notes read Δm and the MTL gains.
pub const COMPARISON_NOTE: &str = "delta_m: mean relative improvement (%) of the test metrics \
    over the single-task baselines, sign-corrected so that higher is better; mtl_gain per task: \
    positive means the multi-task model beats its baseline";

impl RunReport {
    /// Compares the run with its single-task baselines' final report (trained elsewhere, e.g.
    /// once for every run of a comparison on the same data and seed): MTL gains, Δm, a note.
    pub fn add_baselines(&mut self, baselines: FinalReport) {
        self.comparison = Some(compare(&self.final_report, baselines));
        if !self.notes.iter().any(|note| note == COMPARISON_NOTE) {
            self.notes.push(COMPARISON_NOTE.to_string());
        }
    }
}

/// The single-task baselines of `config`: same data, budget, optimiser and seed; independent
/// networks with the same bottom and tower widths as a shared bottom; equal weights.
pub fn baseline_of(config: &RunConfig) -> RunConfig {
    RunConfig {
        arch: ArchConfig::SingleTask(SingleTaskConfig::default()),
        weighting: WeightingConfig::Equal(Default::default()),
        fm: config.fm.clone(),
        baselines: false,
        ..config.clone()
    }
}

async fn train(
    config: &RunConfig,
    data: Arc<crate::data::MultiTaskData>,
    device: &Device,
    phase: Phase,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
    with_predictions: bool,
) -> Result<(Vec<HistoryEntry>, (FinalReport, Option<Predictions>), usize), RunError> {
    let mut trainer = Trainer::new(config, data, device)?;
    let mut history = Vec::new();
    let steps = config.train.steps;
    while !trainer.is_done() {
        trainer.step().await?;
        let report = if trainer.is_report_due() {
            history.push(trainer.report().await?);
            history.last()
        } else {
            None
        };
        let flow = progress(Progress {
            phase,
            step: trainer.steps_done(),
            steps,
            report,
        });
        if flow.is_break() {
            break;
        }
    }
    let done = trainer.steps_done();
    let last = if with_predictions {
        let (report, predictions) = trainer.final_report_with_predictions().await?;
        (report, Some(predictions))
    } else {
        (trainer.final_report().await?, None)
    };
    Ok((history, last, done))
}

/// Compares the multi-task model's final report with its single-task baselines' (test split).
pub fn compare(model: &FinalReport, baselines: FinalReport) -> BaselineComparison {
    let gains = model
        .tasks
        .iter()
        .zip(&baselines.tasks)
        .map(|(m, b)| Some(mtl_gain(m.test_value?, b.test_value?, m.better)))
        .collect();
    let values: Option<(Vec<f64>, Vec<f64>)> = model
        .tasks
        .iter()
        .zip(&baselines.tasks)
        .map(|(m, b)| Some((m.test_value?, b.test_value?)))
        .collect();
    let better: Vec<_> = model.tasks.iter().map(|t| t.better).collect();
    BaselineComparison {
        delta_m: values.and_then(|(m, b)| delta_m(&m, &b, &better)),
        mtl_gain: gains,
        baselines,
    }
}
