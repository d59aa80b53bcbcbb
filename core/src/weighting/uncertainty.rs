//! Uncertainty weighting: Kendall, Gal & Cipolla, "Multi-Task Learning Using Uncertainty to
//! Weigh Losses for Scene Geometry and Semantics", CVPR 2018.
//!
//! Each task learns a log-variance s_k = log σ_k² (initialised at 0). The objective is
//! Σ_k [c_k·exp(−s_k)·L_k + ½·s_k] with c_k = ½ for regression tasks (the Gaussian likelihood:
//! L/(2σ²) + log σ) and c_k = 1 for classification tasks (the paper's approximation
//! L/σ² + log σ). The model steps on the weights w_k = c_k·exp(−s_k); s steps by Adam on the
//! exact gradient ∂/∂s_k = −c_k·exp(−s_k)·L_k + ½, at the model's learning rate (as when s is
//! one more parameter of the model). A noisier task ends with a larger σ_k and a smaller weight.
//! Runs on the device: no read back.

use super::adam::TensorAdam;
use super::{MethodConfig, MethodSettings};
use super::{MethodContext, StepSignals, Update, Weighting};
use crate::error::ConfigError;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Learned homoscedastic uncertainty per task.
#[derive(Debug, Clone)]
pub struct Uncertainty {
    log_variance: Option<Tensor<1>>,
    /// c_k: ½ for regression, 1 for classification.
    scale: Vec<f32>,
    learning_rate: f64,
    adam: Option<TensorAdam>,
}

impl Uncertainty {
    /// For the tasks in `context`.
    pub fn new(context: &MethodContext) -> Self {
        Self {
            log_variance: None,
            scale: (0..context.task_count())
                .map(|k| if context.is_regression(k) { 0.5 } else { 1.0 })
                .collect(),
            learning_rate: context.learning_rate,
            adam: None,
        }
    }
}

impl Weighting for Uncertainty {
    fn update(&mut self, signals: &StepSignals) -> Update {
        let device = &signals.device;
        let tasks = self.scale.len();
        let scale = Tensor::<1>::from_data(TensorData::new(self.scale.clone(), [tasks]), device);
        let log_variance = self
            .log_variance
            .take()
            .unwrap_or_else(|| Tensor::zeros([tasks], device));
        let weights = scale * log_variance.clone().neg().exp();
        let gradient = (weights.clone() * signals.losses.clone())
            .neg()
            .add_scalar(0.5);
        let adam = self
            .adam
            .get_or_insert_with(|| TensorAdam::new(tasks, self.learning_rate, 0.0, device));
        self.log_variance = Some(adam.step(log_variance, gradient));
        Update::Weights(weights)
    }
}

/// Settings of `uncertainty` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UncertaintyConfig {}

impl MethodSettings for UncertaintyConfig {
    fn trains_stacked(&self) -> bool {
        true
    }
}

impl MethodConfig for UncertaintyConfig {
    fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Uncertainty::new(context)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{TaskKind, TaskSpec};
    use crate::weighting::test_support::{loss_signals, values};

    fn context(kinds: &[TaskKind]) -> MethodContext {
        MethodContext {
            tasks: kinds
                .iter()
                .map(|&kind| TaskSpec {
                    name: "t".into(),
                    kind,
                    dim: 1,
                    follows: None,
                })
                .collect(),
            seed: 1,
            learning_rate: 0.05,
        }
    }

    #[test]
    fn starts_at_the_likelihood_weights() {
        let mut method = Uncertainty::new(&context(&[TaskKind::Regression, TaskKind::Binary]));
        let update = method.update(&loss_signals(&[1.0, 1.0]));
        assert_eq!(values(update.weights()), vec![0.5, 1.0]);
    }

    #[test]
    fn converges_to_the_optimal_variance() {
        // For a fixed regression loss L, ∂/∂s = −½e^{−s}L + ½ = 0 at s = log L: σ² = L.
        let mut method = Uncertainty::new(&context(&[TaskKind::Regression, TaskKind::Regression]));
        let mut weights = Vec::new();
        for _ in 0..3000 {
            weights = values(method.update(&loss_signals(&[0.01, 1.0])).weights());
        }
        // w = ½e^{−s} = 1/(2L).
        assert!((weights[0] - 50.0).abs() < 1.0, "{weights:?}");
        assert!((weights[1] - 0.5).abs() < 0.01, "{weights:?}");
    }
}
