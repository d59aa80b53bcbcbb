//! Fast Adaptive Multitask Optimization: Liu, Liang, Gao, Stone & Liu, "FAMO: Fast Adaptive
//! Multitask Optimization", NeurIPS 2023.
//!
//! Task logits ξ (initialised 0) give z = softmax(ξ). The model descends
//! Σ_k z_k·log L_k / c with c = Σ_k z_k/L_k, i.e. the loss weights w_k = z_k/(c·L_k) returned
//! here, which make every task's log-loss fall at a balanced rate using only the losses
//! (no per-task gradients). After a step, ξ descends J_softmax(ξ)ᵀ·δ with δ_k = log L_k(before)
//! − log L_k(after), by Adam with learning rate 0.025 and weight decay γ = 0.001 (the paper's
//! defaults, also LibMTL's). γ is L2 decay inside Adam, added to the gradient before the
//! moments, as the paper's code and LibMTL do with `torch.optim.Adam(weight_decay=γ)`.
//!
//! One deliberate difference from both: they measure "after" on the same batch after the
//! model's update (one more forward pass); here it is the next step's batch loss, which needs
//! none. A masked task with no observed row in a batch keeps its last observed loss
//! ([`HeldLosses`]): its δ is 0 and its weight holds for that step. Runs on the device.

use super::adam::TensorAdam;
use super::{HeldLosses, StepSignals, Update, Weighting};
use super::{MethodConfig, MethodContext, MethodSettings};
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
    /// L2 weight decay γ of the task logits, inside Adam (0 to 1; default 0.001).
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

impl MethodSettings for FamoConfig {
    fn validate(&self, _tasks: usize) -> Result<(), ConfigError> {
        check_range("logit_learning_rate", self.logit_learning_rate, 1e-5, 10.0)?;
        check_range("logit_weight_decay", self.logit_weight_decay, 0.0, 1.0)
    }

    fn trains_stacked(&self) -> bool {
        true
    }
}

impl MethodConfig for FamoConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Famo::new(self)))
    }
}

/// FAMO's state.
#[derive(Debug, Clone)]
pub struct Famo {
    config: FamoConfig,
    logits: Option<Tensor<1>>,
    adam: Option<TensorAdam>,
    held: HeldLosses,
    previous_losses: Option<Tensor<1>>,
}

impl Famo {
    /// From its config.
    pub fn new(config: &FamoConfig) -> Self {
        Self {
            config: config.clone(),
            logits: None,
            adam: None,
            held: HeldLosses::default(),
            previous_losses: None,
        }
    }
}

const EPSILON: f64 = 1e-8;

impl Weighting for Famo {
    fn update(&mut self, signals: &StepSignals) -> Update {
        let device = &signals.device;
        let tasks = signals.losses.dims()[0];
        let losses = self.held.update(signals).add_scalar(EPSILON);
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
    use crate::weighting::test_support::{loss_signals, masked_loss_signals, values};

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

    /// Three steps by hand (γ = 0.5 to make the decay visible), from a reference computed in
    /// f64 with torch's Adam rule: losses (1, 4), (0.5, 4), (0.5, 2). Step 2: δ = (ln 2, 0),
    /// ∇ξ = z ⊙ (δ − ⟨z, δ⟩) = (ln 2/4, −ln 2/4), Adam's first step moves ξ by ∓0.025. Step 3:
    /// δ = (0, ln 2) plus the L2 term γ·ξ inside the moments gives ξ = (−0.0228225, 0.0228225)
    /// and weights (0.7925967, 0.2074033); decoupled decay would give ξ₁ = −0.0233795 and
    /// weights (0.7924135, 0.2075865).
    #[test]
    fn logits_follow_adam_with_l2_decay() {
        let mut method = Famo::new(&FamoConfig {
            logit_weight_decay: 0.5,
            ..FamoConfig::default()
        });
        let mut weights = Vec::new();
        for losses in [[1.0, 4.0], [0.5, 4.0], [0.5, 2.0]] {
            weights.push(values(method.update(&loss_signals(&losses)).weights()));
        }
        let expected = [
            [0.8, 0.2],
            [0.883_853_76, 0.116_146_24],
            [0.792_596_7, 0.207_403_3],
        ];
        for (got, want) in weights.iter().zip(expected) {
            assert!(
                (got[0] - want[0]).abs() < 5e-6 && (got[1] - want[1]).abs() < 5e-6,
                "{got:?} vs {want:?}"
            );
        }
    }

    #[test]
    fn a_task_without_observed_rows_holds_its_weight() {
        let mut method = Famo::new(&FamoConfig::default());
        let first = values(method.update(&loss_signals(&[1.0, 4.0])).weights());
        // The conversions of this batch are all unobserved: loss 0, no gradient.
        let held = values(
            method
                .update(&masked_loss_signals(&[1.0, 0.0], &[true, false]))
                .weights(),
        );
        for (a, b) in first.iter().zip(&held) {
            assert!((a - b).abs() < 1e-6, "{first:?} → {held:?}");
        }
        // Read as a real 0, the loss would have taken all the weight: w₂ ≈ 1, w₁ ≈ 1e-8.
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
