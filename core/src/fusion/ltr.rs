//! Learning-to-rank fusion: a logistic regression from the task scores to a combined label
//! the user defines (e.g. click + 3 · conversion), trained by plain full-batch gradient descent
//! in f64.

use super::predictions::Predictions;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// The combined label of a row is y = Σ_k c_k · label_k / Σ_k c_k ∈ [0, 1] (a masked label
/// counts as 0: a conversion never observed is not a conversion), used as a soft target of the
/// cross-entropy −[y log p + (1 − y) log(1 − p)] with p = σ(b + Σ_k w_k s_k), i.e. a log loss
/// weighted by how much each event is worth (the usual pointwise LTR fusion). Minimised with
/// `iterations` steps of gradient descent at `learning_rate` from w = 0, b = 0, with an L2 term
/// (l2/2)·|w|².
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LtrSettings {
    /// c_k per task, finite, ≥ 0, not all 0 (default: 1 each when empty).
    pub label_weights: Vec<f64>,
    /// Step size, > 0 (default 1).
    pub learning_rate: f64,
    /// Gradient steps, ≥ 1 (default 2000).
    pub iterations: usize,
    /// L2 penalty on w, ≥ 0 (default 0).
    pub l2: f64,
}

impl Default for LtrSettings {
    fn default() -> Self {
        Self {
            label_weights: Vec::new(),
            learning_rate: 1.0,
            iterations: 2000,
            l2: 0.0,
        }
    }
}

/// A trained LTR fusion: F = b + Σ_k w_k s_k (the logit; σ is monotone, so it ranks as p does).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LtrModel {
    /// w_k per task.
    pub weights: Vec<f64>,
    /// b.
    pub bias: f64,
    /// The training loss after the last step.
    pub loss: f64,
}

impl LtrModel {
    /// The logit of every row.
    pub fn score_all(&self, scores: &[Vec<f64>]) -> Vec<f64> {
        let rows = scores.first().map_or(0, Vec::len);
        (0..rows)
            .map(|row| {
                self.bias
                    + self
                        .weights
                        .iter()
                        .zip(scores)
                        .map(|(w, task)| w * task[row])
                        .sum::<f64>()
            })
            .collect()
    }
}

/// The combined label y ∈ [0, 1] of every row (see [`LtrSettings`]).
///
/// # Errors
/// A wrong count of label weights, or a bad or all-zero one.
pub fn combined_labels(
    predictions: &Predictions,
    label_weights: &[f64],
) -> Result<Vec<f64>, ConfigError> {
    let tasks = predictions.tasks.len();
    let weights = if label_weights.is_empty() {
        vec![1.0; tasks]
    } else {
        label_weights.to_vec()
    };
    super::formula::check_values("label_weights", &weights, tasks, 0.0)?;
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return Err(ConfigError::new(
            "label_weights",
            "all zero: no label to learn",
        ));
    }
    Ok((0..predictions.rows())
        .map(|row| {
            (0..tasks)
                .map(|k| weights[k] * predictions.labels[k][row].unwrap_or(0.0))
                .sum::<f64>()
                / total
        })
        .collect())
}

/// Trains the LTR fusion on `predictions`.
///
/// # Errors
/// Bad settings or predictions, named.
pub fn train_ltr(
    predictions: &Predictions,
    settings: &LtrSettings,
) -> Result<LtrModel, ConfigError> {
    predictions.validate()?;
    if !(settings.learning_rate > 0.0 && settings.learning_rate.is_finite()) {
        return Err(ConfigError::new(
            "learning_rate",
            "must be a finite number > 0",
        ));
    }
    if settings.iterations == 0 {
        return Err(ConfigError::new("iterations", "must be at least 1"));
    }
    if !(settings.l2 >= 0.0 && settings.l2.is_finite()) {
        return Err(ConfigError::new("l2", "must be a finite number ≥ 0"));
    }
    let targets = combined_labels(predictions, &settings.label_weights)?;
    let tasks = predictions.tasks.len();
    let rows = predictions.rows() as f64;
    let mut model = LtrModel {
        weights: vec![0.0; tasks],
        bias: 0.0,
        loss: f64::NAN,
    };
    for _ in 0..settings.iterations {
        let logits = model.score_all(&predictions.scores);
        let mut gradient = vec![0.0; tasks];
        let mut gradient_bias = 0.0;
        let mut loss = 0.0;
        for (row, (&z, &y)) in logits.iter().zip(&targets).enumerate() {
            let p = 1.0 / (1.0 + (-z).exp());
            // log(1 + e^z) − y z: the cross-entropy, stable for large |z|.
            loss += z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z;
            let error = p - y;
            gradient_bias += error;
            for (k, g) in gradient.iter_mut().enumerate() {
                *g += error * predictions.scores[k][row];
            }
        }
        model.loss = loss / rows;
        model.bias -= settings.learning_rate * gradient_bias / rows;
        for (w, g) in model.weights.iter_mut().zip(gradient) {
            *w -= settings.learning_rate * (g / rows + settings.l2 * *w);
        }
    }
    Ok(model)
}
