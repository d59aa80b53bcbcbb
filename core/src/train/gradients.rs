//! Per-task gradients without `retain_graph`.
//!
//! burn runs one backward pass per graph. The encoder's output z is therefore detached into one
//! leaf per task (a replica); a single backward pass of Σ_k L_k through the decoder leaves
//! dL_k/dz in replica k (task k's loss only reads its own replica). Gradients over the shared
//! parameters then come from one encoder backward per task on the surrogate Σ z ⊙ dL_k/dz,
//! whose gradient is exactly dL_k/dθ_shared by the chain rule: the first through z's own graph,
//! each other through a fresh encoder forward.

use super::batches::Batch;
use crate::data::TaskSpec;
use crate::loss::{covers_rows, task_loss};
use crate::model::{MultiTaskModel, Replicas};
use burn::module::{ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Gradients;

/// Each task's loss (with its graph), in task order.
pub(crate) fn task_losses(
    outputs: &[crate::model::TaskOutput],
    tasks: &[TaskSpec],
    batch: &Batch,
) -> Vec<Tensor<1>> {
    outputs
        .iter()
        .zip(tasks)
        .zip(&batch.targets)
        .map(|((output, spec), targets)| task_loss(output, spec.kind, targets))
        .collect()
}

/// `[tasks]`, without autodiff: 1 where the task's loss covers a row of the batch, 0 for a
/// masked task with no observed row ([`crate::weighting::StepSignals::observed`]).
pub(crate) fn observed_tasks(outputs: &[crate::model::TaskOutput], batch: &Batch) -> Tensor<1> {
    let parts = outputs
        .iter()
        .zip(&batch.targets)
        .map(|(output, targets)| covers_rows(output, targets))
        .collect();
    Tensor::cat(parts, 0).inner()
}

/// The encoder's output (with its graph), the per-task losses and dL_k/dz for every task.
pub(crate) struct RepresentationGradients {
    /// `[batch, width]`, still attached to the encoder's graph.
    pub representation: Tensor<2>,
    /// `[tasks]`, without autodiff.
    pub losses: Tensor<1>,
    /// `[tasks]`, without autodiff: see [`observed_tasks`].
    pub observed: Tensor<1>,
    /// One `[batch, width]` per task, without autodiff.
    pub per_task: Vec<Tensor<2>>,
}

impl RepresentationGradients {
    /// Σ_k w_k·dL_k/dz, `[batch, width]`.
    pub fn combined(&self, weights: &Tensor<1>) -> Tensor<2> {
        let tasks = self.per_task.len();
        let [batch, width] = self.per_task[0].dims();
        let stacked: Tensor<3> = Tensor::stack(self.per_task.clone(), 0);
        (stacked * weights.clone().reshape([tasks, 1, 1]))
            .sum_dim(0)
            .reshape([batch, width])
    }

    /// `[tasks, batch · width]`.
    pub fn stacked(&self) -> Tensor<2> {
        let rows: Vec<Tensor<1>> = self
            .per_task
            .iter()
            .map(|g| g.clone().flatten::<1>(0, 1))
            .collect();
        Tensor::stack(rows, 0)
    }
}

/// One encoder forward and one decoder forward/backward.
pub(crate) fn representation_gradients(
    model: &MultiTaskModel,
    tasks: &[TaskSpec],
    batch: &Batch,
) -> RepresentationGradients {
    let representation = model.encode(batch.x.clone()).representation;
    let replicas: Vec<Tensor<2>> = tasks
        .iter()
        .map(|_| representation.clone().detach().require_grad())
        .collect();
    let decoded = model.decode(&Replicas::PerTask(replicas.clone()), batch.x.clone());
    let losses = task_losses(&decoded.outputs, tasks, batch);
    let total = Tensor::cat(losses.clone(), 0).sum();
    let grads = total.backward();
    let per_task = replicas
        .iter()
        .map(|replica| {
            replica
                .grad(&grads)
                .unwrap_or_else(|| replica.clone().inner().zeros_like())
        })
        .collect();
    RepresentationGradients {
        representation,
        losses: Tensor::cat(losses, 0).inner(),
        observed: observed_tasks(&decoded.outputs, batch),
        per_task,
    }
}

/// The T×P Jacobian of the task losses over the shared parameters, `[tasks, parameters]`: one
/// encoder backward per task on the surrogate Σ z ⊙ dL_k/dz. The first row backpropagates
/// through `per_task.representation`'s own graph, so T rows need T − 1 more encoder forwards.
/// That graph is spent afterwards: nothing can backpropagate through the representation again
/// ([`jacobian_direction`] gives the shared gradient of a weighted update instead).
pub(crate) fn shared_jacobian(
    model: &MultiTaskModel,
    batch: &Batch,
    per_task: &RepresentationGradients,
) -> Tensor<2> {
    let rows: Vec<Tensor<1>> = per_task
        .per_task
        .iter()
        .enumerate()
        .map(|(task, gradient)| {
            let z = if task == 0 {
                per_task.representation.clone()
            } else {
                model.encode(batch.x.clone()).representation
            };
            let grads = (z * gradient.clone()).sum().backward();
            flatten_shared(model, &grads)
        })
        .collect();
    Tensor::stack(rows, 0)
}

/// Σ_k w_k·J_k, `[parameters]`: the shared parameters' gradient of Σ_k w_k·L_k, read off the
/// Jacobian (`[tasks, parameters]`, without autodiff) instead of another encoder backward.
pub(crate) fn jacobian_direction(weights: &Tensor<1>, jacobian: &Tensor<2>) -> Tensor<1> {
    weights
        .clone()
        .unsqueeze::<2>()
        .matmul(jacobian.clone())
        .flatten(0, 1)
}

/// Cosine similarity between the rows of `jacobian`, `[tasks, tasks]` (0 for a zero row).
pub(crate) fn cosine_matrix(jacobian: Tensor<2>) -> Tensor<2> {
    let gram = jacobian.clone().matmul(jacobian.transpose());
    let tasks = gram.dims()[0];
    let eye = Tensor::<2>::eye(tasks, &gram.device());
    let norms = (gram.clone() * eye).sum_dim(1).sqrt();
    let scale = norms.clone().matmul(norms.transpose()).clamp_min(1e-20);
    gram / scale
}

/// The shared parameters' gradients in `grads`, flattened and concatenated in visiting order
/// (zeros for a parameter the graph did not reach).
pub(crate) fn flatten_shared(model: &MultiTaskModel, grads: &Gradients) -> Tensor<1> {
    struct Collector<'a> {
        grads: &'a Gradients,
        parts: Vec<Tensor<1>>,
    }
    impl ModuleVisitor for Collector<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let value = param.val();
            let count = value.shape().num_elements();
            let part = match value.grad(self.grads) {
                Some(gradient) => gradient.reshape([count]),
                None => value.inner().zeros_like().reshape([count]),
            };
            self.parts.push(part);
        }
    }
    let mut collector = Collector {
        grads,
        parts: Vec::new(),
    };
    model.visit_shared(&mut collector);
    Tensor::cat(collector.parts, 0)
}

/// Registers slices of `direction` (in [`flatten_shared`]'s order) as the shared parameters'
/// gradients.
pub(crate) fn scatter_shared(
    model: &MultiTaskModel,
    direction: Tensor<1>,
    into: &mut GradientsParams,
) {
    struct Scatter<'a> {
        direction: Tensor<1>,
        offset: usize,
        into: &'a mut GradientsParams,
    }
    impl ModuleVisitor for Scatter<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let dims: [usize; D] = param.val().dims();
            let count: usize = dims.iter().product();
            let slice = self.direction.clone().narrow(0, self.offset, count);
            self.into.register::<D>(param.id, slice.reshape(dims));
            self.offset += count;
        }
    }
    let mut scatter = Scatter {
        direction,
        offset: 0,
        into,
    };
    model.visit_shared(&mut scatter);
}

/// Moves the shared parameters' gradients from `from` into `into`.
pub(crate) fn merge_shared(
    model: &MultiTaskModel,
    from: &mut GradientsParams,
    into: &mut GradientsParams,
) {
    struct Merge<'a> {
        from: &'a mut GradientsParams,
        into: &'a mut GradientsParams,
    }
    impl ModuleVisitor for Merge<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(gradient) = self.from.remove::<D>(param.id) {
                self.into.register::<D>(param.id, gradient);
            }
        }
    }
    model.visit_shared(&mut Merge { from, into });
}

/// Gradients of the task-specific parameters for Σ_k w_k·L_k, and dΣ w_k L_k/dz, from one
/// decoder forward/backward on a detached copy of `representation`.
pub(crate) fn weighted_decoder_gradients(
    model: &MultiTaskModel,
    tasks: &[TaskSpec],
    batch: &Batch,
    representation: &Tensor<2>,
    weights: &Tensor<1>,
) -> (GradientsParams, Tensor<2>) {
    let leaf = representation.clone().detach().require_grad();
    let replicas = Replicas::Shared {
        representation: leaf.clone(),
        tasks: tasks.len(),
    };
    let decoded = model.decode(&replicas, batch.x.clone());
    let losses = Tensor::cat(task_losses(&decoded.outputs, tasks, batch), 0);
    let mut grads = (losses * weights.clone()).sum().backward();
    let representation_gradient = leaf
        .grad(&grads)
        .unwrap_or_else(|| leaf.clone().inner().zeros_like());
    (
        GradientsParams::from_module(&mut grads, model),
        representation_gradient,
    )
}
