//! The training loop, one step at a time, so a browser can interleave steps with frames.
//!
//! [`Trainer::step`] only enqueues device work and never reads back; [`Trainer::report`]
//! gathers every number a report needs into one batched asynchronous read.

use super::batches::{BatchOrder, DeviceSplit};
use super::config::{OptimizerConfig, RunConfig};
use super::evaluation::{Evaluation, evaluate_tasks};
use super::gradients::{
    cosine_matrix, merge_shared, representation_gradients, scatter_shared, shared_jacobian,
    task_losses, weighted_decoder_gradients,
};
use super::report::{GateUtilisation, HistoryEntry};
use crate::data::{MultiTaskData, TaskSpec};
use crate::error::{ConfigError, RunError};
use crate::model::{ModelShape, MultiTaskModel};
use crate::rng::Rng;
use crate::weighting::{Needs, StepSignals, Update, Weighting};
use burn::module::{ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::prelude::*;
use burn::tensor::Transaction;
use std::collections::HashMap;
use std::sync::Arc;

/// Running sums on the device between two reads.
#[derive(Debug, Clone)]
struct Window {
    losses: Tensor<1>,
    weights: Tensor<1>,
    steps: usize,
}

impl Window {
    fn new(tasks: usize, device: &Device) -> Self {
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
    config: RunConfig,
    data: Arc<MultiTaskData>,
    device: Device,
    inner_device: Device,
    model: MultiTaskModel,
    optimizer: ModuleOptimizer,
    method: Box<dyn Weighting>,
    train: DeviceSplit,
    validation: DeviceSplit,
    order: BatchOrder,
    step: usize,
    /// `[tasks]` tower learning-rate multipliers, when any differs from 1.
    tower_multipliers: Option<Tensor<1>>,
    report_window: Window,
    epoch_window: Window,
    last_batch: Option<super::batches::Batch>,
}

impl Trainer {
    /// Builds the model and the method and uploads the data to `device` (autodiff is added
    /// here).
    ///
    /// # Errors
    /// An invalid config.
    pub fn new(config: &RunConfig, data: Arc<MultiTaskData>, device: &Device) -> Result<Self, ConfigError> {
        let method = config.weighting.build(data.tasks.len())?;
        Self::with_method(config, data, device, method)
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
        let device = device.clone().autodiff();
        let tasks = data.tasks.len();
        let mut rng = Rng::fork(config.seed, "init");
        let shape = ModelShape {
            input_dim: data.input_dim,
            tasks: &data.tasks,
            dataset: config.dataset.id(),
        };
        let model = config.arch.build(&shape, config.fm.as_ref(), &mut rng, &device)?;
        let optimizer = match config.train.optimizer {
            OptimizerConfig::Adam => AdamConfig::new().with_epsilon(1e-8).init(),
            OptimizerConfig::Sgd { momentum } => {
                let momentum = (momentum > 0.0).then(|| MomentumConfig::new().with_momentum(momentum));
                SgdConfig::new().with_momentum(momentum).init()
            }
        };
        let multipliers: Vec<f32> = (0..tasks)
            .map(|k| crate::data::task_value(&config.train.tower_lr, k) as f32)
            .collect();
        let tower_multipliers = multipliers
            .iter()
            .any(|&m| m != 1.0)
            .then(|| Tensor::from_data(TensorData::new(multipliers, [tasks]), &inner_device));
        let train = DeviceSplit::upload(&data.train, &data.tasks, data.input_dim, &device);
        let validation = DeviceSplit::upload(&data.validation, &data.tasks, data.input_dim, &inner_device);
        Ok(Self {
            config: config.clone(),
            order: BatchOrder::new(train.rows(), config.seed),
            train,
            validation,
            model,
            optimizer,
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
        self.step > 0 && (self.step % self.config.train.eval_every == 0 || self.is_done())
    }

    /// The tasks.
    pub fn tasks(&self) -> &[TaskSpec] {
        &self.data.tasks
    }

    /// The model being trained.
    pub fn model(&self) -> &MultiTaskModel {
        &self.model
    }

    /// One optimisation step. Enqueues device work only: nothing is read back.
    pub fn step(&mut self) {
        let (indices, epoch_ended) = self.order.next(self.config.train.batch_size);
        let batch = self.train.batch(&indices);
        let tasks = self.data.tasks.clone();
        let needs = self.method.needs();
        let (losses, update, grads) = match needs {
            Needs::Losses => {
                let forward = self.model.forward(batch.x.clone());
                let losses = Tensor::cat(task_losses(&forward.outputs, &tasks, &batch), 0);
                let update = self.method.update(&self.signals(losses.clone().inner(), None, None));
                let grads = match &update {
                    Update::Weights(weights) => GradientsParams::from_grads(
                        (losses.clone() * weights.clone()).sum().backward(),
                        &self.model,
                    ),
                    Update::SharedDirection { direction, weights } => {
                        let representation = self.model.encode(batch.x.clone()).representation;
                        let (mut grads, _) = weighted_decoder_gradients(&self.model, &tasks, &batch, &representation, weights);
                        scatter_shared(&self.model, direction.clone(), &mut grads);
                        grads
                    }
                };
                (losses.inner(), update, grads)
            }
            Needs::RepresentationGradients | Needs::SharedGradients => {
                let per_task = representation_gradients(&self.model, &tasks, &batch);
                let jacobian = (needs == Needs::SharedGradients)
                    .then(|| shared_jacobian(&self.model, &batch, &per_task.per_task).inner());
                let update = self.method.update(&self.signals(
                    per_task.losses.clone(),
                    Some(per_task.stacked()),
                    jacobian,
                ));
                let (mut grads, representation_gradient) = weighted_decoder_gradients(
                    &self.model,
                    &tasks,
                    &batch,
                    &per_task.representation,
                    update.weights(),
                );
                match &update {
                    Update::Weights(_) => {
                        let encoder = (per_task.representation.clone() * representation_gradient).sum().backward();
                        let mut encoder = GradientsParams::from_grads(encoder, &self.model);
                        merge_shared(&self.model, &mut encoder, &mut grads);
                    }
                    Update::SharedDirection { direction, .. } => {
                        scatter_shared(&self.model, direction.clone(), &mut grads);
                    }
                }
                (per_task.losses, update, grads)
            }
        };
        self.apply(grads);
        let weights = update.weights().clone();
        self.report_window.add(losses.clone(), weights.clone());
        self.epoch_window.add(losses, weights);
        if epoch_ended {
            let window = std::mem::replace(&mut self.epoch_window, Window::new(tasks.len(), &self.inner_device));
            self.method.end_epoch(window.losses / window.steps as f64);
        }
        self.last_batch = Some(batch);
        self.step += 1;
    }

    fn signals(&self, losses: Tensor<1>, representation: Option<Tensor<2>>, shared: Option<Tensor<2>>) -> StepSignals {
        StepSignals {
            step: self.step,
            device: self.inner_device.clone(),
            losses,
            representation_gradients: representation,
            shared_gradients: shared,
        }
    }

    /// Optimiser step, then tower learning-rate multipliers (a tower's update is scaled by its
    /// multiplier, which for Adam and SGD equals scaling its learning rate).
    fn apply(&mut self, grads: GradientsParams) {
        let learning_rate = self.config.train.learning_rate;
        let towers_before = self.tower_multipliers.as_ref().map(|_| self.model.towers().clone());
        // `step` takes the model by value; cloning a module only clones tensor handles.
        self.model = self.optimizer.step(learning_rate, self.model.clone(), grads);
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
        let window = std::mem::replace(&mut self.report_window, Window::new(tasks, &self.inner_device));
        let count = window.steps.max(1) as f64;
        let cosine = self.last_batch.as_ref().map(|batch| {
            let per_task = representation_gradients(&self.model, &self.data.tasks, batch);
            cosine_matrix(shared_jacobian(&self.model, batch, &per_task.per_task).inner())
        });
        let model = self.model.valid();
        let evaluation = Evaluation::enqueue(&model, &self.validation, &self.data.tasks);
        let mut transaction = Transaction::default()
            .register(window.losses / count)
            .register(window.weights / count);
        if let Some(cosine) = cosine.clone() {
            transaction = transaction.register(cosine);
        }
        let transaction = evaluation.register(transaction);
        let mut data = transaction
            .execute_async()
            .await
            .map_err(|error| RunError::Device(format!("{error:?}")))?
            .into_iter();
        let mut next = || -> Result<Vec<f32>, RunError> {
            data.next()
                .ok_or_else(|| RunError::Device("missing read".into()))?
                .try_to_vec::<f32>()
                .map_err(|error| RunError::Device(format!("{error:?}")))
        };
        let train_loss: Vec<f64> = next()?.into_iter().map(f64::from).collect();
        if let Some(task) = train_loss.iter().position(|l| !l.is_finite()) {
            return Err(RunError::Diverged {
                step: self.step,
                task: self.data.tasks[task].name.clone(),
            });
        }
        let weights: Vec<f64> = next()?.into_iter().map(f64::from).collect();
        let gradient_cosine = match cosine {
            Some(_) => next()?
                .chunks(tasks)
                .map(|row| row.iter().map(|&c| f64::from(c)).collect())
                .collect(),
            None => Vec::new(),
        };
        let readout = evaluation.read(&mut next)?;
        let validation = evaluate_tasks(&self.data.tasks, &self.data.validation, &readout);
        let metrics: Vec<f64> = validation
            .iter()
            .map(|task| {
                task.extra
                    .get("r2")
                    .copied()
                    .or(task.value)
                    .unwrap_or(0.5)
            })
            .collect();
        self.method.observe_validation(&metrics);
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

    /// The device the model trains on (with autodiff).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The data.
    pub fn data(&self) -> &Arc<MultiTaskData> {
        &self.data
    }
}

/// before + multiplier_k · (after − before) for every parameter of tower k.
fn scale_tower_updates(
    before: crate::model::layers::GroupedMlp,
    after: crate::model::layers::GroupedMlp,
    multipliers: Tensor<1>,
) -> crate::model::layers::GroupedMlp {
    struct Snapshot(HashMap<ParamId, Tensor<3>>);
    impl ModuleVisitor for Snapshot {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            // Every tower parameter has the task as its first dimension.
            let value = param.val();
            let dims = value.dims();
            let count: usize = dims.iter().product();
            self.0
                .insert(param.id, value.inner().reshape([dims[0], 1, count / dims[0]]));
        }
    }
    struct Scale {
        before: HashMap<ParamId, Tensor<3>>,
        multipliers: Tensor<1>,
    }
    impl ModuleMapper for Scale {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let Some(old) = self.before.remove(&param.id) else {
                return param;
            };
            let tasks = self.multipliers.dims()[0];
            let multipliers = self.multipliers.clone().reshape([tasks, 1, 1]);
            param.map(|new| {
                let dims = new.dims();
                let flat = new.clone().inner().reshape(old.dims());
                let scaled = old.clone() + (flat - old) * multipliers;
                Tensor::<D>::from_inner(scaled.reshape(dims)).detach().require_grad()
            })
        }
    }
    let mut snapshot = Snapshot(HashMap::new());
    before.visit(&mut snapshot);
    after.map(&mut Scale {
        before: snapshot.0,
        multipliers,
    })
}

impl Trainer {
    /// Evaluates the current model on the validation and test splits (one read).
    ///
    /// # Errors
    /// A failed device read.
    pub async fn final_report(&self) -> Result<super::report::FinalReport, RunError> {
        let model = self.model.valid();
        let test = DeviceSplit::upload(&self.data.test, &self.data.tasks, self.data.input_dim, &self.inner_device);
        let on_validation = Evaluation::enqueue(&model, &self.validation, &self.data.tasks);
        let on_test = Evaluation::enqueue(&model, &test, &self.data.tasks);
        let transaction = on_test.register(on_validation.register(Transaction::default()));
        let mut data = transaction
            .execute_async()
            .await
            .map_err(|error| RunError::Device(format!("{error:?}")))?
            .into_iter();
        let mut next = || -> Result<Vec<f32>, RunError> {
            data.next()
                .ok_or_else(|| RunError::Device("missing read".into()))?
                .try_to_vec::<f32>()
                .map_err(|error| RunError::Device(format!("{error:?}")))
        };
        let validation = evaluate_tasks(&self.data.tasks, &self.data.validation, &on_validation.read(&mut next)?);
        let test = evaluate_tasks(&self.data.tasks, &self.data.test, &on_test.read(&mut next)?);
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
        Ok(super::report::FinalReport { tasks })
    }
}
