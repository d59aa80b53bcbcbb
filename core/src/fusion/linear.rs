//! The two classic fusion formulas: a weighted sum and a weighted product.

use super::formula::check_values;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Additive fusion: F = Σ_k w_k · s_k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdditiveFusion {
    /// w_k per task, finite and ≥ 0 (neutral: 1).
    pub weights: Vec<f64>,
}

impl AdditiveFusion {
    /// Unit weights.
    pub fn neutral(tasks: usize) -> Self {
        Self {
            weights: vec![1.0; tasks],
        }
    }

    /// # Errors
    /// A count other than `tasks`, or a NaN, infinite or negative weight.
    pub fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        check_values("weights", &self.weights, tasks, 0.0)
    }

    /// Σ w_k s_k of one item.
    pub fn fuse(&self, scores: &[f64]) -> f64 {
        self.weights.iter().zip(scores).map(|(w, s)| w * s).sum()
    }
}

/// Multiplicative fusion: F = Π_k (α_k + s_k)^β_k. PLE (Tang et al., RecSys 2020, "Progressive
/// Layered Extraction", Eq. 1) ranks videos by Π s_k^β_k, i.e. α = 0; the offset α_k keeps a
/// near-zero score from zeroing the whole product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiplicativeFusion {
    /// α_k per task, finite and ≥ 0 (neutral: 0).
    pub alpha: Vec<f64>,
    /// β_k per task, finite and ≥ 0 (neutral: 1).
    pub beta: Vec<f64>,
}

impl MultiplicativeFusion {
    /// α = 0, β = 1: the plain product of the scores.
    pub fn neutral(tasks: usize) -> Self {
        Self {
            alpha: vec![0.0; tasks],
            beta: vec![1.0; tasks],
        }
    }

    /// # Errors
    /// A wrong count, or a NaN, infinite or negative α or β.
    pub fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        check_values("alpha", &self.alpha, tasks, 0.0)?;
        check_values("beta", &self.beta, tasks, 0.0)
    }

    /// Π (α_k + s_k)^β_k of one item (0^0 = 1: a task with β_k = 0 drops out).
    ///
    /// # Errors
    /// α_k + s_k < 0 (a power of a negative base is undefined), naming the task.
    pub fn fuse(&self, scores: &[f64]) -> Result<f64, ConfigError> {
        let mut product = 1.0;
        for (k, &s) in scores.iter().enumerate() {
            let base = self.alpha[k] + s;
            if base < 0.0 {
                return Err(ConfigError::new(
                    format!("alpha[{k}]"),
                    format!("α + score = {base} < 0: the power is undefined; raise alpha"),
                ));
            }
            product *= base.powf(self.beta[k]);
        }
        Ok(product)
    }
}
