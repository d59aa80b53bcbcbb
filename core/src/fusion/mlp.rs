//! Learning-to-rank fusion with a small MLP, trained with burn: the same combined label and
//! weighted log loss as the logistic regression ([`super::train_ltr`]), through one hidden ReLU
//! layer, so the fusion can learn interactions (e.g. "conversion matters only where a click is
//! likely") that no monotone per-task formula expresses.

use super::ltr::combined_labels;
use super::predictions::Predictions;
use crate::error::{ConfigError, RunError};
use crate::model::layers::uniform_param;
use crate::rng::Rng;
use burn::module::Param;
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Transaction;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

/// Settings of the MLP fusion. Inputs are the task scores standardised on the training rows
/// (mean 0, std 1 per task); one hidden layer of `hidden` ReLU units, PyTorch's default
/// uniform initialisation drawn from `seed`; full-batch Adam (β = 0.9, 0.999) on the cross
/// entropy −[y log p + (1 − y) log(1 − p)] with y the combined label and p = σ(F).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlpSettings {
    /// c_k per task, as for the logistic regression (default: 1 each when empty).
    pub label_weights: Vec<f64>,
    /// Hidden units, 1 to 256 (default 16).
    pub hidden: usize,
    /// Adam's step size, > 0 (default 0.02).
    pub learning_rate: f64,
    /// Full-batch steps, 1 to 100 000 (default 300).
    pub iterations: usize,
    /// Seed of the initial weights (default 0).
    pub seed: u64,
}

impl Default for MlpSettings {
    fn default() -> Self {
        Self {
            label_weights: Vec::new(),
            hidden: 16,
            learning_rate: 0.02,
            iterations: 300,
            seed: 0,
        }
    }
}

impl MlpSettings {
    /// Checks every field against its range.
    ///
    /// # Errors
    /// The first field out of range, named.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=256).contains(&self.hidden) {
            return Err(ConfigError::new("hidden", "must be 1 to 256"));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(ConfigError::new(
                "learning_rate",
                "must be a finite number > 0",
            ));
        }
        if !(1..=100_000).contains(&self.iterations) {
            return Err(ConfigError::new("iterations", "must be 1 to 100000"));
        }
        Ok(())
    }
}

/// A trained MLP fusion, read back to the host: F(s) = b₂ + Σ_j v_j · relu(b₁_j + Σ_k
/// W_kj · (s_k − mean_k) / std_k), the logit of the combined label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpModel {
    /// Per-task input mean.
    pub mean: Vec<f64>,
    /// Per-task input standard deviation (1 where a score is constant).
    pub std: Vec<f64>,
    /// W, `[tasks][hidden]`.
    pub hidden_weights: Vec<Vec<f64>>,
    /// b₁, `[hidden]`.
    pub hidden_bias: Vec<f64>,
    /// v, `[hidden]`.
    pub output_weights: Vec<f64>,
    /// b₂.
    pub output_bias: f64,
    /// The training loss after the last step.
    pub loss: f64,
}

impl MlpModel {
    /// The logit of every row (scored on the host in f64).
    pub fn score_all(&self, scores: &[Vec<f64>]) -> Vec<f64> {
        let rows = scores.first().map_or(0, Vec::len);
        (0..rows)
            .map(|row| {
                let inputs: Vec<f64> = scores
                    .iter()
                    .enumerate()
                    .map(|(k, task)| (task[row] - self.mean[k]) / self.std[k])
                    .collect();
                self.output_bias
                    + self
                        .output_weights
                        .iter()
                        .enumerate()
                        .map(|(j, v)| {
                            let pre: f64 = self.hidden_bias[j]
                                + inputs
                                    .iter()
                                    .zip(&self.hidden_weights)
                                    .map(|(x, w)| x * w[j])
                                    .sum::<f64>();
                            v * pre.max(0.0)
                        })
                        .sum::<f64>()
            })
            .collect()
    }
}

#[derive(Module, Debug)]
struct Net {
    w1: Param<Tensor<2>>,
    b1: Param<Tensor<2>>,
    w2: Param<Tensor<2>>,
    b2: Param<Tensor<2>>,
}

impl Net {
    fn new(tasks: usize, hidden: usize, rng: &mut Rng, device: &Device) -> Self {
        Self {
            w1: uniform_param(rng, [tasks, hidden], tasks, device),
            b1: uniform_param(rng, [1, hidden], tasks, device),
            w2: uniform_param(rng, [hidden, 1], hidden, device),
            b2: uniform_param(rng, [1, 1], hidden, device),
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let hidden = relu(x.matmul(self.w1.val()) + self.b1.val());
        hidden.matmul(self.w2.val()) + self.b2.val()
    }
}

/// Trains the MLP fusion on `predictions` on `device` (burn's autodiff is added here). Every
/// step stays on the device; the weights and the last loss come back in one asynchronous read.
///
/// # Errors
/// Bad settings or predictions ([`RunError::Config`]), a failed device read.
pub async fn train_ltr_mlp(
    predictions: &Predictions,
    settings: &MlpSettings,
    device: &Device,
) -> Result<MlpModel, RunError> {
    predictions.validate()?;
    settings.validate()?;
    let targets = combined_labels(predictions, &settings.label_weights)?;
    let tasks = predictions.tasks.len();
    let rows = predictions.rows();
    let (mean, std): (Vec<f64>, Vec<f64>) = predictions
        .scores
        .iter()
        .map(|column| {
            let mean = column.iter().sum::<f64>() / rows as f64;
            let variance = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / rows as f64;
            let std = variance.sqrt();
            (mean, if std > 1e-12 { std } else { 1.0 })
        })
        .unzip();
    let mut inputs = Vec::with_capacity(rows * tasks);
    for row in 0..rows {
        for k in 0..tasks {
            inputs.push(((predictions.scores[k][row] - mean[k]) / std[k]) as f32);
        }
    }
    let train_device = device.clone().autodiff();
    let x = Tensor::<2>::from_data(TensorData::new(inputs, [rows, tasks]), &train_device);
    let y = Tensor::<2>::from_data(
        TensorData::new(
            targets.iter().map(|v| *v as f32).collect::<Vec<_>>(),
            [rows, 1],
        ),
        &train_device,
    );
    let mut rng = Rng::fork(settings.seed, "fusion-mlp");
    let mut net = Net::new(tasks, settings.hidden, &mut rng, &train_device);
    let mut optimizer = burn::optim::AdamConfig::new().with_epsilon(1e-8).init();
    let mut loss = Tensor::<1>::zeros([1], &train_device);
    for _ in 0..settings.iterations {
        let logits = net.forward(x.clone());
        // log(1 + e^z) − y z, stable for large |z|.
        loss = (logits.clone().clamp_min(0.0) + logits.clone().abs().neg().exp().log1p()
            - y.clone() * logits)
            .mean();
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        net = optimizer.step(settings.learning_rate, net, grads);
    }
    let net = net.valid();
    let data = Transaction::default()
        .register(net.w1.val())
        .register(net.b1.val())
        .register(net.w2.val())
        .register(net.b2.val())
        .register(loss.inner())
        .execute_async()
        .await
        .map_err(|error| RunError::Device(format!("{error:?}")))?;
    let mut read = data.into_iter().map(|tensor| {
        tensor
            .try_to_vec::<f32>()
            .map(|values| values.into_iter().map(f64::from).collect::<Vec<f64>>())
            .map_err(|error| RunError::Device(format!("{error:?}")))
    });
    let mut next = || {
        read.next()
            .unwrap_or_else(|| Err(RunError::Device("fewer results than tensors".into())))
    };
    let w1 = next()?;
    let hidden = settings.hidden;
    Ok(MlpModel {
        mean,
        std,
        hidden_weights: (0..tasks)
            .map(|k| w1[k * hidden..(k + 1) * hidden].to_vec())
            .collect(),
        hidden_bias: next()?,
        output_weights: next()?,
        output_bias: next()?[0],
        loss: next()?[0],
    })
}
