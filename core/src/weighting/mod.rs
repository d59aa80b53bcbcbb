//! Loss-weighting and gradient methods: one file per method, registered in [`WeightingConfig`].
//!
//! The trainer asks a method what it [`Needs`] and hands it the matching [`StepSignals`]; the
//! method answers with an [`Update`]. The trainer never checks which method it runs.
//!
//! Cost per step, by need (T tasks; "encoder" = the shared part, "decoder" = task parts):
//! - [`Needs::Losses`]: one forward and one backward, as single-task training.
//! - [`Needs::RepresentationGradients`]: encoder forward, decoder forward and backward on
//!   detached per-task replicas (gives every dL_k/dz in one pass), then decoder forward and
//!   backward again with the chosen weights, and one encoder backward: about 1.5–2× a plain step.
//! - [`Needs::SharedGradients`]: as above, plus T encoder forward+backward passes to turn each
//!   dL_k/dz into a gradient row over the shared parameters (the T×P Jacobian).
//!
//! All signals are tensors on the device without autodiff; a method that answers with tensors
//! computed from them never forces a read back to the host.

pub mod aggregate;

pub(crate) mod adam;
mod aligned_mtl;
mod alternating;
mod cagrad;
mod db_mtl;
mod dtp;
mod dualproj;
mod dwa;
mod equal;
mod famo;
mod fixed;
mod gls;
mod graddrop;
mod gradnorm;
mod gradvac;
mod gram_rule;
mod held;
mod host;
mod imtl;
mod label_reweight;
mod mgda;
mod nash_mtl;
mod pcgrad;
mod pe_ltr;
mod registry;
mod rlw;
mod stch;
mod uncertainty;
mod upgrad;

pub use aligned_mtl::{AlignedMtl, AlignedMtlConfig};
pub use alternating::{Alternating, AlternatingConfig};
pub use cagrad::{CaGrad, CaGradConfig};
pub use db_mtl::{DbMtl, DbMtlConfig};
pub use dtp::{Dtp, DtpConfig};
pub use dualproj::{DualProj, DualProjConfig};
pub use dwa::{Dwa, DwaConfig};
pub use equal::{Equal, EqualConfig};
pub use famo::{Famo, FamoConfig};
pub use fixed::{Fixed, FixedConfig};
pub use gls::{Gls, GlsConfig};
pub use graddrop::{GradDrop, GradDropConfig};
pub use gradnorm::{GradNorm, GradNormConfig};
pub use gradvac::{GradVac, GradVacConfig};
pub use gram_rule::{GramRule, OnSharedGram};
pub(crate) use gram_rule::{GramSource, shared_weights, upload};
pub(crate) use held::HeldLosses;
pub use host::aggregate_rows;
pub use imtl::{Imtl, ImtlConfig, ImtlMode};
pub use label_reweight::{Curve, LabelReweight, LabelReweightConfig};
pub use mgda::{GradientNormalization, Mgda, MgdaConfig, MgdaUbConfig};
pub use nash_mtl::{NashMtl, NashMtlConfig};
pub use pcgrad::{PcGrad, PcGradConfig};
pub use pe_ltr::{PeLtr, PeLtrConfig};
pub use registry::{MethodConfig, MethodSettings, WeightingConfig};
pub use rlw::{Rlw, RlwConfig};
pub use stch::{Stch, StchConfig};
pub use uncertainty::{Uncertainty, UncertaintyConfig};
pub use upgrad::{UpGrad, UpGradConfig};

use crate::data::{TaskKind, TaskSpec};
use burn::prelude::*;

/// What a method may know about the run when it is built.
#[derive(Debug, Clone)]
pub struct MethodContext {
    /// The tasks, in order.
    pub tasks: Vec<TaskSpec>,
    /// The run's seed (methods that draw random numbers fork their own stream from it).
    pub seed: u64,
    /// The model's learning rate (methods with learned weights use it by default).
    pub learning_rate: f64,
}

impl MethodContext {
    /// Number of tasks.
    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// Whether task `k` is a regression task.
    pub fn is_regression(&self, k: usize) -> bool {
        self.tasks[k].kind == TaskKind::Regression
    }
}

/// What a method needs computed before it can weigh a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// The per-task losses only.
    Losses,
    /// Also each task's gradient with respect to the shared representation.
    RepresentationGradients,
    /// Also each task's gradient with respect to the shared parameters.
    SharedGradients,
}

/// What the trainer hands a method at each step.
#[derive(Debug, Clone)]
pub struct StepSignals {
    /// Zero-based step index.
    pub step: usize,
    /// Device (without autodiff) to create tensors on.
    pub device: Device,
    /// Per-task mean batch losses, `[tasks]`.
    pub losses: Tensor<1>,
    /// `[tasks]`: 1 where the task's loss covers at least one row of the batch, 0 for a masked
    /// task none of whose labels the batch observes (its loss and gradient are then 0: a method
    /// that divides by a loss or compares losses across steps must not read it as a real 0).
    pub observed: Tensor<1>,
    /// With [`Needs::RepresentationGradients`] or more: the shared representation z the
    /// gradients are taken at, `[batch, width]` (GradDrop reads its signs).
    pub representation: Option<Tensor<2>>,
    /// With [`Needs::RepresentationGradients`] or more: row k = dL_k/dz flattened,
    /// `[tasks, batch · width]`.
    pub representation_gradients: Option<Tensor<2>>,
    /// With [`Needs::SharedGradients`]: row k = dL_k/dθ over the shared parameters,
    /// `[tasks, parameters]`.
    pub shared_gradients: Option<Tensor<2>>,
    /// Host copies of the small signals, when [`Weighting::reads_host`] says so.
    pub host: Option<HostSignals>,
}

/// Small signals read back to the host before [`Weighting::update`], for methods whose decision
/// needs branching or an iterative solver over a `tasks × tasks` matrix (MGDA, Nash-MTL, ...).
/// Costs one batched device→host read per step; in the browser that read is awaited.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostSignals {
    /// Per-task batch losses.
    pub losses: Vec<f64>,
    /// Row-major `tasks × tasks` Gram matrix of the representation gradients,
    /// G_ij = ⟨dL_i/dz, dL_j/dz⟩ (with [`Needs::RepresentationGradients`] or more).
    pub representation_gram: Option<Vec<f64>>,
    /// Row-major Gram matrix of the shared-parameter gradients (with [`Needs::SharedGradients`]).
    pub shared_gram: Option<Vec<f64>>,
}

/// What a method answers.
///
/// Gradient-manipulation methods (MGDA, PCGrad, CAGrad, ...) change only how the shared
/// parameters move; as in their papers (and LibMTL), each task's own parameters keep the
/// gradient of their own loss, scaled by `heads` (usually 1).
#[derive(Debug, Clone)]
pub enum Update {
    /// Step every parameter on Σ_k w_k·L_k: the weights, `[tasks]`.
    Weights(Tensor<1>),
    /// Step the shared parameters on Σ_k weights_k·∇L_k and task k's own parameters on
    /// heads_k·∇L_k. Needs [`Needs::RepresentationGradients`] or more (the combination is
    /// backpropagated from the representation gradients: no P-dimensional work).
    SharedWeights {
        /// Weights of the task gradients on the shared parameters (reported for charts).
        weights: Tensor<1>,
        /// Weights of each task's gradient on its own parameters.
        heads: Tensor<1>,
    },
    /// Backpropagate `gradient` (`[batch · width]`, in the layout of
    /// [`StepSignals::representation_gradients`]' rows) from the representation into the shared
    /// parameters; task k's own parameters on heads_k·∇L_k. Needs
    /// [`Needs::RepresentationGradients`] or more.
    RepresentationDirection {
        /// The gradient at the representation.
        gradient: Tensor<1>,
        /// Per-task weights reported for charts.
        weights: Tensor<1>,
        /// Weights of each task's gradient on its own parameters.
        heads: Tensor<1>,
    },
    /// Step the shared parameters along `direction` (`[parameters]`, a gradient to descend, in
    /// the order of [`StepSignals::shared_gradients`]' columns) and task k's own parameters on
    /// heads_k·∇L_k. Needs [`Needs::SharedGradients`].
    SharedDirection {
        /// Gradient for the shared parameters.
        direction: Tensor<1>,
        /// Per-task weights reported for charts.
        weights: Tensor<1>,
        /// Weights of each task's gradient on its own parameters.
        heads: Tensor<1>,
    },
}

impl Update {
    /// The task weights this update reports, `[tasks]`.
    pub fn weights(&self) -> &Tensor<1> {
        match self {
            Update::Weights(weights)
            | Update::SharedWeights { weights, .. }
            | Update::RepresentationDirection { weights, .. }
            | Update::SharedDirection { weights, .. } => weights,
        }
    }

    /// The weights of each task's gradient on its own parameters, `[tasks]`.
    pub fn head_weights(&self) -> &Tensor<1> {
        match self {
            Update::Weights(weights) => weights,
            Update::SharedWeights { heads, .. }
            | Update::RepresentationDirection { heads, .. }
            | Update::SharedDirection { heads, .. } => heads,
        }
    }
}

/// A loss-weighting or gradient method. Hooks other than [`Weighting::update`] default to
/// doing nothing, so a stateless method is a few lines.
pub trait Weighting {
    /// What the trainer must compute each step (default: the losses only).
    fn needs(&self) -> Needs {
        Needs::Losses
    }

    /// Per-row loss weights for each task of a training batch (`[batch, 1]`, or `None` for
    /// plain rows), decided from the batch's labels before the losses are computed (default:
    /// none). Label re-weighting uses it.
    fn row_weights(&self, _targets: &[crate::loss::TaskTargets]) -> Vec<Option<Tensor<2>>> {
        Vec::new()
    }

    /// Whether [`StepSignals::host`] must be filled (default: no, so a step never waits for
    /// the device).
    fn reads_host(&self) -> bool {
        false
    }

    /// Decides the step from the signals.
    fn update(&mut self, signals: &StepSignals) -> Update;

    /// Which optimiser state the step just decided should use (default 0: one state for the
    /// whole run). A method that steps tasks in turn gives each its own state, so one task's
    /// momentum never moves another task's parameters.
    fn optimizer_slot(&self) -> usize {
        0
    }

    /// Called at the end of every epoch with each task's mean training loss over it, `[tasks]`.
    fn end_epoch(&mut self, _mean_losses: Tensor<1>) {}

    /// Called after each evaluation with each task's validation skill, in task order: one
    /// scale for every kind of task, 0 at chance and 1 when perfect (2·AUC − 1 for binary
    /// tasks, R² for regression; see [`crate::train::TaskEvaluation::skill`]).
    fn observe_validation(&mut self, _skills: &[f64]) {}
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Signals with the given losses (every task observed) and nothing else, on the CPU
    /// backend.
    pub fn loss_signals(losses: &[f32]) -> StepSignals {
        masked_loss_signals(losses, &vec![true; losses.len()])
    }

    /// Signals with the given losses, `observed[k]` false for a task whose batch had no
    /// observed row (its loss should then be 0).
    pub fn masked_loss_signals(losses: &[f32], observed: &[bool]) -> StepSignals {
        let device = Device::flex();
        let observed: Vec<f32> = observed.iter().map(|&o| f32::from(u8::from(o))).collect();
        StepSignals {
            step: 0,
            losses: Tensor::from_data(TensorData::new(losses.to_vec(), [losses.len()]), &device),
            observed: Tensor::from_data(TensorData::new(observed, [losses.len()]), &device),
            representation: None,
            device,
            representation_gradients: None,
            shared_gradients: None,
            host: None,
        }
    }

    /// A `[n]` tensor's values.
    pub fn values(tensor: &Tensor<1>) -> Vec<f32> {
        tensor.clone().into_data().try_to_vec().unwrap()
    }
}
