//! Running a method on explicit gradients on the host: the same [`Weighting::update`] the
//! trainer calls, fed a Jacobian given as numbers. `seesaw aggregate` and the 2-D toys use it.

use super::aggregate::{Aggregation, Gram};
use super::{HostSignals, Needs, StepSignals, Update, Weighting};
use burn::prelude::*;

/// One decision of `method` for the task gradients `rows` (T rows of P numbers, serving as both
/// the representation gradients — of a one-row batch whose P features are positive — and the
/// shared-parameter gradients) and the task losses.
///
/// # Errors
/// Rows of different lengths, or a length mismatch with `losses`.
pub fn aggregate_rows(
    method: &mut dyn Weighting,
    rows: &[Vec<f64>],
    losses: &[f64],
    step: usize,
) -> Result<Aggregation, String> {
    let tasks = rows.len();
    let width = rows.first().map_or(0, Vec::len);
    if tasks == 0 || width == 0 {
        return Err("the Jacobian needs at least one non-empty row".into());
    }
    if rows.iter().any(|row| row.len() != width) {
        return Err("every row of the Jacobian must have the same length".into());
    }
    if losses.len() != tasks {
        return Err(format!("{} losses for {tasks} tasks", losses.len()));
    }
    let device = Device::flex();
    let flat: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    let jacobian = Tensor::<2>::from_data(TensorData::new(flat, [tasks, width]), &device);
    let loss_values: Vec<f32> = losses.iter().map(|&l| l as f32).collect();
    let needs = method.needs();
    let gram = Gram::of(rows);
    let gram_values = gram.values().to_vec();
    let signals = StepSignals {
        step,
        losses: Tensor::from_data(TensorData::new(loss_values, [tasks]), &device),
        observed: Tensor::ones([tasks], &device),
        // The rows' columns serve as the features of one representation row with positive
        // inputs (GradDrop then keeps one sign per column).
        representation: (needs != Needs::Losses).then(|| Tensor::ones([1, width], &device)),
        representation_gradients: (needs != Needs::Losses).then(|| jacobian.clone()),
        shared_gradients: (needs == Needs::SharedGradients).then(|| jacobian.clone()),
        host: method.reads_host().then(|| HostSignals {
            losses: losses.to_vec(),
            representation_gram: (needs != Needs::Losses).then(|| gram_values.clone()),
            shared_gram: (needs == Needs::SharedGradients).then(|| gram_values.clone()),
        }),
        device,
    };
    let update = method.update(&signals);
    let read = |tensor: &Tensor<1>| -> Vec<f64> {
        tensor
            .clone()
            .into_data()
            .try_to_vec::<f32>()
            .map(|values| values.into_iter().map(f64::from).collect())
            .unwrap_or_default()
    };
    let weights = read(update.weights());
    let direction = match &update {
        Update::Weights(w) | Update::SharedWeights { weights: w, .. } => {
            super::aggregate::combine(rows, &read(w))
        }
        Update::SharedDirection { direction, .. } => read(direction),
        Update::RepresentationDirection { gradient, .. } => read(gradient),
    };
    Ok(Aggregation { direction, weights })
}
