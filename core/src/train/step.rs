//! The gradients of one training step, computed along the path the method's [`Needs`] ask for.

use super::batches::Batch;
use super::gradients::{
    merge_shared, representation_gradients, scatter_shared, shared_jacobian, task_losses,
    weighted_decoder_gradients,
};
use crate::data::TaskSpec;
use crate::model::MultiTaskModel;
use crate::weighting::{Needs, StepSignals, Update, Weighting};
use burn::optim::GradientsParams;
use burn::prelude::*;

/// Where a step happens.
pub(crate) struct StepContext {
    /// Zero-based step index.
    pub step: usize,
    /// The device without autodiff.
    pub device: Device,
}

/// What one step produced.
pub(crate) struct StepOutcome {
    /// Per-task batch losses, `[tasks]`, without autodiff.
    pub losses: Tensor<1>,
    /// What the method decided.
    pub update: Update,
    /// Gradients for every parameter, ready for the optimiser.
    pub grads: GradientsParams,
}

/// Computes the signals `method` needs, asks it for an update, and returns the gradients.
pub(crate) fn compute_step(
    model: &MultiTaskModel,
    tasks: &[TaskSpec],
    batch: &Batch,
    method: &mut dyn Weighting,
    context: StepContext,
) -> StepOutcome {
    let needs = method.needs();
    let signals = |losses, representation_gradients, shared_gradients| StepSignals {
        step: context.step,
        device: context.device.clone(),
        losses,
        representation_gradients,
        shared_gradients,
    };
    if needs == Needs::Losses {
        // The cheap path: one forward, one backward of Σ w_k·L_k.
        let forward = model.forward(batch.x.clone());
        let losses = Tensor::cat(task_losses(&forward.outputs, tasks, batch), 0);
        let update = method.update(&signals(losses.clone().inner(), None, None));
        if let Update::Weights(weights) = &update {
            let grads = GradientsParams::from_grads(
                (losses.clone() * weights.clone()).sum().backward(),
                model,
            );
            return StepOutcome {
                losses: losses.inner(),
                update,
                grads,
            };
        }
        // A shared direction: fall through to the general path with the update decided.
        let representation = model.encode(batch.x.clone()).representation;
        let grads = gradients_for(model, tasks, batch, representation, &update);
        return StepOutcome {
            losses: losses.inner(),
            update,
            grads,
        };
    }
    let per_task = representation_gradients(model, tasks, batch);
    let jacobian = (needs == Needs::SharedGradients)
        .then(|| shared_jacobian(model, batch, &per_task.per_task).inner());
    let update = method.update(&signals(
        per_task.losses.clone(),
        Some(per_task.stacked()),
        jacobian,
    ));
    let grads = gradients_for(model, tasks, batch, per_task.representation, &update);
    StepOutcome {
        losses: per_task.losses,
        update,
        grads,
    }
}

/// Task parameters on Σ w_k·∇L_k (one decoder pass on a detached copy of `representation`);
/// shared parameters either backpropagated from that weighted representation gradient or set to
/// the method's direction.
fn gradients_for(
    model: &MultiTaskModel,
    tasks: &[TaskSpec],
    batch: &Batch,
    representation: Tensor<2>,
    update: &Update,
) -> GradientsParams {
    let (mut grads, representation_gradient) =
        weighted_decoder_gradients(model, tasks, batch, &representation, update.weights());
    match update {
        Update::Weights(_) => {
            let encoder = (representation * representation_gradient).sum().backward();
            let mut encoder = GradientsParams::from_grads(encoder, model);
            merge_shared(model, &mut encoder, &mut grads);
        }
        Update::SharedDirection { direction, .. } => {
            scatter_shared(model, direction.clone(), &mut grads);
        }
    }
    grads
}
