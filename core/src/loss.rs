//! Per-task training losses.

use crate::data::TaskKind;
use crate::model::{OutputForm, TaskOutput};
use burn::prelude::*;
use burn::tensor::activation::{log_sigmoid, sigmoid};

/// A task's labels for a batch.
#[derive(Debug, Clone)]
pub struct TaskTargets {
    /// `[batch, dim]`.
    pub labels: Tensor<2>,
    /// `[batch, 1]`: 1 where the label is observed, 0 elsewhere; `None`: observed everywhere.
    pub mask: Option<Tensor<2>>,
    /// `[batch, 1]` per-row loss weights (label re-weighting); `None`: all 1. The loss stays
    /// divided by the number of observed rows, so weights above 1 make the task count more.
    pub row_weights: Option<Tensor<2>>,
}

/// The mean loss of one task over its observed rows, shape `[1]`.
///
/// - binary, raw logit: binary cross-entropy with logits,
///   −[y·log σ(z) + (1 − y)·log σ(−z)];
/// - regression: squared error, averaged over the target's width;
/// - an entire-space probability (ESMM's pCTCVR): binary cross-entropy of the probability
///   against `label · mask` on **every** row (the mask says what was observed: an unclicked
///   row is a non-conversion in the entire space).
pub fn task_loss(output: &TaskOutput, kind: TaskKind, targets: &TaskTargets) -> Tensor<1> {
    let labels = targets.labels.clone();
    let weighted = |per_row: Tensor<2>| match &targets.row_weights {
        Some(weights) => per_row * weights.clone(),
        None => per_row,
    };
    match (&output.form, kind) {
        (OutputForm::EntireSpace { .. }, _) => {
            let labels = match &targets.mask {
                Some(mask) => labels * mask.clone(),
                None => labels,
            };
            let p = output.value.clone().clamp(1e-7, 1.0 - 1e-7);
            let per_row = (labels.clone() * p.clone().log()
                + (labels.neg() + 1.0) * (p.neg() + 1.0).log())
            .neg()
            .mean_dim(1);
            weighted(per_row).mean()
        }
        (OutputForm::Raw, kind) => {
            let per_row = raw_per_row(output.value.clone(), kind, labels);
            masked_mean(weighted(per_row), &targets.mask)
        }
    }
}

/// The loss of each row of a raw output `[rows, dim]` (a logit or a value), `[rows, 1]`:
/// binary cross-entropy with logits or the squared error, averaged over the width.
pub(crate) fn raw_per_row(value: Tensor<2>, kind: TaskKind, labels: Tensor<2>) -> Tensor<2> {
    match kind {
        TaskKind::Binary => (labels.clone() * log_sigmoid(value.clone())
            + (labels.neg() + 1.0) * log_sigmoid(value.neg()))
        .neg()
        .mean_dim(1),
        TaskKind::Regression => (value - labels).square().mean_dim(1),
    }
}

/// Whether the task's loss covers at least one row of the batch, `[1]` (1 or 0): 0 only for a
/// masked task none of whose rows is observed, whose loss and gradient are then 0. An
/// entire-space output covers every row.
pub fn covers_rows(output: &TaskOutput, targets: &TaskTargets) -> Tensor<1> {
    match (&output.form, &targets.mask) {
        (OutputForm::Raw, Some(mask)) => mask.clone().sum().greater_elem(0.0).float(),
        _ => Tensor::ones([1], &output.value.device()),
    }
}

/// Mean of `[batch, 1]` values over rows where `mask` is 1 (0 if none is).
fn masked_mean(per_row: Tensor<2>, mask: &Option<Tensor<2>>) -> Tensor<1> {
    match mask {
        None => per_row.mean(),
        Some(mask) => (per_row * mask.clone()).sum() / mask.clone().sum().clamp_min(1.0),
    }
}

/// What the task's metrics score: a probability for binary tasks (the conditional one for an
/// entire-space output), the value for regression, `[batch, dim]`.
pub fn metric_prediction(output: &TaskOutput, kind: TaskKind) -> Tensor<2> {
    match (&output.form, kind) {
        (OutputForm::EntireSpace { conditional }, _) => (**conditional).clone(),
        (OutputForm::Raw, TaskKind::Binary) => sigmoid(output.value.clone()),
        (OutputForm::Raw, TaskKind::Regression) => output.value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(values: &[f32], rows: usize, device: &Device) -> Tensor<2> {
        Tensor::from_data(
            TensorData::new(values.to_vec(), [rows, values.len() / rows]),
            device,
        )
    }

    fn scalar(t: Tensor<1>) -> f32 {
        t.into_scalar()
    }

    #[test]
    fn binary_cross_entropy_by_hand() {
        let device = Device::flex();
        let output = TaskOutput {
            value: tensor(&[0.0, 2.0], 2, &device),
            form: OutputForm::Raw,
        };
        let targets = TaskTargets {
            labels: tensor(&[1.0, 0.0], 2, &device),
            mask: None,
            row_weights: None,
        };
        // −log σ(0) = ln 2; −log(1 − σ(2)) = ln(1 + e²).
        let expected = (std::f32::consts::LN_2 + (1.0 + 2f32.exp()).ln()) / 2.0;
        let got = scalar(task_loss(&output, TaskKind::Binary, &targets));
        assert!((got - expected).abs() < 1e-5, "{got} vs {expected}");
        // Masking the second row leaves ln 2.
        let masked = TaskTargets {
            mask: Some(tensor(&[1.0, 0.0], 2, &device)),
            ..targets.clone()
        };
        let got = scalar(task_loss(&output, TaskKind::Binary, &masked));
        assert!((got - std::f32::consts::LN_2).abs() < 1e-5);
        // Row weights (3, 1): (3·ln 2 + ln(1 + e²)) / 2.
        let reweighted = TaskTargets {
            row_weights: Some(tensor(&[3.0, 1.0], 2, &device)),
            ..targets
        };
        let got = scalar(task_loss(&output, TaskKind::Binary, &reweighted));
        let expected = (3.0 * std::f32::consts::LN_2 + (1.0 + 2f32.exp()).ln()) / 2.0;
        assert!((got - expected).abs() < 1e-5);
    }

    #[test]
    fn regression_averages_over_width_and_rows() {
        let device = Device::flex();
        let output = TaskOutput {
            value: tensor(&[1.0, 2.0, 3.0, 4.0], 2, &device),
            form: OutputForm::Raw,
        };
        let targets = TaskTargets {
            labels: tensor(&[1.0, 0.0, 0.0, 4.0], 2, &device),
            mask: None,
            row_weights: None,
        };
        // Squared errors 0, 4, 9, 0 → mean 13/4.
        let got = scalar(task_loss(&output, TaskKind::Regression, &targets));
        assert!((got - 3.25).abs() < 1e-6);
    }

    #[test]
    fn entire_space_uses_label_times_mask_on_every_row() {
        let device = Device::flex();
        let output = TaskOutput {
            value: tensor(&[0.5, 0.25], 2, &device),
            form: OutputForm::EntireSpace {
                conditional: Box::new(tensor(&[0.5, 0.5], 2, &device)),
            },
        };
        // Row 2 would convert but was not clicked: in the entire space it is a 0.
        let targets = TaskTargets {
            labels: tensor(&[1.0, 1.0], 2, &device),
            mask: Some(tensor(&[1.0, 0.0], 2, &device)),
            row_weights: None,
        };
        let expected = (-(0.5f32.ln()) - (0.75f32).ln()) / 2.0;
        let got = scalar(task_loss(&output, TaskKind::Binary, &targets));
        assert!((got - expected).abs() < 1e-5, "{got} vs {expected}");
    }
}
