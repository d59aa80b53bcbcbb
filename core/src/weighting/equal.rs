//! Equal weighting: the plain sum of the task losses, Σ_k L_k.
//!
//! The baseline every multi-task paper compares against (e.g. LibMTL's `EW`).

use super::{MethodConfig, MethodContext, MethodSettings};
use super::{StepSignals, Update, Weighting};
use crate::error::ConfigError;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Every task weighs 1.
#[derive(Debug, Clone, Copy, Default)]
pub struct Equal;

impl Weighting for Equal {
    fn update(&mut self, signals: &StepSignals) -> Update {
        Update::Weights(Tensor::ones(signals.losses.dims(), &signals.device))
    }
}

/// Settings of `equal` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EqualConfig {}

impl MethodSettings for EqualConfig {
    fn trains_stacked(&self) -> bool {
        true
    }
}

impl MethodConfig for EqualConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Equal))
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
