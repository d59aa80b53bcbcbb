//! Fast Adaptive Multitask Optimization: Liu, Liang, Gao, Stone & Liu, "FAMO: Fast Adaptive
//! Multitask Optimization", NeurIPS 2023.
//!
//! Task logits ξ (initialised 0) give z = softmax(ξ). The model descends
//! Σ_k z_k·log L_k / c with c = Σ_k z_k/L_k, i.e. the loss weights w_k = z_k/(c·L_k) returned
//! here, which make every task's log-loss fall at a balanced rate using only the losses
//! (no per-task gradients). After a step, ξ descends J_softmax(ξ)ᵀ·δ with δ_k = log L_k(before)
//! − log L_k(after), by Adam with learning rate 0.025 and weight decay 0.001 (the paper's
//! defaults). The paper measures "after" on the same batch after the model's update; here it is
//! the next step's batch loss, which needs no extra forward pass. Runs on the device.

use super::adam::TensorAdam;
use super::{StepSignals, Update, Weighting};
use crate::error::{ConfigError, check_range};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

/// Settings of `famo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FamoConfig {
    /// Learning rate of the task logits (1e-5 to 10; default 0.025).
    pub logit_learning_rate: f64,
    /// Weight decay of the task logits (0 to 1; default 0.001).
    pub logit_weight_decay: f64,
}

impl Default for FamoConfig {
    fn default() -> Self {
        Self {
            logit_learning_rate: 0.025,
            logit_weight_decay: 0.001,
        }
    }
}

impl FamoConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check_range("logit_learning_rate", self.logit_learning_rate, 1e-5, 10.0)?;
        check_range("logit_weight_decay", self.logit_weight_decay, 0.0, 1.0)
    }
}

/// FAMO's state.
#[derive(Debug, Clone)]
pub struct Famo {
    config: FamoConfig,
    logits: Option<Tensor<1>>,
    adam: Option<TensorAdam>,
    previous_losses: Option<Tensor<1>>,
}

impl Famo {
    /// From its config.
    pub fn new(config: &FamoConfig) -> Self {
        Self {
            config: config.clone(),
            logits: None,
            adam: None,
            previous_losses: None,
        }
    }
}

const EPSILON: f64 = 1e-8;

impl Weighting for Famo {
    fn update(&mut self, signals: &StepSignals) -> Update {
        let device = &signals.device;
        let tasks = signals.losses.dims()[0];
        let losses = signals.losses.clone().add_scalar(EPSILON);
        let mut logits = self
            .logits
            .take()
            .unwrap_or_else(|| Tensor::zeros([tasks], device));
        if let Some(previous) = self.previous_losses.take() {
            // δ = log L(before) − log L(after); gradient of ξ: J_softmaxᵀ δ = z ⊙ (δ − ⟨z, δ⟩).
            let improvement = previous.log() - losses.clone().log();
            let z = softmax(logits.clone(), 0);
            let centred = improvement.clone() - (z.clone() * improvement).sum();
            let gradient = z * centred;
            let adam = self.adam.get_or_insert_with(|| {
                TensorAdam::new(
                    tasks,
                    self.config.logit_learning_rate,
                    self.config.logit_weight_decay,
                    device,
                )
            });
            logits = adam.step(logits, gradient);
        }
        let z = softmax(logits.clone(), 0);
        let normaliser = (z.clone() / losses.clone()).sum();
        let weights = z / (losses.clone() * normaliser);
        self.logits = Some(logits);
        self.previous_losses = Some(losses);
        Update::Weights(weights)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::test_support::{loss_signals, values};

    #[test]
    fn first_weights_balance_log_losses() {
        // z = (½, ½), L = (1, 4): c = ½ + ⅛ = ⅝; w = z/(c·L) = (0.8, 0.2): w_k·L_k equal.
        let got = values(
            Famo::new(&FamoConfig::default())
                .update(&loss_signals(&[1.0, 4.0]))
                .weights(),
        );
        assert!(
            (got[0] - 0.8).abs() < 1e-5 && (got[1] - 0.2).abs() < 1e-5,
            "{got:?}"
        );
    }

    /// On two convex quadratics of very different scales, gradient descent on FAMO's weights
    /// decreases both losses (the paper's guarantee: every task's loss falls).
    #[test]
    fn decreases_every_loss_on_a_convex_toy() {
        let centres = [[1.0f64, 0.0], [0.0, 1.0]];
        let scales = [1.0f64, 100.0];
        let loss = |theta: [f64; 2], k: usize| {
            scales[k] * ((theta[0] - centres[k][0]).powi(2) + (theta[1] - centres[k][1]).powi(2))
        };
        let mut theta = [3.0, 2.0];
        let mut method = Famo::new(&FamoConfig::default());
        let initial = [loss(theta, 0), loss(theta, 1)];
        let mut previous = initial;
        for step in 0..400 {
            let losses = [loss(theta, 0) as f32, loss(theta, 1) as f32];
            let weights = values(method.update(&loss_signals(&losses)).weights());
            let mut gradient = [0.0; 2];
            for k in 0..2 {
                for d in 0..2 {
                    gradient[d] +=
                        f64::from(weights[k]) * 2.0 * scales[k] * (theta[d] - centres[k][d]);
                }
            }
            for d in 0..2 {
                theta[d] -= 0.05 * gradient[d];
            }
            let now = [loss(theta, 0), loss(theta, 1)];
            if step < 10 {
                // Early on, far from the Pareto set, every step lowers both losses.
                assert!(
                    now[0] < previous[0] && now[1] < previous[1],
                    "step {step}: {previous:?} → {now:?}"
                );
            }
            previous = now;
        }
        assert!(
            previous[0] < initial[0] && previous[1] < initial[1],
            "{initial:?} → {previous:?}"
        );
    }
}
