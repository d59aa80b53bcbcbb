//! Smooth Tchebycheff scalarisation: Lin, Zhang, Yang, Zhang & Zhang, "Smooth Tchebycheff
//! Scalarization for Multi-Objective Optimization", ICML 2024.
//!
//! The objective μ·log Σ_k exp(λ_k·(L_k − z_k)/μ) is a smooth approximation of the Tchebycheff
//! max_k λ_k·(L_k − z_k) that pushes on the worst task. Its gradient is Σ_k w_k ∇L_k with
//! w = λ ⊙ softmax(λ ⊙ (L − z)/μ), the weights returned here. Here λ_k = 1 (equal
//! preference), the ideal point z = 0 (losses are non-negative), and the smoothing μ = 1 by
//! default; a smaller μ approaches the hard max. Runs on the device.

use super::{StepSignals, Update, Weighting};
use crate::error::{ConfigError, check_range};
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

/// Settings of `stch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StchConfig {
    /// Smoothing μ (1e-3 to 100; default 1).
    pub smoothing: f64,
}

impl Default for StchConfig {
    fn default() -> Self {
        Self { smoothing: 1.0 }
    }
}

impl StchConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check_range("smoothing", self.smoothing, 1e-3, 100.0)
    }
}

/// Smooth Tchebycheff weights.
#[derive(Debug, Clone)]
pub struct Stch {
    smoothing: f64,
}

impl Stch {
    /// From its config.
    pub fn new(config: &StchConfig) -> Self {
        Self {
            smoothing: config.smoothing,
        }
    }
}

impl Weighting for Stch {
    fn update(&mut self, signals: &StepSignals) -> Update {
        Update::Weights(softmax(
            signals.losses.clone().div_scalar(self.smoothing),
            0,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::test_support::{loss_signals, values};

    #[test]
    fn weights_are_a_softmax_of_the_losses_and_sharpen_with_small_smoothing() {
        let got = values(
            Stch::new(&StchConfig::default())
                .update(&loss_signals(&[1.0, 2.0]))
                .weights(),
        );
        let (a, b) = (1f32.exp(), 2f32.exp());
        assert!((got[0] - a / (a + b)).abs() < 1e-6 && (got[1] - b / (a + b)).abs() < 1e-6);
        let sharp = values(
            Stch::new(&StchConfig { smoothing: 0.01 })
                .update(&loss_signals(&[1.0, 2.0]))
                .weights(),
        );
        assert!(
            sharp[1] > 0.999,
            "the worst task takes all the weight: {sharp:?}"
        );
    }
}
