//! GradNorm: Chen, Badrinarayanan, Lee & Rabinovich, "GradNorm: Gradient Normalization for
//! Adaptive Loss Balancing in Deep Multitask Networks", ICML 2018.
//!
//! Weights w_k (initially 1) are tuned so that each task's weighted gradient norm
//! G_k = w_k·||∇L_k|| approaches Ḡ·r_k^α, where Ḡ is the mean norm, L̃_k = L_k/L_k(0) the
//! loss ratio since the first step and r_k = L̃_k/mean(L̃) its relative inverse training rate:
//! a task whose loss falls slower gets a larger target and so more weight. Each step the
//! weights descend the gradient of Σ_k |G_k − target_k| (targets held constant, as in the
//! paper), sign(G_k − target_k)·||∇L_k||, then are renormalised to sum to T. α = 1.5 (the
//! paper's setting for its regression toy); weight learning rate 0.025.
//!
//! The norms are taken on the gradient of the shared representation, the output of the last
//! shared layer (LibMTL's `rep_grad` mode; the paper uses the last shared layer's weights), or
//! with `on_shared_parameters` on the gradient of all shared parameters. Reads the losses and
//! the Gram matrix's diagonal back each step.

use super::{MethodConfig, MethodContext, MethodSettings};
use super::{Needs, StepSignals, Update, Weighting};
use crate::error::{ConfigError, check_range};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Settings of `gradnorm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GradNormConfig {
    /// Asymmetry α (0 to 10; default 1.5).
    pub alpha: f64,
    /// Learning rate of the weights (1e-5 to 10; default 0.025).
    pub weight_learning_rate: f64,
    /// Norms over all shared parameters instead of the shared representation (default false).
    pub on_shared_parameters: bool,
}

impl Default for GradNormConfig {
    fn default() -> Self {
        Self {
            alpha: 1.5,
            weight_learning_rate: 0.025,
            on_shared_parameters: false,
        }
    }
}

impl MethodSettings for GradNormConfig {
    fn validate(&self, _tasks: usize) -> Result<(), ConfigError> {
        check_range("alpha", self.alpha, 0.0, 10.0)?;
        check_range(
            "weight_learning_rate",
            self.weight_learning_rate,
            1e-5,
            10.0,
        )
    }
}

impl MethodConfig for GradNormConfig {
    fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(GradNorm::new(self, context.task_count())))
    }
}

/// GradNorm's state.
#[derive(Debug, Clone)]
pub struct GradNorm {
    config: GradNormConfig,
    weights: Vec<f64>,
    initial_losses: Option<Vec<f64>>,
}

impl GradNorm {
    /// For `tasks` tasks.
    pub fn new(config: &GradNormConfig, tasks: usize) -> Self {
        Self {
            config: config.clone(),
            weights: vec![1.0; tasks],
            initial_losses: None,
        }
    }

    /// Moves the weights given the losses and the unweighted gradient norms; returns the
    /// weights used before the move.
    pub fn balance(&mut self, losses: &[f64], norms: &[f64]) -> Vec<f64> {
        let used = self.weights.clone();
        let tasks = losses.len() as f64;
        let initial = self.initial_losses.get_or_insert_with(|| losses.to_vec());
        let ratios: Vec<f64> = losses
            .iter()
            .zip(initial.iter())
            .map(|(l, l0)| l / l0.max(1e-12))
            .collect();
        let mean_ratio = ratios.iter().sum::<f64>() / tasks;
        let weighted: Vec<f64> = used.iter().zip(norms).map(|(w, n)| w * n).collect();
        let mean_norm = weighted.iter().sum::<f64>() / tasks;
        for k in 0..used.len() {
            let target = mean_norm * (ratios[k] / mean_ratio.max(1e-12)).powf(self.config.alpha);
            let gradient = sign(weighted[k] - target) * norms[k];
            self.weights[k] =
                (self.weights[k] - self.config.weight_learning_rate * gradient).max(1e-4);
        }
        let total: f64 = self.weights.iter().sum();
        self.weights.iter_mut().for_each(|w| *w *= tasks / total);
        used
    }
}

/// −1, 0 or 1 (`f64::signum` gives 1 for 0, which would move balanced weights).
fn sign(value: f64) -> f64 {
    if value > 0.0 {
        1.0
    } else if value < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl Weighting for GradNorm {
    fn needs(&self) -> Needs {
        if self.config.on_shared_parameters {
            Needs::SharedGradients
        } else {
            Needs::RepresentationGradients
        }
    }

    fn reads_host(&self) -> bool {
        true
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let host = signals.host.as_ref().expect("GradNorm reads host values");
        let gram = if self.config.on_shared_parameters {
            &host.shared_gram
        } else {
            &host.representation_gram
        };
        let gram = gram
            .as_ref()
            .expect("the trainer computes what `needs` asks");
        let tasks = host.losses.len();
        let norms: Vec<f64> = (0..tasks)
            .map(|k| gram[k * tasks + k].max(0.0).sqrt())
            .collect();
        let used = self.balance(&host.losses, &norms);
        let used: Vec<f32> = used.iter().map(|&w| w as f32).collect();
        Update::Weights(Tensor::from_data(
            TensorData::new(used, [tasks]),
            &signals.device,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_balancing_step_by_hand() {
        // w = (1, 1), norms (2, 1): G = (2, 1), Ḡ = 1.5; equal loss ratios: targets (1.5, 1.5).
        // ∂/∂w = (sign(0.5)·2, sign(−0.5)·1) = (2, −1); w = (1 − 0.05, 1 + 0.025) = (0.95,
        // 1.025), renormalised to sum 2: ×2/1.975.
        let mut method = GradNorm::new(&GradNormConfig::default(), 2);
        let used = method.balance(&[1.0, 1.0], &[2.0, 1.0]);
        assert_eq!(used, vec![1.0, 1.0]);
        let next = method.balance(&[1.0, 1.0], &[2.0, 1.0]);
        assert!(
            (next[0] - 0.95 * 2.0 / 1.975).abs() < 1e-12
                && (next[1] - 1.025 * 2.0 / 1.975).abs() < 1e-12,
            "{next:?}"
        );
    }

    #[test]
    fn weight_moves_to_the_task_whose_loss_falls_slower() {
        let mut method = GradNorm::new(&GradNormConfig::default(), 2);
        let norms = [1.0, 1.0];
        method.balance(&[1.0, 1.0], &norms);
        let mut weights = Vec::new();
        for step in 1..=20 {
            // Task 1's loss halves quickly, task 2's barely moves.
            let t = f64::from(step) / 20.0;
            weights = method.balance(&[1.0 - 0.5 * t, 1.0 - 0.1 * t], &norms);
        }
        assert!(weights[1] > weights[0], "{weights:?}");
        assert!((weights.iter().sum::<f64>() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn equal_progress_and_equal_norms_keep_equal_weights() {
        let mut method = GradNorm::new(&GradNormConfig::default(), 3);
        for _ in 0..5 {
            let weights = method.balance(&[0.5, 0.5, 0.5], &[2.0, 2.0, 2.0]);
            assert!(
                weights.iter().all(|w| (w - 1.0).abs() < 1e-12),
                "{weights:?}"
            );
        }
    }

    #[test]
    fn a_task_with_a_small_gradient_gets_more_weight() {
        // Scales 1 and 100: equal loss ratios, gradient norms 1 and 100.
        let mut method = GradNorm::new(&GradNormConfig::default(), 2);
        let mut weights = Vec::new();
        for _ in 0..40 {
            weights = method.balance(&[1.0, 1.0], &[100.0, 1.0]);
        }
        assert!(weights[1] > weights[0] * 5.0, "{weights:?}");
    }
}
