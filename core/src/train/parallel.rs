//! Several runs of one architecture trained as one stacked model, so that each kernel serves
//! every run: K runs cost about the dispatches of one (on WebGPU a dispatch, not arithmetic,
//! bounds a small model's step).
//!
//! Each run keeps everything that makes it itself: its seed (data, initial weights, batch
//! order), its weighting method, its learning rate and its optimiser state. Stacking only
//! changes where the numbers live: run r's parameters are the r-th block of every stacked
//! parameter, its rows the r-th block of every batch, and the objective Σ_r Σ_k w_rk·L_rk
//! separates, so its gradient in run r's block is run r's own gradient. A run trained here
//! matches the same run trained alone by [`Trainer`] (a test, on flex and on wgpu).
//!
//! Runs are built as ordinary [`Trainer`]s and handed over; between reports the stacked model
//! is the truth, and [`ParallelTrainer::reports`] and [`ParallelTrainer::into_trainers`] write
//! each run's part back into its trainer, which then evaluates and reports as usual.

use super::batches::DeviceSplit;
use super::config::RunConfig;
use super::evaluation::Reads;
use super::flat::{FlatOptimizer, Rates};
use super::report::HistoryEntry;
use super::trainer::{Trainer, Window};
use crate::Registry;
use crate::data::TaskSpec;
use crate::error::{ConfigError, RunError};
use crate::loss::raw_per_row;
use crate::model::MultiTaskModel;
use crate::weighting::{HostSignals, Needs, StepSignals, Update};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Transaction;

/// K runs of one architecture, stepped together.
pub struct ParallelTrainer {
    runs: Vec<Trainer>,
    /// Every run's network as one (see `Architecture::stack_runs`).
    model: MultiTaskModel,
    /// Every run's training rows, run r's at `r · rows ..`.
    train: DeviceSplit,
    rows: usize,
    optimizer: FlatOptimizer,
    report_window: RunsWindow,
    epoch_window: RunsWindow,
    /// Each run's last batch (row indices into its own split), for its report's gradient
    /// cosines.
    last_indices: Vec<Vec<usize>>,
    /// Whether every trainer holds its run's current model and window.
    synced: bool,
}

/// `[runs, tasks]` running sums on the device.
struct RunsWindow {
    losses: Tensor<2>,
    weights: Tensor<2>,
    steps: usize,
}

impl RunsWindow {
    fn new(runs: usize, tasks: usize, device: &Device) -> Self {
        Self {
            losses: Tensor::zeros([runs, tasks], device),
            weights: Tensor::zeros([runs, tasks], device),
            steps: 0,
        }
    }

    fn add(&mut self, losses: Tensor<2>, weights: Tensor<2>) {
        self.losses = self.losses.clone() + losses;
        self.weights = self.weights.clone() + weights;
        self.steps += 1;
    }

    /// Run `run`'s row, `[tasks]`.
    fn row(tensor: &Tensor<2>, run: usize) -> Tensor<1> {
        let tasks = tensor.dims()[1];
        tensor.clone().narrow(0, run, 1).reshape([tasks])
    }
}

fn refuse(field: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::new(field, message)
}

const TOWER_LR_ALONE: &str = "per-task tower learning rates train one run at a time";
const FM_ALONE: &str = "a model with FM terms trains one run at a time";

/// What runs must share to train stacked: equal keys (and equal data shapes, which equal
/// dataset settings give) let [`ParallelTrainer::new`] take them together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StackKey(String);

/// The architecture, FM term, dataset settings (not the seed), batch size, steps, report
/// interval and optimiser rule: everything but the seed, the method and the learning rate.
fn shared_key(config: &RunConfig) -> StackKey {
    let train = &config.train;
    let shared = serde_json::json!({
        "arch": config.arch,
        "fm": config.fm,
        "dataset": config.dataset,
        "batch_size": train.batch_size,
        "steps": train.steps,
        "eval_every": train.eval_every,
        "optimizer": format!("{:?}", train.optimizer.rule()),
    });
    StackKey(shared.to_string())
}

/// Whether `config`'s run can train stacked with others, from its settings alone (the page
/// groups a comparison's jobs with it, without building them), and the key the runs it
/// stacks with share.
///
/// # Errors
/// Why it trains alone: its architecture has no stacked form, it has FM terms or per-task
/// tower learning rates, or its method does not train stacked
/// ([`MethodSettings::trains_stacked`](crate::weighting::MethodSettings::trains_stacked)).
pub fn stack_key(config: &RunConfig) -> Result<StackKey, ConfigError> {
    if !config.arch.settings().trains_stacked() {
        return Err(refuse(
            "arch",
            format!(
                "{} has no stacked form yet and trains one run at a time",
                config.arch.id()
            ),
        ));
    }
    if config.fm.is_some() {
        return Err(refuse("fm", FM_ALONE));
    }
    if config.train.tower_lr.iter().any(|&m| m != 1.0) {
        return Err(refuse("train.tower_lr", TOWER_LR_ALONE));
    }
    if !config.weighting.settings().trains_stacked() {
        return Err(refuse(
            "weighting",
            format!(
                "{} needs more than the losses (gradients, row weights or optimiser states) \
                 and trains one run at a time",
                config.weighting.id()
            ),
        ));
    }
    Ok(shared_key(config))
}

impl ParallelTrainer {
    /// Stacks fresh trainers (none has stepped) into one.
    ///
    /// # Errors
    /// When the runs cannot share kernels: they differ in architecture, data shape, batch size,
    /// steps, report interval or optimiser kind; a method needs more than the losses (gradient
    /// methods train alone) or re-weights rows; a run scales its towers' learning rates or has
    /// an FM term; or the architecture has no stacked form.
    pub fn new(mut runs: Vec<Trainer>) -> Result<Self, ConfigError> {
        let Some(first) = runs.first() else {
            return Err(refuse("runs", "no runs to train"));
        };
        let (config, data) = (&first.config, &first.data);
        let key = shared_key(config);
        for run in &runs {
            if shared_key(&run.config) != key
                || run.data.input_dim != data.input_dim
                || run.data.tasks != data.tasks
                || run.train.rows() != first.train.rows()
            {
                return Err(refuse(
                    "runs",
                    "runs trained in parallel must share the architecture, the data's shape, \
                     the batch size, steps, report interval and optimiser (train them one at a \
                     time)",
                ));
            }
            if run.step > 0 {
                return Err(refuse("runs", "only fresh runs can be stacked"));
            }
            if run.tower_multipliers.is_some() {
                return Err(refuse("train.tower_lr", TOWER_LR_ALONE));
            }
            let method = run.config.weighting.id();
            if run.method.needs() != Needs::Losses {
                return Err(refuse(
                    "weighting",
                    format!("{method} needs per-task gradients and trains one run at a time"),
                ));
            }
            let probe = run.train.batch(&[0]);
            if run
                .method
                .row_weights(&probe.targets)
                .iter()
                .any(Option::is_some)
            {
                return Err(refuse(
                    "weighting",
                    format!("{method} re-weights rows and trains one run at a time"),
                ));
            }
        }
        if config.fm.is_some() {
            return Err(refuse("fm", FM_ALONE));
        }
        let models = runs.iter().map(|run| run.model.clone()).collect();
        let model = MultiTaskModel::stack_runs(models).ok_or_else(|| {
            refuse(
                "arch",
                format!(
                    "{} has no stacked form yet and trains one run at a time",
                    config.arch.id()
                ),
            )
        })?;
        let (count, tasks, rows) = (runs.len(), data.tasks.len(), first.train.rows());
        let device = first.inner_device.clone();
        let rule = config.train.optimizer.rule();
        // One copy of the rows on the device: the runs' own splits become slices of the
        // joined one (their last batch, for the report's gradient cosines, reads from it).
        let train = DeviceSplit::concat(&runs.iter().map(|run| &run.train).collect::<Vec<_>>());
        for (r, run) in runs.iter_mut().enumerate() {
            run.train = train.rows_from(r * rows, rows);
        }
        Ok(Self {
            rows,
            optimizer: FlatOptimizer::new(
                rule,
                Rates::per_run(runs.iter().map(|r| r.config.train.learning_rate).collect()),
                &device,
            ),
            report_window: RunsWindow::new(count, tasks, &device),
            epoch_window: RunsWindow::new(count, tasks, &device),
            last_indices: vec![Vec::new(); count],
            synced: true,
            model,
            train,
            runs,
        })
    }

    /// Number of runs.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Steps done so far (by every run).
    pub fn steps_done(&self) -> usize {
        self.runs[0].step
    }

    /// Whether the configured number of steps is done.
    pub fn is_done(&self) -> bool {
        self.runs[0].is_done()
    }

    /// Whether the step just done should be followed by a report.
    pub fn is_report_due(&self) -> bool {
        self.runs[0].is_report_due()
    }

    fn tasks(&self) -> &[TaskSpec] {
        &self.runs[0].data.tasks
    }

    /// One optimisation step of every run. Enqueues device work only; reads back only when a
    /// method asks for host values, then once for all runs.
    ///
    /// # Errors
    /// A failed device read, or a method that answers with more than task weights or switches
    /// optimiser state (it trains one run at a time).
    pub async fn step(&mut self) -> Result<(), RunError> {
        let (count, rows) = (self.runs.len(), self.rows);
        let batch_size = self.runs[0].config.train.batch_size;
        let mut indices = Vec::with_capacity(count * batch_size);
        let mut epoch_ended = false;
        for (r, run) in self.runs.iter_mut().enumerate() {
            let (own, ended) = run.order.next(batch_size);
            epoch_ended |= ended;
            indices.extend(own.iter().map(|&i| r * rows + i));
            self.last_indices[r] = own;
        }
        let batch = self.train.batch(&indices);
        let [_, input] = batch.x.dims();
        let size = indices.len() / count;
        let outputs = self
            .model
            .forward_runs(batch.x.clone().reshape([count, size, input]));
        let mut losses = Vec::new();
        let mut observed = Vec::new();
        for (task, (spec, targets)) in self.tasks().iter().zip(&batch.targets).enumerate() {
            let dim = spec.dim;
            let value = outputs
                .clone()
                .narrow(1, task, 1)
                .reshape([count * size, dim]);
            let per_row =
                raw_per_row(value, spec.kind, targets.labels.clone()).reshape([count, size]);
            match &targets.mask {
                Some(mask) => {
                    let mask = mask.clone().reshape([count, size]);
                    let seen = mask.clone().sum_dim(1);
                    losses.push((per_row * mask).sum_dim(1) / seen.clone().clamp_min(1.0));
                    observed.push(seen.greater_elem(0.0).float().inner());
                }
                None => {
                    losses.push(per_row.mean_dim(1));
                    observed.push(Tensor::ones([count, 1], &self.runs[0].inner_device));
                }
            }
        }
        let losses = Tensor::cat(losses, 1);
        let plain = losses.clone().inner();
        let observed = Tensor::cat(observed, 1);
        let host = self.host_losses(&plain).await?;
        let step = self.steps_done();
        let mut weights = Vec::with_capacity(count);
        for (r, run) in self.runs.iter_mut().enumerate() {
            let signals = StepSignals {
                step,
                device: run.inner_device.clone(),
                losses: RunsWindow::row(&plain, r),
                observed: RunsWindow::row(&observed, r),
                representation: None,
                representation_gradients: None,
                shared_gradients: None,
                host: host.as_ref().map(|all| HostSignals {
                    losses: all[r].clone(),
                    ..HostSignals::default()
                }),
            };
            match run.method.update(&signals) {
                Update::Weights(w) if run.method.optimizer_slot() == 0 => weights.push(w),
                _ => {
                    return Err(RunError::Config(refuse(
                        "weighting",
                        format!(
                            "{} steers the shared gradient or switches optimiser state, \
                             and trains one run at a time",
                            run.config.weighting.id()
                        ),
                    )));
                }
            }
        }
        let weights = Tensor::stack(weights, 0);
        let objective = (losses * weights.clone()).sum();
        let grads = GradientsParams::from_grads(objective.backward(), &self.model);
        self.model = self.optimizer.step(self.model.clone(), grads);
        self.report_window.add(plain.clone(), weights.clone());
        self.epoch_window.add(plain, weights);
        if epoch_ended {
            let (tasks, device) = (self.tasks().len(), self.runs[0].inner_device.clone());
            let window = std::mem::replace(
                &mut self.epoch_window,
                RunsWindow::new(count, tasks, &device),
            );
            for (r, run) in self.runs.iter_mut().enumerate() {
                run.method
                    .end_epoch(RunsWindow::row(&window.losses, r) / window.steps as f64);
            }
        }
        for run in &mut self.runs {
            run.step += 1;
        }
        self.synced = false;
        Ok(())
    }

    /// Every run's batch losses on the host, when some method reads them (one read for all).
    async fn host_losses(&self, losses: &Tensor<2>) -> Result<Option<Vec<Vec<f64>>>, RunError> {
        if !self.runs.iter().any(|run| run.method.reads_host()) {
            return Ok(None);
        }
        let values = Reads::execute(Transaction::default().register(losses.clone()))
            .await?
            .next_f64()?;
        Ok(Some(
            values
                .chunks(self.tasks().len())
                .map(<[f64]>::to_vec)
                .collect(),
        ))
    }

    /// Every run's mean training loss per task since the last report (empty lists before the
    /// first step of a window): one small asynchronous read, as [`Trainer::running_loss`].
    ///
    /// # Errors
    /// A failed device read.
    pub async fn running_losses(&self) -> Result<Vec<Vec<f64>>, RunError> {
        let window = &self.report_window;
        if window.steps == 0 {
            return Ok(vec![Vec::new(); self.runs.len()]);
        }
        let mean = window.losses.clone() / window.steps as f64;
        let values = Reads::execute(Transaction::default().register(mean))
            .await?
            .next_f64()?;
        Ok(values
            .chunks(self.tasks().len())
            .map(<[f64]>::to_vec)
            .collect())
    }

    /// Writes each run's part of the stacked model, its window and its last batch into its
    /// trainer.
    fn sync(&mut self) {
        if self.synced {
            return;
        }
        let count = self.runs.len();
        let (tasks, device) = (self.tasks().len(), self.runs[0].inner_device.clone());
        let window = std::mem::replace(
            &mut self.report_window,
            RunsWindow::new(count, tasks, &device),
        );
        let models = self.model.unstack_runs(count);
        for (r, (run, model)) in self.runs.iter_mut().zip(models).enumerate() {
            run.model = model;
            let own = &mut run.report_window;
            *own = Window {
                losses: own.losses.clone() + RunsWindow::row(&window.losses, r),
                weights: own.weights.clone() + RunsWindow::row(&window.weights, r),
                steps: own.steps + window.steps,
            };
            run.last_batch = Some(run.train.batch(&self.last_indices[r]));
        }
        self.synced = true;
    }

    /// Every run's report (as [`Trainer::report`]), in order: each its own result, so a run
    /// that diverged (its numbers stay in its own block) fails alone.
    pub async fn reports(&mut self) -> Vec<Result<HistoryEntry, RunError>> {
        self.sync();
        let mut reports = Vec::with_capacity(self.runs.len());
        for run in &mut self.runs {
            reports.push(run.report().await);
        }
        reports
    }

    /// The runs as ordinary trainers, each holding its trained model (for its final report;
    /// a trainer stepped further starts a fresh optimiser state).
    pub fn into_trainers(mut self) -> Vec<Trainer> {
        self.sync();
        self.runs
    }
}
