//! Equal weighting: the plain sum of the task losses, Σ_k L_k.
//!
//! The baseline every multi-task paper compares against (e.g. LibMTL's `EW`).

use super::{StepSignals, Update, Weighting};
use burn::prelude::*;

/// Every task weighs 1.
#[derive(Debug, Clone, Copy, Default)]
pub struct Equal;

impl Weighting for Equal {
    fn update(&mut self, signals: &StepSignals) -> Update {
        Update::Weights(Tensor::ones(signals.losses.dims(), &signals.device))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::test_support::{loss_signals, values};

    #[test]
    fn weighs_every_task_one() {
        let update = Equal.update(&loss_signals(&[0.3, 7.0, 1.0]));
        assert_eq!(values(update.weights()), vec![1.0, 1.0, 1.0]);
    }
}
