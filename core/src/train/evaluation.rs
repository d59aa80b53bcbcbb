//! Evaluation on a whole split: losses, predictions and gate statistics computed on the device
//! and read back in the caller's single transaction, then metrics on the host.

use super::batches::DeviceSplit;
use super::gradients::task_losses;
use super::report::TaskEvaluation;
use crate::data::{Split, TaskKind, TaskSpec};
use crate::error::RunError;
use crate::fusion::Predictions;
use crate::loss::metric_prediction;
use crate::metrics::{Metric, auc, log_loss, mse, r_squared, secondary};
use crate::model::MultiTaskModel;
use burn::prelude::*;
use burn::tensor::Transaction;
use std::collections::BTreeMap;

/// Device tensors of one evaluation, waiting to be read.
pub(crate) struct Evaluation {
    losses: Tensor<1>,
    predictions: Vec<Tensor<2>>,
    gates: Vec<(String, Tensor<2>, Tensor<2>)>,
}

/// One gate's statistics, read back.
pub(crate) struct GateReadout {
    pub name: String,
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

/// Host values of one evaluation.
pub(crate) struct Readout {
    pub losses: Vec<f64>,
    pub predictions: Vec<Vec<f32>>,
    pub gates: Vec<GateReadout>,
}

impl Evaluation {
    /// Runs `model` (without autodiff) on every row of `split`.
    pub fn enqueue(model: &MultiTaskModel, split: &DeviceSplit, tasks: &[TaskSpec]) -> Self {
        let batch = split.all();
        let forward = model.forward(batch.x.clone());
        let losses = Tensor::cat(task_losses(&forward.outputs, tasks, &batch), 0);
        let predictions = forward
            .outputs
            .iter()
            .zip(tasks)
            .map(|(output, spec)| metric_prediction(output, spec.kind))
            .collect();
        let gates = forward
            .gates
            .into_iter()
            .map(|gate| {
                let (variance, mean) = gate.weights.var_mean_bias(0);
                (gate.name, mean, variance.sqrt())
            })
            .collect();
        Self {
            losses,
            predictions,
            gates,
        }
    }

    /// Adds every tensor to `transaction`, in the order [`Evaluation::read`] takes them.
    pub fn register(&self, mut transaction: Transaction) -> Transaction {
        transaction = transaction.register(self.losses.clone());
        for prediction in &self.predictions {
            transaction = transaction.register(prediction.clone());
        }
        for (_, mean, std) in &self.gates {
            transaction = transaction.register(mean.clone()).register(std.clone());
        }
        transaction
    }

    /// Takes this evaluation's values from the transaction's results.
    pub fn read(self, reads: &mut Reads) -> Result<Readout, RunError> {
        let losses = reads.next_f64()?;
        let predictions = self
            .predictions
            .iter()
            .map(|_| reads.next())
            .collect::<Result<_, _>>()?;
        let mut gates = Vec::new();
        for (name, _, _) in self.gates {
            gates.push(GateReadout {
                name,
                mean: reads.next_f64()?,
                std: reads.next_f64()?,
            });
        }
        Ok(Readout {
            losses,
            predictions,
            gates,
        })
    }
}

/// The results of one batched read, taken in registration order.
pub(crate) struct Reads(std::vec::IntoIter<TensorData>);

impl Reads {
    /// Executes `transaction` asynchronously (the only way to read in a browser).
    pub async fn execute(transaction: Transaction) -> Result<Self, RunError> {
        let data = transaction
            .execute_async()
            .await
            .map_err(|error| RunError::Device(format!("{error:?}")))?;
        Ok(Self(data.into_iter()))
    }

    /// The next tensor's values.
    pub fn next(&mut self) -> Result<Vec<f32>, RunError> {
        self.0
            .next()
            .ok_or_else(|| RunError::Device("fewer results than tensors registered".into()))?
            .try_to_vec::<f32>()
            .map_err(|error| RunError::Device(format!("{error:?}")))
    }

    /// The next tensor's values, widened.
    pub fn next_f64(&mut self) -> Result<Vec<f64>, RunError> {
        Ok(self.next()?.into_iter().map(f64::from).collect())
    }
}

/// Metrics of every task from the predictions read back.
pub(crate) fn evaluate_tasks(
    tasks: &[TaskSpec],
    split: &Split,
    readout: &Readout,
) -> Vec<TaskEvaluation> {
    tasks
        .iter()
        .enumerate()
        .map(|(task, spec)| {
            let predictions = &readout.predictions[task];
            let labels = &split.targets[task];
            let (predictions_seen, labels_seen) =
                observed(predictions, labels, split.masks[task].as_deref(), spec.dim);
            let mut extra = BTreeMap::new();
            let metric = primary_metric(spec.kind);
            let value = match metric {
                Metric::Auc => {
                    let log_loss = log_loss(&predictions_seen, &labels_seen);
                    extra.insert(secondary::LOG_LOSS.to_string(), log_loss);
                    auc(&predictions_seen, &labels_seen)
                }
                Metric::Mse => {
                    let r2 = r_squared(&predictions_seen, &labels_seen);
                    extra.insert(secondary::R2.to_string(), r2);
                    Some(mse(&predictions_seen, &labels_seen))
                }
            };
            if let (Some(previous), Some(truth)) = (spec.follows, &split.funnel) {
                // The second step of a funnel: score it on the entire space against whether
                // each row would have converted, and the product of both steps against
                // click-and-convert.
                if let Some(value) = auc(predictions, &truth.would_convert) {
                    extra.insert(secondary::CVR_AUC_ENTIRE_SPACE.to_string(), value);
                }
                let joint_scores: Vec<f32> = readout.predictions[previous]
                    .iter()
                    .zip(predictions)
                    .map(|(first, second)| first * second)
                    .collect();
                let joint_labels: Vec<f32> = split.targets[previous]
                    .iter()
                    .zip(&truth.would_convert)
                    .map(|(first, convert)| first * convert)
                    .collect();
                if let Some(value) = auc(&joint_scores, &joint_labels) {
                    extra.insert(secondary::CTCVR_AUC.to_string(), value);
                }
            }
            TaskEvaluation {
                name: spec.name.clone(),
                loss: readout.losses[task],
                metric,
                value,
                better: metric.better(),
                extra,
            }
        })
        .collect()
}

/// The primary metric of a task of kind `kind`.
pub(crate) fn primary_metric(kind: TaskKind) -> Metric {
    match kind {
        TaskKind::Binary => Metric::Auc,
        TaskKind::Regression => Metric::Mse,
    }
}

/// The predictions and labels of observed rows only (all rows without a mask).
fn observed(
    predictions: &[f32],
    labels: &[f32],
    mask: Option<&[f32]>,
    dim: usize,
) -> (Vec<f32>, Vec<f32>) {
    match mask {
        None => (predictions.to_vec(), labels.to_vec()),
        Some(mask) => {
            let mut kept_predictions = Vec::new();
            let mut kept_labels = Vec::new();
            for (row, &seen) in mask.iter().enumerate() {
                if seen > 0.5 {
                    kept_predictions.extend_from_slice(&predictions[row * dim..(row + 1) * dim]);
                    kept_labels.extend_from_slice(&labels[row * dim..(row + 1) * dim]);
                }
            }
            (kept_predictions, kept_labels)
        }
    }
}

/// Per-row scores and labels of `split` from the predictions read back: one column per task
/// (`name`), or per component (`name.0`, `name.1`, …) for a task wider than one. A row a
/// task's mask hides gets no label.
pub(crate) fn row_predictions(tasks: &[TaskSpec], split: &Split, readout: &Readout) -> Predictions {
    let mut result = Predictions {
        tasks: Vec::new(),
        kinds: Vec::new(),
        scores: Vec::new(),
        labels: Vec::new(),
    };
    for (task, spec) in tasks.iter().enumerate() {
        let dim = spec.dim.max(1);
        let mask = split.masks[task].as_deref();
        for component in 0..dim {
            result.tasks.push(if dim == 1 {
                spec.name.clone()
            } else {
                format!("{}.{component}", spec.name)
            });
            result.kinds.push(spec.kind);
            let column = |values: &[f32]| -> Vec<f64> {
                values
                    .iter()
                    .skip(component)
                    .step_by(dim)
                    .map(|&v| f64::from(v))
                    .collect()
            };
            result.scores.push(column(&readout.predictions[task]));
            let labels = column(&split.targets[task])
                .into_iter()
                .enumerate()
                .map(|(row, label)| match mask {
                    Some(mask) if mask[row] <= 0.5 => None,
                    _ => Some(label),
                })
                .collect();
            result.labels.push(labels);
        }
    }
    result
}
