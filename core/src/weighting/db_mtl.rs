//! Dual-Balancing Multi-Task Learning: Lin, Ye, Zhang, Wu & Yang (LibMTL authors),
//! "Dual-Balancing for Multi-Task Learning", arXiv 2308.12029, 2023. We follow LibMTL's
//! `DB_MTL` (the authors' code), defaults included.
//!
//! Loss-scale balancing: every task trains on log(L_k + ε), whose gradient is ∇L_k/(L_k + ε),
//! so a loss's scale no longer matters. Gradient-magnitude balancing: each task's log-loss
//! gradient g_k on the shared parameters goes into a buffer that starts at 0,
//! ĝ_k ← g_k + (β/t^σ)·(ĝ_k − g_k) at step t = 1, 2, …, and the shared parameters descend
//! max_k ||ĝ_k|| · Σ_k ĝ_k/||ĝ_k||: every task contributes a gradient of the largest task's
//! size. Task parameters descend their log-loss gradients. Reported weights:
//! max_j ||ĝ_j|| / ||ĝ_k||. Runs on the device.
//!
//! Defaults as LibMTL's: β = 0.9 and σ = 0 (`DB_beta`, `DB_beta_sigma`), a constant
//! exponential average of the gradients; σ > 0 makes the average fade as β/t^σ (σ = 0.5 leaves
//! β/t^σ < 0.1 after 81 steps). Starting from 0, the buffer's first steps are small
//! (0.1·g at step 1 with β = 0.9), as in LibMTL.

use super::{MethodConfig, MethodContext, MethodSettings};
use super::{Needs, StepSignals, Update, Weighting};
use crate::error::{ConfigError, check_range};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Settings of `db-mtl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DbMtlConfig {
    /// Smoothing β of the gradient buffer (0 to 0.999; default 0.9).
    pub beta: f64,
    /// Decay σ of the smoothing with the step t (0 to 2; default 0, a constant β).
    pub beta_sigma: f64,
}

impl Default for DbMtlConfig {
    fn default() -> Self {
        Self {
            beta: 0.9,
            beta_sigma: 0.0,
        }
    }
}

impl MethodSettings for DbMtlConfig {
    fn validate(&self, _tasks: usize) -> Result<(), ConfigError> {
        check_range("beta", self.beta, 0.0, 0.999)?;
        check_range("beta_sigma", self.beta_sigma, 0.0, 2.0)
    }
}

impl MethodConfig for DbMtlConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(DbMtl::new(self)))
    }
}

/// DB-MTL's state: the smoothed log-loss gradients (`None` stands for the zero buffer).
#[derive(Debug, Clone)]
pub struct DbMtl {
    config: DbMtlConfig,
    buffer: Option<Tensor<2>>,
    steps: usize,
}

const EPSILON: f64 = 1e-8;

impl DbMtl {
    /// From its config.
    pub fn new(config: &DbMtlConfig) -> Self {
        Self {
            config: config.clone(),
            buffer: None,
            steps: 0,
        }
    }

    /// The shared direction and reported weights for a Jacobian `[tasks, parameters]` of the
    /// plain losses `losses` (`[tasks]`).
    pub fn balance(&mut self, jacobian: Tensor<2>, losses: Tensor<1>) -> (Tensor<1>, Tensor<1>) {
        let [tasks, parameters] = jacobian.dims();
        self.steps += 1;
        let log_gradients = jacobian / losses.add_scalar(EPSILON).reshape([tasks, 1]);
        let smoothing = self.config.beta / (self.steps as f64).powf(self.config.beta_sigma);
        let buffer = match self.buffer.take() {
            Some(previous) => {
                log_gradients.clone() + (previous - log_gradients).mul_scalar(smoothing)
            }
            None => log_gradients.mul_scalar(1.0 - smoothing),
        };
        let norms = buffer
            .clone()
            .square()
            .sum_dim(1)
            .sqrt()
            .add_scalar(EPSILON);
        let largest = norms.clone().max();
        let direction = (buffer.clone() / norms.clone())
            .sum_dim(0)
            .reshape([parameters])
            * largest.clone();
        self.buffer = Some(buffer);
        let weights = largest.reshape([1, 1]) / norms;
        (direction, weights.reshape([tasks]))
    }
}

impl Weighting for DbMtl {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let jacobian = signals
            .shared_gradients
            .clone()
            .expect("the trainer computes what `needs` asks");
        let (direction, weights) = self.balance(jacobian, signals.losses.clone());
        Update::SharedDirection {
            direction,
            weights,
            heads: signals.losses.clone().add_scalar(EPSILON).recip(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor<const D: usize>(values: &[f32], shape: [usize; D]) -> Tensor<D> {
        Tensor::from_data(TensorData::new(values.to_vec(), shape), &Device::flex())
    }

    #[test]
    fn balances_log_loss_gradients_to_the_largest_norm() {
        let mut method = DbMtl::new(&DbMtlConfig::default());
        // g1 = (3, 0) with L1 = 1 → log-gradient (3, 0); g2 = (0, 20) with L2 = 10 → (0, 2).
        // The buffer starts at 0: ĝ = 0.1·g = (0.3, 0) and (0, 0.2).
        let (direction, weights) = method.balance(
            tensor(&[3.0, 0.0, 0.0, 20.0], [2, 2]),
            tensor(&[1.0, 10.0], [2]),
        );
        let direction: Vec<f32> = direction.into_data().try_to_vec().unwrap();
        // Largest norm 0.3: 0.3·((1, 0) + (0, 1)) = (0.3, 0.3).
        assert!(
            (direction[0] - 0.3).abs() < 1e-5 && (direction[1] - 0.3).abs() < 1e-5,
            "{direction:?}"
        );
        let weights: Vec<f32> = weights.into_data().try_to_vec().unwrap();
        assert!(
            (weights[0] - 1.0).abs() < 1e-4 && (weights[1] - 1.5).abs() < 1e-4,
            "{weights:?}"
        );
    }

    /// One task (its direction is the buffer itself), log-gradients (1, 0), (0, 1), (2, 2) with
    /// L = 1, LibMTL's defaults (β = 0.9, σ = 0), by hand:
    /// ĝ₁ = 0.1·(1, 0) = (0.1, 0); ĝ₂ = (0, 1) + 0.9·((0.1, 0) − (0, 1)) = (0.09, 0.1);
    /// ĝ₃ = (2, 2) + 0.9·((0.09, 0.1) − (2, 2)) = (0.281, 0.29).
    #[test]
    fn the_buffer_starts_at_zero_and_averages_with_a_constant_beta() {
        let mut method = DbMtl::new(&DbMtlConfig::default());
        let losses = tensor(&[1.0], [1]);
        let expected = [[0.1, 0.0], [0.09, 0.1], [0.281, 0.29]];
        for (gradient, want) in [[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]].iter().zip(expected) {
            let (direction, _) = method.balance(tensor(gradient, [1, 2]), losses.clone());
            let got: Vec<f32> = direction.into_data().try_to_vec().unwrap();
            assert!(
                (got[0] - want[0]).abs() < 1e-6 && (got[1] - want[1]).abs() < 1e-6,
                "{got:?} vs {want:?}"
            );
        }
    }

    #[test]
    fn a_positive_sigma_fades_the_average() {
        let mut method = DbMtl::new(&DbMtlConfig {
            beta: 0.9,
            beta_sigma: 0.5,
        });
        let losses = tensor(&[1.0], [1]);
        method.balance(tensor(&[1.0, 0.0], [1, 2]), losses.clone());
        // Step 2: ĝ = g + 0.9/√2·(ĝ − g) with ĝ = (0.1, 0), g = (0, 1).
        let (direction, _) = method.balance(tensor(&[0.0, 1.0], [1, 2]), losses);
        let direction: Vec<f32> = direction.into_data().try_to_vec().unwrap();
        let a = 0.9 / 2f32.sqrt();
        assert!(
            (direction[0] - 0.1 * a).abs() < 1e-6 && (direction[1] - (1.0 - a)).abs() < 1e-6,
            "{direction:?}"
        );
    }
}
