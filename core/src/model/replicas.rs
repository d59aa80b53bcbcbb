//! The representation replicas a decoder reads: one per task.
//!
//! The plain forward pass gives every task the same tensor, so the decoder reads it once and
//! lets its batched layers broadcast it over the tasks (no copy; the backward pass sums the
//! tasks' gradients into it). The gradient methods pass one detached leaf per task instead,
//! so that one backward pass leaves each task's gradient in its own replica; those are
//! stacked.

use burn::prelude::*;

/// One representation `[batch, width]` per task. (Built once per step and passed by reference,
/// so the size of a tensor in the `Shared` variant is not worth a box.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Replicas {
    /// Every task reads `representation` itself.
    Shared {
        /// `[batch, width]`.
        representation: Tensor<2>,
        /// Number of tasks.
        tasks: usize,
    },
    /// Task k reads replica k (`tasks × [batch, width]`).
    PerTask(Vec<Tensor<2>>),
}

impl Replicas {
    /// Number of tasks.
    pub fn tasks(&self) -> usize {
        match self {
            Self::Shared { tasks, .. } => *tasks,
            Self::PerTask(replicas) => replicas.len(),
        }
    }

    /// Task `task`'s replica, `[batch, width]`.
    pub fn task(&self, task: usize) -> Tensor<2> {
        match self {
            Self::Shared { representation, .. } => representation.clone(),
            Self::PerTask(replicas) => replicas[task].clone(),
        }
    }

    /// The replicas along a leading task dimension: `[tasks, batch, width]`, or
    /// `[1, batch, width]` when every task reads the same tensor (a consumer broadcasts it:
    /// the batched matmuls of [`super::layers::GroupedMlp`] and [`super::layers::mix`] do).
    pub fn stacked(&self) -> Tensor<3> {
        match self {
            Self::Shared { representation, .. } => representation.clone().unsqueeze_dim(0),
            Self::PerTask(replicas) => Tensor::stack(replicas.clone(), 0),
        }
    }

    /// Of a representation laid out as `[batch, tasks · width]`, task k's own columns
    /// `k · width ..` taken from task k's replica: `[tasks, batch, width]`. A strided view of
    /// the representation when it is shared.
    pub fn own_slices(&self, width: usize) -> Tensor<3> {
        match self {
            Self::Shared {
                representation,
                tasks,
            } => {
                let [batch, _] = representation.dims();
                representation
                    .clone()
                    .narrow(1, 0, tasks * width)
                    .reshape([batch, *tasks, width])
                    .swap_dims(0, 1)
            }
            Self::PerTask(replicas) => {
                let slices: Vec<Tensor<2>> = replicas
                    .iter()
                    .enumerate()
                    .map(|(task, replica)| replica.clone().narrow(1, task * width, width))
                    .collect();
                Tensor::stack(slices, 0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_diff(a: Tensor<3>, b: Tensor<3>) -> f32 {
        (a - b).abs().max().into_scalar()
    }

    #[test]
    fn shared_and_per_task_replicas_read_the_same_values() {
        let device = Device::flex();
        let z = Tensor::<2>::random([5, 12], burn::tensor::Distribution::Default, &device);
        let shared = Replicas::Shared {
            representation: z.clone(),
            tasks: 3,
        };
        let per_task = Replicas::PerTask(vec![z.clone(); 3]);
        assert_eq!((shared.tasks(), per_task.tasks()), (3, 3));
        assert_eq!(shared.stacked().dims(), [1, 5, 12]);
        assert_eq!(per_task.stacked().dims(), [3, 5, 12]);
        let broadcast = shared.stacked().expand([3, 5, 12]);
        assert_eq!(max_diff(broadcast, per_task.stacked()), 0.0);
        // Width 4 of 3 tasks: task k's columns 4k..4k+4.
        let own = shared.own_slices(4);
        assert_eq!(own.dims(), [3, 5, 4]);
        assert_eq!(max_diff(own.clone(), per_task.own_slices(4)), 0.0);
        let task_two = z.narrow(1, 8, 4).unsqueeze_dim::<3>(0);
        assert_eq!(max_diff(own.narrow(0, 2, 1), task_two), 0.0);
    }
}
