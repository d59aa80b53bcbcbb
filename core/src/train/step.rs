//! The gradients of one training step, computed along the path the method's [`Needs`] ask for.

use super::batches::Batch;
use super::evaluation::Reads;
use super::gradients::{
    RepresentationGradients, jacobian_direction, merge_shared, observed_tasks,
    representation_gradients, scatter_shared, shared_jacobian, task_losses,
    weighted_decoder_gradients,
};
use crate::data::TaskSpec;
use crate::error::RunError;
use crate::model::MultiTaskModel;
use crate::weighting::{HostSignals, Needs, StepSignals, Update, Weighting};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Transaction;

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

/// What the step computed for the method, on the device without autodiff.
struct Computed {
    losses: Tensor<1>,
    observed: Tensor<1>,
    representation: Option<Tensor<2>>,
    representation_gradients: Option<Tensor<2>>,
    shared_gradients: Option<Tensor<2>>,
}

/// Builds the signals; reads their small parts back when the method asks for it.
async fn signals(
    method: &dyn Weighting,
    context: &StepContext,
    computed: Computed,
) -> Result<StepSignals, RunError> {
    let Computed {
        losses,
        observed,
        representation,
        representation_gradients,
        shared_gradients,
    } = computed;
    let gram = |rows: &Tensor<2>| rows.clone().matmul(rows.clone().transpose());
    let host = if method.reads_host() {
        let mut transaction = Transaction::default().register(losses.clone());
        for rows in representation_gradients.iter().chain(&shared_gradients) {
            transaction = transaction.register(gram(rows));
        }
        let mut reads = Reads::execute(transaction).await?;
        Some(HostSignals {
            losses: reads.next_f64()?,
            representation_gram: representation_gradients
                .as_ref()
                .map(|_| reads.next_f64())
                .transpose()?,
            shared_gram: shared_gradients
                .as_ref()
                .map(|_| reads.next_f64())
                .transpose()?,
        })
    } else {
        None
    };
    Ok(StepSignals {
        step: context.step,
        device: context.device.clone(),
        losses,
        observed,
        representation,
        representation_gradients,
        shared_gradients,
        host,
    })
}

/// Computes the signals `method` needs, asks it for an update, and returns the gradients.
///
/// # Errors
/// A failed read, for a method that reads host values.
pub(crate) async fn compute_step(
    model: &MultiTaskModel,
    tasks: &[TaskSpec],
    batch: &Batch,
    method: &mut dyn Weighting,
    context: StepContext,
) -> Result<StepOutcome, RunError> {
    let needs = method.needs();
    if needs == Needs::Losses {
        // The cheap path: one forward, one backward of Σ w_k·L_k.
        let forward = model.forward(batch.x.clone());
        let losses = Tensor::cat(task_losses(&forward.outputs, tasks, batch), 0);
        let computed = Computed {
            losses: losses.clone().inner(),
            observed: observed_tasks(&forward.outputs, batch),
            representation: None,
            representation_gradients: None,
            shared_gradients: None,
        };
        let signals = signals(method, &context, computed).await?;
        let update = method.update(&signals);
        let grads = match &update {
            Update::Weights(weights) => GradientsParams::from_grads(
                (losses.clone() * weights.clone()).sum().backward(),
                model,
            ),
            // A method that asked for losses only but answered per-task: take the general path.
            _ => {
                let per_task = representation_gradients(model, tasks, batch);
                gradients_for(model, tasks, batch, per_task, None, &update)
            }
        };
        return Ok(StepOutcome {
            losses: losses.inner(),
            update,
            grads,
        });
    }
    let per_task = representation_gradients(model, tasks, batch);
    let jacobian =
        (needs == Needs::SharedGradients).then(|| shared_jacobian(model, batch, &per_task).inner());
    let computed = Computed {
        losses: per_task.losses.clone(),
        observed: per_task.observed.clone(),
        representation: Some(per_task.representation.clone().inner()),
        representation_gradients: Some(per_task.stacked()),
        shared_gradients: jacobian.clone(),
    };
    let signals = signals(method, &context, computed).await?;
    let update = method.update(&signals);
    let losses = per_task.losses.clone();
    let grads = gradients_for(model, tasks, batch, per_task, jacobian.as_ref(), &update);
    Ok(StepOutcome {
        losses,
        update,
        grads,
    })
}

/// Task parameters on Σ heads_k·∇L_k (one decoder pass on a detached copy of the
/// representation); shared parameters set to the method's direction, or backpropagated from
/// the weighted representation gradient (Σ_k w_k·dL_k/dz). Where the step computed the
/// Jacobian, its rows spent the representation's graph ([`shared_jacobian`]), and a weighted
/// update's shared gradient is Σ_k w_k·J_k instead: the same gradient, without another encoder
/// backward.
fn gradients_for(
    model: &MultiTaskModel,
    tasks: &[TaskSpec],
    batch: &Batch,
    per_task: RepresentationGradients,
    jacobian: Option<&Tensor<2>>,
    update: &Update,
) -> GradientsParams {
    let (mut grads, head_weighted_gradient) = weighted_decoder_gradients(
        model,
        tasks,
        batch,
        &per_task.representation,
        update.head_weights(),
    );
    let representation_gradient = match (update, jacobian) {
        (Update::SharedDirection { direction, .. }, _) => {
            scatter_shared(model, direction.clone(), &mut grads);
            return grads;
        }
        (Update::Weights(weights) | Update::SharedWeights { weights, .. }, Some(jacobian)) => {
            scatter_shared(model, jacobian_direction(weights, jacobian), &mut grads);
            return grads;
        }
        (Update::Weights(_), None) => head_weighted_gradient,
        (Update::SharedWeights { weights, .. }, None) => per_task.combined(weights),
        (Update::RepresentationDirection { gradient, .. }, _) => {
            gradient.clone().reshape(per_task.representation.dims())
        }
    };
    // The representation's own graph, unless the Jacobian spent it: then a fresh forward.
    let representation = match jacobian {
        None => per_task.representation,
        Some(_) => model.encode(batch.x.clone()).representation,
    };
    let encoder = (representation * representation_gradient).sum().backward();
    let mut encoder = GradientsParams::from_grads(encoder, model);
    merge_shared(model, &mut encoder, &mut grads);
    grads
}
