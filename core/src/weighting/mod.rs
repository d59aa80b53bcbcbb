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

mod adam;
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
mod host;
mod imtl;
mod label_reweight;
mod mgda;
mod nash_mtl;
mod pcgrad;
mod pe_ltr;
mod rlw;
mod stch;
mod uncertainty;
mod upgrad;

pub use aligned_mtl::{AlignedMtl, AlignedMtlConfig};
pub use alternating::Alternating;
pub use cagrad::{CaGrad, CaGradConfig};
pub use db_mtl::{DbMtl, DbMtlConfig};
pub use dtp::{Dtp, DtpConfig};
pub use dualproj::{DualProj, DualProjConfig};
pub use dwa::{Dwa, DwaConfig};
pub use equal::Equal;
pub use famo::{Famo, FamoConfig};
pub use fixed::{Fixed, FixedConfig};
pub use gls::Gls;
pub use graddrop::GradDrop;
pub use gradnorm::{GradNorm, GradNormConfig};
pub use gradvac::{GradVac, GradVacConfig};
pub use host::aggregate_rows;
pub use imtl::{Imtl, ImtlConfig, ImtlMode};
pub use label_reweight::{Curve, LabelReweight, LabelReweightConfig};
pub use mgda::{GradientNormalization, Mgda, MgdaConfig};
pub use nash_mtl::{NashMtl, NashMtlConfig};
pub use pcgrad::{PcGrad, PcGradConfig};
pub use pe_ltr::{PeLtr, PeLtrConfig};
pub use rlw::Rlw;
pub use stch::{Stch, StchConfig};
pub use uncertainty::Uncertainty;
pub use upgrad::{UpGrad, UpGradConfig};

use crate::data::{TaskKind, TaskSpec, unknown_id};
use crate::error::ConfigError;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

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

    /// Called after each evaluation with each task's validation metric (AUC for binary tasks,
    /// R² for regression), in task order.
    fn observe_validation(&mut self, _metrics: &[f64]) {}
}

/// The method registry. Serialised with a `kind` tag, e.g. `{"kind": "fixed", "weights": [1, 2]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WeightingConfig {
    /// Every task weighs 1.
    #[default]
    Equal,
    /// Given weights.
    Fixed(FixedConfig),
    /// Learned homoscedastic uncertainty (Kendall et al., CVPR 2018).
    Uncertainty,
    /// Dynamic task prioritisation (Guo et al., ECCV 2018).
    Dtp(DtpConfig),
    /// GradNorm (Chen et al., ICML 2018).
    #[serde(rename = "gradnorm")]
    GradNorm(GradNormConfig),
    /// Dynamic weight average (Liu et al., CVPR 2019).
    Dwa(DwaConfig),
    /// Random loss weighting (Lin et al., TMLR 2022).
    Rlw,
    /// Geometric loss strategy (Chennupati et al., CVPR-W 2019).
    Gls,
    /// Smooth Tchebycheff scalarisation (Lin et al., ICML 2024).
    Stch(StchConfig),
    /// Fast adaptive multitask optimisation (Liu et al., NeurIPS 2023).
    Famo(FamoConfig),
    /// One task per step, each with its own optimiser state.
    Alternating,
    /// Gradient sign dropout (Chen et al., NeurIPS 2020).
    #[serde(rename = "graddrop")]
    GradDrop,
    /// Dual-balancing (Lin et al., 2023).
    DbMtl(DbMtlConfig),
    /// MGDA on the shared parameters (Sener & Koltun, NeurIPS 2018).
    Mgda(MgdaConfig),
    /// MGDA's upper bound on the shared representation (Sener & Koltun, NeurIPS 2018).
    MgdaUb(MgdaConfig),
    /// Positive rows of one task re-weighted by another task's label.
    LabelReweight(LabelReweightConfig),
    /// Pareto-efficient weights with lower bounds (Lin et al., RecSys 2019).
    PeLtr(PeLtrConfig),
    /// Projecting conflicting gradients (Yu et al., NeurIPS 2020).
    #[serde(rename = "pcgrad")]
    PcGrad(PcGradConfig),
    /// Conflict-averse gradient descent (Liu et al., NeurIPS 2021).
    #[serde(rename = "cagrad")]
    CaGrad(CaGradConfig),
    /// Impartial multi-task learning (Liu et al., ICLR 2021).
    Imtl(ImtlConfig),
    /// Gradient vaccine (Wang et al., ICLR 2021).
    #[serde(rename = "gradvac")]
    GradVac(GradVacConfig),
    /// Aligned-MTL (Senushkin et al., CVPR 2023).
    AlignedMtl(AlignedMtlConfig),
    /// Nash-MTL (Navon et al., ICML 2022).
    NashMtl(NashMtlConfig),
    /// UPGrad (Quinton & Rey, 2024).
    #[serde(rename = "upgrad")]
    UpGrad(UpGradConfig),
    /// DualProj (Quinton & Rey, 2024).
    #[serde(rename = "dualproj")]
    DualProj(DualProjConfig),
}

impl WeightingConfig {
    /// Every registered method with its defaults.
    pub fn all() -> Vec<WeightingConfig> {
        vec![
            WeightingConfig::Equal,
            WeightingConfig::Fixed(FixedConfig::default()),
            WeightingConfig::Uncertainty,
            WeightingConfig::Dtp(DtpConfig::default()),
            WeightingConfig::GradNorm(GradNormConfig::default()),
            WeightingConfig::Dwa(DwaConfig::default()),
            WeightingConfig::Rlw,
            WeightingConfig::Gls,
            WeightingConfig::Stch(StchConfig::default()),
            WeightingConfig::Famo(FamoConfig::default()),
            WeightingConfig::Alternating,
            WeightingConfig::GradDrop,
            WeightingConfig::DbMtl(DbMtlConfig::default()),
            WeightingConfig::Mgda(MgdaConfig::default()),
            WeightingConfig::MgdaUb(MgdaConfig::default()),
            WeightingConfig::LabelReweight(LabelReweightConfig::default()),
            WeightingConfig::PeLtr(PeLtrConfig::default()),
            WeightingConfig::PcGrad(PcGradConfig::default()),
            WeightingConfig::CaGrad(CaGradConfig::default()),
            WeightingConfig::Imtl(ImtlConfig::default()),
            WeightingConfig::GradVac(GradVacConfig::default()),
            WeightingConfig::AlignedMtl(AlignedMtlConfig::default()),
            WeightingConfig::NashMtl(NashMtlConfig::default()),
            WeightingConfig::UpGrad(UpGradConfig::default()),
            WeightingConfig::DualProj(DualProjConfig::default()),
        ]
    }

    /// The stable id used on the command line and in URLs.
    pub fn id(&self) -> &'static str {
        match self {
            WeightingConfig::Equal => "equal",
            WeightingConfig::Fixed(_) => "fixed",
            WeightingConfig::Uncertainty => "uncertainty",
            WeightingConfig::Dtp(_) => "dtp",
            WeightingConfig::GradNorm(_) => "gradnorm",
            WeightingConfig::Dwa(_) => "dwa",
            WeightingConfig::Rlw => "rlw",
            WeightingConfig::Gls => "gls",
            WeightingConfig::Stch(_) => "stch",
            WeightingConfig::Famo(_) => "famo",
            WeightingConfig::Alternating => "alternating",
            WeightingConfig::GradDrop => "graddrop",
            WeightingConfig::DbMtl(_) => "db-mtl",
            WeightingConfig::Mgda(_) => "mgda",
            WeightingConfig::MgdaUb(_) => "mgda-ub",
            WeightingConfig::LabelReweight(_) => "label-reweight",
            WeightingConfig::PeLtr(_) => "pe-ltr",
            WeightingConfig::PcGrad(_) => "pcgrad",
            WeightingConfig::CaGrad(_) => "cagrad",
            WeightingConfig::Imtl(_) => "imtl",
            WeightingConfig::GradVac(_) => "gradvac",
            WeightingConfig::AlignedMtl(_) => "aligned-mtl",
            WeightingConfig::NashMtl(_) => "nash-mtl",
            WeightingConfig::UpGrad(_) => "upgrad",
            WeightingConfig::DualProj(_) => "dualproj",
        }
    }

    /// The default config of the method called `id`.
    ///
    /// # Errors
    /// An unknown id, with the list of known ones.
    pub fn from_id(id: &str) -> Result<WeightingConfig, ConfigError> {
        Self::all()
            .into_iter()
            .find(|config| config.id() == id)
            .ok_or_else(|| unknown_id("weighting", id, Self::all().iter().map(|c| c.id())))
    }

    /// Checks the hyperparameters for `tasks` tasks.
    ///
    /// # Errors
    /// The offending field (prefixed with `weighting.`) and its allowed range.
    pub fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        match self {
            WeightingConfig::Equal
            | WeightingConfig::Uncertainty
            | WeightingConfig::Rlw
            | WeightingConfig::Gls
            | WeightingConfig::Alternating
            | WeightingConfig::GradDrop
            | WeightingConfig::Mgda(_)
            | WeightingConfig::MgdaUb(_) => Ok(()),
            WeightingConfig::DbMtl(config) => config.validate(),
            WeightingConfig::LabelReweight(config) => config.validate(),
            WeightingConfig::PeLtr(config) => config.validate(tasks),
            WeightingConfig::CaGrad(config) => config.validate(),
            WeightingConfig::GradVac(config) => config.validate(),
            WeightingConfig::PcGrad(_)
            | WeightingConfig::Imtl(_)
            | WeightingConfig::AlignedMtl(_)
            | WeightingConfig::NashMtl(_)
            | WeightingConfig::UpGrad(_)
            | WeightingConfig::DualProj(_) => Ok(()),
            WeightingConfig::Fixed(config) => config.validate(tasks),
            WeightingConfig::Dtp(config) => config.validate(),
            WeightingConfig::GradNorm(config) => config.validate(),
            WeightingConfig::Dwa(config) => config.validate(),
            WeightingConfig::Stch(config) => config.validate(),
            WeightingConfig::Famo(config) => config.validate(),
        }
        .map_err(|error| error.within("weighting"))
    }

    /// Builds the method for the run described by `context`.
    ///
    /// # Errors
    /// As [`WeightingConfig::validate`].
    pub fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        let tasks = context.task_count();
        self.validate(tasks)?;
        Ok(match self {
            WeightingConfig::Equal => Box::new(Equal),
            WeightingConfig::Fixed(config) => Box::new(Fixed::new(config, tasks)),
            WeightingConfig::Uncertainty => Box::new(Uncertainty::new(context)),
            WeightingConfig::Dtp(config) => Box::new(Dtp::new(config)),
            WeightingConfig::GradNorm(config) => Box::new(GradNorm::new(config, tasks)),
            WeightingConfig::Dwa(config) => Box::new(Dwa::new(config)),
            WeightingConfig::Rlw => Box::new(Rlw::new(context)),
            WeightingConfig::Gls => Box::new(Gls),
            WeightingConfig::Stch(config) => Box::new(Stch::new(config)),
            WeightingConfig::Famo(config) => Box::new(Famo::new(config)),
            WeightingConfig::Alternating => Box::new(Alternating::default()),
            WeightingConfig::GradDrop => Box::new(GradDrop),
            WeightingConfig::DbMtl(config) => Box::new(DbMtl::new(config)),
            WeightingConfig::Mgda(config) => {
                Box::new(Mgda::new(config, GramSource::SharedParameters))
            }
            WeightingConfig::MgdaUb(config) => {
                Box::new(Mgda::new(config, GramSource::Representation))
            }
            WeightingConfig::LabelReweight(config) => {
                Box::new(LabelReweight::new(config, context).map_err(|e| e.within("weighting"))?)
            }
            WeightingConfig::PeLtr(config) => Box::new(OnSharedGram(PeLtr::new(config, tasks))),
            WeightingConfig::PcGrad(_) => Box::new(OnSharedGram(PcGrad::new(context))),
            WeightingConfig::CaGrad(config) => Box::new(OnSharedGram(CaGrad::new(config))),
            WeightingConfig::Imtl(config) => Box::new(Imtl::new(config, context)),
            WeightingConfig::GradVac(config) => {
                Box::new(OnSharedGram(GradVac::new(config, context)))
            }
            WeightingConfig::AlignedMtl(_) => Box::new(OnSharedGram(AlignedMtl)),
            WeightingConfig::NashMtl(_) => Box::new(OnSharedGram(NashMtl)),
            WeightingConfig::UpGrad(_) => Box::new(OnSharedGram(UpGrad)),
            WeightingConfig::DualProj(_) => Box::new(OnSharedGram(DualProj)),
        })
    }
}

/// Which Gram matrix a host-reading gradient method works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GramSource {
    /// Of the gradients with respect to the shared representation.
    Representation,
    /// Of the gradients with respect to the shared parameters.
    SharedParameters,
}

impl GramSource {
    /// What the trainer must compute for this source.
    pub fn needs(self) -> Needs {
        match self {
            GramSource::Representation => Needs::RepresentationGradients,
            GramSource::SharedParameters => Needs::SharedGradients,
        }
    }

    /// The host Gram matrix and losses from `signals` (the method asked for them).
    pub fn read(self, signals: &StepSignals) -> (aggregate::Gram, &[f64]) {
        let host = signals
            .host
            .as_ref()
            .expect("a Gram-based method sets `reads_host`");
        let gram = match self {
            GramSource::Representation => &host.representation_gram,
            GramSource::SharedParameters => &host.shared_gram,
        };
        let gram = gram
            .as_ref()
            .expect("the trainer computes what `needs` asks");
        (aggregate::Gram::from_row_major(gram.clone()), &host.losses)
    }
}

/// A gradient method whose shared parameters descend Σ_k w_k·g_k with weights that depend only
/// on the Gram matrix of the shared-parameter gradients (PCGrad, CAGrad, Nash-MTL, ...).
/// Wrapped in [`OnSharedGram`] it is a [`Weighting`]: it needs the shared-parameter gradients,
/// reads their T×T Gram matrix back each step, and lets each task's own parameters descend their
/// own gradient (as the papers' algorithms do).
pub trait GramRule {
    /// This step's weights of the task gradients.
    fn weights(&mut self, gram: &aggregate::Gram) -> Vec<f64>;
}

/// A [`GramRule`] as a [`Weighting`].
#[derive(Debug, Clone)]
pub struct OnSharedGram<R>(pub R);

impl<R: GramRule> Weighting for OnSharedGram<R> {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }

    fn reads_host(&self) -> bool {
        true
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let (gram, _) = GramSource::SharedParameters.read(signals);
        shared_weights(&self.0.weights(&gram), &signals.device)
    }
}

/// `values` as a `[n]` tensor on `device`.
pub(crate) fn upload(values: &[f64], device: &Device) -> Tensor<1> {
    let values: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    let count = values.len();
    Tensor::from_data(TensorData::new(values, [count]), device)
}

/// The shared parameters on Σ_k w_k·∇L_k, each task's own parameters on its own gradient.
pub(crate) fn shared_weights(weights: &[f64], device: &Device) -> Update {
    Update::SharedWeights {
        weights: upload(weights, device),
        heads: Tensor::ones([weights.len()], device),
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Signals with the given losses and nothing else, on the CPU backend.
    pub fn loss_signals(losses: &[f32]) -> StepSignals {
        let device = Device::flex();
        StepSignals {
            step: 0,
            losses: Tensor::from_data(TensorData::new(losses.to_vec(), [losses.len()]), &device),
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
