//! Extended multiplicative fusion with a score-dependent exponent.

use super::formula::check_values;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// F = Π_k (α_k + w_k · s_k)^(β_k · (1 + γ_k · s_k)).
///
/// This is our reading of iQIYI's write-up on multi-objective score fusion (a per-task factor
/// w_k, an offset α_k that floors each term, and an exponent that grows (γ_k > 0) or shrinks
/// (γ_k < 0) with the score itself, so a task can matter more for items it already rates
/// highly); the write-up gives no single closed formula, and the exact form above is ours. With
/// w = 1 and γ = 0 it is [`super::MultiplicativeFusion`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtendedFusion {
    /// w_k per task, finite and ≥ 0 (neutral: 1).
    pub weight: Vec<f64>,
    /// α_k per task, finite and ≥ 0 (neutral: 0).
    pub alpha: Vec<f64>,
    /// β_k per task, finite and ≥ 0 (neutral: 1).
    pub beta: Vec<f64>,
    /// γ_k per task, finite and ≥ −1 (so the exponent stays ≥ 0 for scores in [0, 1];
    /// neutral: 0).
    pub gamma: Vec<f64>,
}

impl ExtendedFusion {
    /// w = 1, α = 0, β = 1, γ = 0: the plain product.
    pub fn neutral(tasks: usize) -> Self {
        Self {
            weight: vec![1.0; tasks],
            alpha: vec![0.0; tasks],
            beta: vec![1.0; tasks],
            gamma: vec![0.0; tasks],
        }
    }

    /// # Errors
    /// A wrong count, or a NaN or out-of-range value, naming the parameter.
    pub fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        check_values("weight", &self.weight, tasks, 0.0)?;
        check_values("alpha", &self.alpha, tasks, 0.0)?;
        check_values("beta", &self.beta, tasks, 0.0)?;
        check_values("gamma", &self.gamma, tasks, -1.0)
    }

    /// The fused score of one item.
    ///
    /// # Errors
    /// A negative base α_k + w_k s_k, or a non-finite term (a zero base with a negative
    /// exponent), naming the task.
    pub fn fuse(&self, scores: &[f64]) -> Result<f64, ConfigError> {
        let mut product = 1.0;
        for (k, &s) in scores.iter().enumerate() {
            let base = self.alpha[k] + self.weight[k] * s;
            let exponent = self.beta[k] * (1.0 + self.gamma[k] * s);
            let term = base.powf(exponent);
            if base < 0.0 || !term.is_finite() {
                return Err(ConfigError::new(
                    format!("task {k}"),
                    format!("({base})^({exponent}) is undefined for score {s}"),
                ));
            }
            product *= term;
        }
        Ok(product)
    }
}
