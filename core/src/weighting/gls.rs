//! Geometric Loss Strategy: Chennupati, Sistu, Yogamani & Rawashdeh, "MultiNet++: Multi-Stream
//! Feature Aggregation and Geometric Loss Strategy for Multi-Task Learning", CVPR Workshops
//! 2019 (LibMTL's `GLS` is the same rule).
//!
//! The objective is the geometric mean of the task losses, (Π_k L_k)^{1/T}, which is invariant
//! to each loss's scale. Its gradient is Σ_k w_k ∇L_k with w_k = GLS/(T·L_k), the weights
//! returned here. A masked task with no observed row in a batch (loss 0) keeps its last observed
//! loss ([`HeldLosses`]), so the geometric mean does not collapse to 0 for that step. Runs on
//! the device.

use super::{HeldLosses, StepSignals, Update, Weighting};
use super::{MethodConfig, MethodContext, MethodSettings};
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Weights of the geometric mean of the losses.
#[derive(Debug, Clone, Default)]
pub struct Gls {
    held: HeldLosses,
}

impl Weighting for Gls {
    fn update(&mut self, signals: &StepSignals) -> Update {
        let losses = self.held.update(signals).clamp_min(1e-12);
        let tasks = losses.dims()[0] as f64;
        let geometric_mean = losses.clone().log().mean().exp();
        Update::Weights(geometric_mean / losses.mul_scalar(tasks))
    }
}

/// Settings of `gls` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct GlsConfig {}

impl MethodSettings for GlsConfig {
    fn trains_stacked(&self) -> bool {
        true
    }
}

impl MethodConfig for GlsConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Gls::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::test_support::{loss_signals, masked_loss_signals, values};

    #[test]
    fn weights_are_the_geometric_mean_gradient() {
        // L = (1, 4): GLS = 2; w = 2/(2·1), 2/(2·4) = (1, 0.25).
        let got = values(Gls::default().update(&loss_signals(&[1.0, 4.0])).weights());
        assert!(
            (got[0] - 1.0).abs() < 1e-6 && (got[1] - 0.25).abs() < 1e-6,
            "{got:?}"
        );
        // Scale invariance: multiplying one loss by 100 leaves w_k·L_k unchanged.
        let scaled = values(
            Gls::default()
                .update(&loss_signals(&[100.0, 4.0]))
                .weights(),
        );
        assert!((scaled[0] * 100.0 - 10.0 * got[0]).abs() < 1e-4);
    }

    #[test]
    fn a_task_without_observed_rows_holds_its_weight() {
        let mut method = Gls::default();
        method.update(&loss_signals(&[1.0, 4.0]));
        // Task 2's batch observes nothing: its loss is 0, but it keeps its loss 4.
        let got = values(
            method
                .update(&masked_loss_signals(&[1.0, 0.0], &[true, false]))
                .weights(),
        );
        assert!(
            (got[0] - 1.0).abs() < 1e-6 && (got[1] - 0.25).abs() < 1e-6,
            "{got:?}"
        );
    }
}
