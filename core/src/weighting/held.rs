//! Losses held over batches that do not observe a task.
//!
//! A masked task (the funnel's conversions, observed on clicked rows only) can meet a batch with
//! no observed row: its loss is then 0 and its gradient is 0. Methods that divide by the losses
//! (GLS, FAMO, STCH) or compare them across steps (FAMO) would read that 0 as a perfect task and
//! swing every weight. They read [`HeldLosses`] instead: each task's latest observed loss.

use super::StepSignals;
use burn::prelude::*;

/// Each task's latest loss from a batch that observed it (1 for a task not yet observed).
#[derive(Debug, Clone, Default)]
pub(crate) struct HeldLosses {
    latest: Option<Tensor<1>>,
}

impl HeldLosses {
    /// This step's losses with every unobserved task's loss replaced by its last observed one,
    /// `[tasks]`; remembers them for the next step. Runs on the device.
    pub fn update(&mut self, signals: &StepSignals) -> Tensor<1> {
        let observed = signals.observed.clone();
        let previous = self
            .latest
            .take()
            .unwrap_or_else(|| Tensor::ones(signals.losses.dims(), &signals.device));
        let held = signals.losses.clone() * observed.clone() + previous * (observed.neg() + 1.0);
        self.latest = Some(held.clone());
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::test_support::{masked_loss_signals, values};

    #[test]
    fn an_unobserved_task_keeps_its_last_observed_loss() {
        let mut held = HeldLosses::default();
        // Task 2 unobserved before any observation: loss 1.
        let first = held.update(&masked_loss_signals(&[2.0, 0.0], &[true, false]));
        assert_eq!(values(&first), vec![2.0, 1.0]);
        let second = held.update(&masked_loss_signals(&[3.0, 5.0], &[true, true]));
        assert_eq!(values(&second), vec![3.0, 5.0]);
        let third = held.update(&masked_loss_signals(&[0.0, 4.0], &[false, true]));
        assert_eq!(values(&third), vec![3.0, 4.0]);
    }
}
