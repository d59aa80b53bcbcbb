//! The training loop, one step at a time, so a browser can interleave steps with frames.
//!
//! [`Trainer::step`] only enqueues device work and never reads back; [`Trainer::report`]
//! gathers every number a report needs into one batched asynchronous read.

use super::batches::{BatchOrder, DeviceSplit};
use super::config::RunConfig;
use super::evaluation::{Evaluation, Reads, evaluate_tasks, row_predictions};
use super::flat::{FlatOptimizer, Rates};
use super::gradients::{cosine_matrix, representation_gradients, shared_jacobian};
use super::report::{GateUtilisation, HistoryEntry, TaskEvaluation};
use super::step::{StepContext, StepOutcome, compute_step};
use super::tower_lr::scale_tower_updates;
use crate::Registry;
use crate::data::{MultiTaskData, TaskSpec};
use crate::error::{ConfigError, RunError};
use crate::fusion::Predictions;
use crate::model::{ModelShape, MultiTaskModel};
use crate::rng::Rng;
use crate::weighting::Weighting;
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Transaction;
use std::sync::Arc;

/// Running sums on the device between two reads.
#[derive(Debug, Clone)]
pub(super) struct Window {
    pub(super) losses: Tensor<1>,
    pub(super) weights: Tensor<1>,
    pub(super) steps: usize,
}

impl Window {
    pub(super) fn new(tasks: usize, device: &Device) -> Self {
        Self {
            losses: Tensor::zeros([tasks], device),
            weights: Tensor::zeros([tasks], device),
            steps: 0,
        }
    }

    fn add(&mut self, losses: Tensor<1>, weights: Tensor<1>) {
        self.losses = self.losses.clone() + losses;
        self.weights = self.weights.clone() + weights;
        self.steps += 1;
    }
}

/// Trains one model on one dataset with one weighting method.
pub struct Trainer {
    pub(super) config: RunConfig,
    pub(super) data: Arc<MultiTaskData>,
    pub(super) device: Device,
    pub(super) inner_device: Device,
    pub(super) model: MultiTaskModel,
    /// One optimiser state per slot the method names (one slot for all but alternating
    /// training, which keeps one per task).
    pub(super) optimizers: Vec<FlatOptimizer>,
    pub(super) method: Box<dyn Weighting>,
    pub(super) train: DeviceSplit,
    pub(super) validation: DeviceSplit,
    pub(super) order: BatchOrder,
    pub(super) step: usize,
    /// `[tasks]` tower learning-rate multipliers, when any differs from 1.
    pub(super) tower_multipliers: Option<Tensor<1>>,
    pub(super) report_window: Window,
    pub(super) epoch_window: Window,
    pub(super) last_batch: Option<super::batches::Batch>,
}

impl Trainer {
    /// Builds the model and the method and uploads the data to `device` (autodiff is added
    /// here).
    ///
    /// # Errors
    /// An invalid config.
    pub fn new(
        config: &RunConfig,
        data: Arc<MultiTaskData>,
        device: &Device,
    ) -> Result<Self, ConfigError> {
        let method = config.weighting.build(&crate::weighting::MethodContext {
            tasks: data.tasks.clone(),
            seed: config.seed,
            learning_rate: config.train.learning_rate,
        })?;
        Self::with_method(config, data, device, method)
    }

    /// Checks `config`, generates its data (from its seed) and builds the trainer on `device`.
    ///
    /// # Errors
    /// An invalid config, or data its dataset cannot generate.
    pub fn from_config(config: &RunConfig, device: &Device) -> Result<Self, RunError> {
        config.validate()?;
        let data = Arc::new(config.dataset.generate(config.seed)?);
        Ok(Self::new(config, data, device)?)
    }

    /// As [`Trainer::new`], with a method built elsewhere (the config's `weighting` is then
    /// only a label).
    ///
    /// # Errors
    /// An invalid config.
    pub fn with_method(
        config: &RunConfig,
        data: Arc<MultiTaskData>,
        device: &Device,
        method: Box<dyn Weighting>,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let inner_device = device.clone();
        // Methods that draw on the device (GradDrop) follow the run's seed.
        inner_device.seed(config.seed);
        let device = device.clone().autodiff();
        let tasks = data.tasks.len();
        let mut rng = Rng::fork(config.seed, "init");
        let shape = ModelShape {
            input_dim: data.input_dim,
            tasks: &data.tasks,
            dataset: config.dataset.id(),
        };
        let model = config
            .arch
            .build(&shape, config.fm.as_ref(), &mut rng, &device)?;
        let multipliers: Vec<f32> = (0..tasks)
            .map(|k| crate::data::task_value(&config.train.tower_lr, k) as f32)
            .collect();
        let tower_multipliers = multipliers
            .iter()
            .any(|&m| m != 1.0)
            .then(|| Tensor::from_data(TensorData::new(multipliers, [tasks]), &inner_device));
        let train = DeviceSplit::upload(&data.train, &data.tasks, data.input_dim, &device);
        let validation =
            DeviceSplit::upload(&data.validation, &data.tasks, data.input_dim, &inner_device);
        Ok(Self {
            config: config.clone(),
            order: BatchOrder::new(train.rows(), config.seed),
            train,
            validation,
            model,
            optimizers: Vec::new(),
            method,
            step: 0,
            tower_multipliers,
            report_window: Window::new(tasks, &inner_device),
            epoch_window: Window::new(tasks, &inner_device),
            last_batch: None,
            data,
            device,
            inner_device,
        })
    }

    /// Steps done so far.
    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// Whether the configured number of steps is done.
    pub fn is_done(&self) -> bool {
        self.step >= self.config.train.steps
    }

    /// Whether the step just done should be followed by a report.
    pub fn is_report_due(&self) -> bool {
        self.step > 0 && (self.step.is_multiple_of(self.config.train.eval_every) || self.is_done())
    }

    /// The tasks.
    pub fn tasks(&self) -> &[TaskSpec] {
        &self.data.tasks
    }

    /// The model being trained.
    pub fn model(&self) -> &MultiTaskModel {
        &self.model
    }

    /// One optimisation step. Enqueues device work only; nothing is read back unless the
    /// method asks for host values ([`Weighting::reads_host`]), and then asynchronously.
    ///
    /// # Errors
    /// A failed device read.
    pub async fn step(&mut self) -> Result<(), RunError> {
        let (indices, epoch_ended) = self.order.next(self.config.train.batch_size);
        let mut batch = self.train.batch(&indices);
        let row_weights = self.method.row_weights(&batch.targets);
        for (targets, weights) in batch.targets.iter_mut().zip(row_weights) {
            targets.row_weights = weights;
        }
        let tasks = self.data.tasks.clone();
        let context = StepContext {
            step: self.step,
            device: self.inner_device.clone(),
        };
        let StepOutcome {
            losses,
            update,
            grads,
        } = compute_step(&self.model, &tasks, &batch, self.method.as_mut(), context).await?;
        self.apply(grads);
        let weights = update.weights().clone();
        self.report_window.add(losses.clone(), weights.clone());
        self.epoch_window.add(losses, weights);
        if epoch_ended {
            let window = std::mem::replace(
                &mut self.epoch_window,
                Window::new(tasks.len(), &self.inner_device),
            );
            self.method.end_epoch(window.losses / window.steps as f64);
        }
        self.last_batch = Some(batch);
        self.step += 1;
        Ok(())
    }

    /// Optimiser step, then tower learning-rate multipliers (a tower's update is scaled by its
    /// multiplier, which for Adam and SGD equals scaling its learning rate).
    fn apply(&mut self, grads: GradientsParams) {
        let learning_rate = self.config.train.learning_rate;
        let towers_before = self
            .tower_multipliers
            .as_ref()
            .map(|_| self.model.towers().clone());
        let slot = self.method.optimizer_slot();
        while self.optimizers.len() <= slot {
            self.optimizers.push(FlatOptimizer::new(
                self.config.train.optimizer.rule(),
                Rates::one(learning_rate),
                &self.inner_device,
            ));
        }
        // `step` takes the model by value; cloning a module only clones tensor handles.
        self.model = self.optimizers[slot].step(self.model.clone(), grads);
        if let (Some(before), Some(multipliers)) = (towers_before, &self.tower_multipliers) {
            let after = self.model.towers().clone();
            let scaled = scale_tower_updates(before, after, multipliers.clone());
            self.model.set_towers(scaled);
        }
    }

    /// Evaluates on the validation split and returns the report for the steps since the last
    /// one. Reads back once, asynchronously.
    ///
    /// # Errors
    /// A failed device read, or a non-finite training loss.
    pub async fn report(&mut self) -> Result<HistoryEntry, RunError> {
        let tasks = self.data.tasks.len();
        let window = std::mem::replace(
            &mut self.report_window,
            Window::new(tasks, &self.inner_device),
        );
        let count = window.steps.max(1) as f64;
        let cosine = self.last_batch.as_ref().map(|batch| {
            let per_task = representation_gradients(&self.model, &self.data.tasks, batch);
            cosine_matrix(shared_jacobian(&self.model, batch, &per_task).inner())
        });
        let model = self.model.valid();
        let evaluation = Evaluation::enqueue(&model, &self.validation, &self.data.tasks);
        let mut transaction = Transaction::default()
            .register(window.losses / count)
            .register(window.weights / count);
        if let Some(cosine) = cosine.clone() {
            transaction = transaction.register(cosine);
        }
        let mut reads = Reads::execute(evaluation.register(transaction)).await?;
        let train_loss = reads.next_f64()?;
        if let Some(task) = train_loss.iter().position(|l| !l.is_finite()) {
            return Err(RunError::Diverged {
                step: self.step,
                task: self.data.tasks[task].name.clone(),
            });
        }
        let weights = reads.next_f64()?;
        let gradient_cosine = match cosine {
            Some(_) => reads
                .next()?
                .chunks(tasks)
                .map(|row| row.iter().map(|&c| f64::from(c)).collect())
                .collect(),
            None => Vec::new(),
        };
        let readout = evaluation.read(&mut reads)?;
        let validation = evaluate_tasks(&self.data.tasks, &self.data.validation, &readout);
        let skills: Vec<f64> = validation.iter().map(TaskEvaluation::skill).collect();
        self.method.observe_validation(&skills);
        let gates = readout
            .gates
            .into_iter()
            .map(|gate| GateUtilisation {
                name: gate.name,
                mean: gate.mean,
                std: gate.std,
            })
            .collect();
        Ok(HistoryEntry {
            step: self.step,
            train_loss,
            weights,
            validation,
            gates,
            gradient_cosine,
        })
    }

    /// The mean training loss per task over the steps since the last report (empty before the
    /// first step of a window). One small asynchronous read: a live view between reports, and
    /// the way a driver waits for the device to catch up with the steps it enqueued.
    ///
    /// # Errors
    /// A failed device read.
    pub async fn running_loss(&self) -> Result<Vec<f64>, RunError> {
        let window = &self.report_window;
        if window.steps == 0 {
            return Ok(Vec::new());
        }
        let mean = window.losses.clone() / window.steps as f64;
        Reads::execute(Transaction::default().register(mean))
            .await?
            .next_f64()
    }

    /// The device the model trains on (with autodiff).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The data.
    pub fn data(&self) -> &Arc<MultiTaskData> {
        &self.data
    }
}

impl Trainer {
    /// Evaluates the current model on the validation and test splits (one read).
    ///
    /// # Errors
    /// A failed device read.
    pub async fn final_report(&self) -> Result<super::report::FinalReport, RunError> {
        Ok(self.final_evaluation(false).await?.0)
    }

    /// [`Trainer::final_report`] plus the test split's per-row scores (sigmoid probabilities
    /// for binary tasks, ESMM's conditional conversion rate, predictions for regression) and
    /// labels (masked rows `None`), from the same single asynchronous read.
    ///
    /// # Errors
    /// A failed device read.
    pub async fn final_report_with_predictions(
        &self,
    ) -> Result<(super::report::FinalReport, Predictions), RunError> {
        let (report, predictions) = self.final_evaluation(true).await?;
        Ok((report, predictions.expect("asked for predictions")))
    }

    async fn final_evaluation(
        &self,
        with_predictions: bool,
    ) -> Result<(super::report::FinalReport, Option<Predictions>), RunError> {
        let model = self.model.valid();
        let test = DeviceSplit::upload(
            &self.data.test,
            &self.data.tasks,
            self.data.input_dim,
            &self.inner_device,
        );
        let on_validation = Evaluation::enqueue(&model, &self.validation, &self.data.tasks);
        let on_test = Evaluation::enqueue(&model, &test, &self.data.tasks);
        let transaction = on_test.register(on_validation.register(Transaction::default()));
        let mut reads = Reads::execute(transaction).await?;
        let validation = evaluate_tasks(
            &self.data.tasks,
            &self.data.validation,
            &on_validation.read(&mut reads)?,
        );
        let test_readout = on_test.read(&mut reads)?;
        let test = evaluate_tasks(&self.data.tasks, &self.data.test, &test_readout);
        let predictions = with_predictions
            .then(|| row_predictions(&self.data.tasks, &self.data.test, &test_readout));
        let tasks = self
            .data
            .tasks
            .iter()
            .zip(validation)
            .zip(test)
            .map(|((spec, validation), test)| super::report::FinalTask {
                name: spec.name.clone(),
                kind: spec.kind,
                val_loss: validation.loss,
                metric: validation.metric,
                value: validation.value,
                test_loss: test.loss,
                test_value: test.value,
                better: test.better,
                extra: test.extra,
            })
            .collect();
        Ok((super::report::FinalReport { tasks }, predictions))
    }
}
