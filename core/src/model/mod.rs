//! Multi-task architectures: one file per architecture, registered in [`ArchConfig`].
//!
//! Every architecture splits into an **encoder** (the parameters all tasks share) and a
//! **decoder** (task-exclusive parts: gates, task experts, towers). The encoder produces one
//! representation `[batch, width]`; the decoder takes one *replica* of it per task. In plain
//! training every replica is the same tensor ([`Replicas::Shared`], read once and broadcast
//! over the tasks); to get per-task gradients with respect to the representation (burn has no
//! `retain_graph`), the trainer passes detached copies instead ([`Replicas::PerTask`]), and one
//! backward pass through the decoder yields each task's gradient in its own replica.

pub mod layers;

mod bottom_towers;

mod cross_stitch;
mod esmm;
mod factorization;
mod moe;
mod ple;
mod registry;
mod replicas;
mod shared_bottom;
mod single_task;

pub use bottom_towers::BottomTowersConfig;
pub use cross_stitch::{CrossStitch, CrossStitchConfig};
pub use esmm::{Esmm, EsmmConfig};
pub use factorization::{FactorizationMachine, FmConfig};
pub use moe::{Moe, MoeConfig, OmoeConfig};
pub use ple::{CgcConfig, Ple, PleConfig};
pub use registry::{ArchBuilder, ArchConfig, ArchSettings};
pub use replicas::Replicas;
pub use shared_bottom::{SharedBottom, SharedBottomConfig};
pub use single_task::{SingleTask, SingleTaskConfig};

use crate::data::{TaskKind, TaskSpec};
use crate::error::ConfigError;
use crate::rng::Rng;
use burn::module::ModuleVisitor;
use burn::prelude::*;

/// How a task's output is to be read.
#[derive(Debug, Clone)]
pub enum OutputForm {
    /// A logit (binary tasks) or a value (regression tasks).
    Raw,
    /// A probability over the entire space (ESMM's pCTCVR), trained on `label · mask` for every
    /// row; `conditional` is the probability given the previous step of the funnel (pCVR),
    /// which the task's metrics score.
    EntireSpace {
        /// `[batch, dim]` conditional probability.
        conditional: Box<Tensor<2>>,
    },
}

/// One task's output.
#[derive(Debug, Clone)]
pub struct TaskOutput {
    /// `[batch, dim]`.
    pub value: Tensor<2>,
    /// How to read `value`.
    pub form: OutputForm,
}

/// The softmax weights of one gate.
#[derive(Debug, Clone)]
pub struct GateActivation {
    /// Which gate (`task1`, `shared level 1`, ...).
    pub name: String,
    /// `[batch, experts]`, rows sum to 1.
    pub weights: Tensor<2>,
}

/// What the encoder produces.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The shared representation, `[batch, width]`.
    pub representation: Tensor<2>,
    /// Gates that belong to the encoder (OMoE's gate, PLE's lower-level shared gates).
    pub gates: Vec<GateActivation>,
}

/// What the decoder produces.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// One output per task, in task order.
    pub outputs: Vec<TaskOutput>,
    /// Task gates.
    pub gates: Vec<GateActivation>,
}

/// A full forward pass: outputs, every gate, and the shared representation.
#[derive(Debug, Clone)]
pub struct Forward {
    /// One output per task.
    pub outputs: Vec<TaskOutput>,
    /// Encoder gates, then decoder gates.
    pub gates: Vec<GateActivation>,
    /// The shared representation, `[batch, width]`.
    pub representation: Tensor<2>,
}

/// What the model needs to know about the data to build itself.
#[derive(Debug, Clone)]
pub struct ModelShape<'a> {
    /// Width of a feature row.
    pub input_dim: usize,
    /// The tasks.
    pub tasks: &'a [TaskSpec],
    /// Dataset id, for error messages.
    pub dataset: &'a str,
}

impl ModelShape<'_> {
    /// The input width, the number of tasks and their common output width.
    ///
    /// # Errors
    /// As [`ModelShape::output_dim`].
    pub fn dims(&self) -> Result<(usize, usize, usize), ConfigError> {
        Ok((self.input_dim, self.tasks.len(), self.output_dim()?))
    }

    /// The common output width of the tasks.
    ///
    /// # Errors
    /// When tasks differ in width (the towers are batched).
    pub fn output_dim(&self) -> Result<usize, ConfigError> {
        let dim = self.tasks[0].dim;
        if self.tasks.iter().all(|t| t.dim == dim) {
            Ok(dim)
        } else {
            Err(ConfigError::new(
                "dataset",
                "all tasks must have the same output width",
            ))
        }
    }
}

/// The contract every built network keeps with the trainer: an encoder (every parameter the
/// tasks share) and a decoder (task-exclusive parts) that takes one replica of the
/// representation per task. The shared parameters are exactly those [`Architecture::encode`]
/// reaches and [`Architecture::visit_shared`] visits; the decoder reaches only the others (a
/// test checks the partition for every registered architecture).
pub trait Architecture {
    /// The shared part.
    ///
    /// # Shapes
    /// - `x`: `[batch, input]`; representation: `[batch, width]`
    fn encode(&self, x: Tensor<2>) -> Encoded;

    /// The task-exclusive part, given one representation replica per task and each task's FM
    /// term (`[batch, tasks]`) when the model has one.
    ///
    /// # Shapes
    /// - `replicas`: `tasks × [batch, width]`; `x`: `[batch, input]`; outputs `[batch, dim]`
    fn decode(&self, replicas: &Replicas, x: Tensor<2>, fm: Option<Tensor<2>>) -> Decoded;

    /// The batched task towers (group k is task k's tower).
    fn towers(&self) -> &layers::GroupedMlp;

    /// The towers, to replace them (same shapes and parameter ids).
    fn towers_mut(&mut self) -> &mut layers::GroupedMlp;

    /// Visits the shared (encoder) parameters only.
    fn visit_shared<V: ModuleVisitor>(&self, visitor: &mut V);

    /// Networks of several runs (same settings, each its own weights) as one network whose
    /// parameters hold the runs as leading blocks, so that one kernel serves every run; `None`
    /// for an architecture without that form (it then trains one run at a time).
    fn stack_runs(runs: Vec<Self>) -> Option<Self>
    where
        Self: Sized,
    {
        drop(runs);
        None
    }

    /// The runs of a network made by [`Architecture::stack_runs`], in order.
    fn unstack_runs(&self, runs: usize) -> Vec<Self>
    where
        Self: Sized,
    {
        unreachable!("{runs} runs of an architecture that never stacks them")
    }

    /// The forward pass of a network made by [`Architecture::stack_runs`]: each run on its own
    /// rows. Raw outputs only (what every stackable architecture produces).
    ///
    /// # Shapes
    /// - `x`: `[runs, batch, input]`; output: `[runs, tasks, batch, dim]`
    fn forward_runs(&self, x: Tensor<3>) -> Tensor<4> {
        let [runs, ..] = x.dims();
        unreachable!("a forward over {runs} runs of an architecture that never stacks them")
    }
}

/// The built network of any registered architecture. (A run holds one network, so the size
/// difference between variants costs nothing worth an indirection.)
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Network {
    /// See [`SingleTask`].
    SingleTask(SingleTask),
    /// See [`SharedBottom`].
    SharedBottom(SharedBottom),
    /// OMoE and MMoE, see [`Moe`].
    Moe(Moe),
    /// CGC and PLE, see [`Ple`].
    Ple(Ple),
    /// See [`CrossStitch`].
    CrossStitch(CrossStitch),
    /// See [`Esmm`].
    Esmm(Esmm),
}

/// Dispatches one call to the variant's [`Architecture`] method.
macro_rules! each_network {
    ($network:expr, $inner:ident => $call:expr) => {
        match $network {
            Network::SingleTask($inner) => $call,
            Network::SharedBottom($inner) => $call,
            Network::Moe($inner) => $call,
            Network::Ple($inner) => $call,
            Network::CrossStitch($inner) => $call,
            Network::Esmm($inner) => $call,
        }
    };
}

/// A multi-task model: a network and, optionally, a factorisation-machine term per task.
#[derive(Module, Debug)]
pub struct MultiTaskModel {
    /// The architecture.
    pub network: Network,
    /// Second-order feature interactions added to each task's output.
    pub fm: Option<FactorizationMachine>,
}

impl MultiTaskModel {
    /// The shared part.
    ///
    /// # Shapes
    /// - `x`: `[batch, input]`; representation: `[batch, width]`
    pub fn encode(&self, x: Tensor<2>) -> Encoded {
        each_network!(&self.network, n => n.encode(x))
    }

    /// The task-exclusive part, given one representation replica per task.
    ///
    /// # Shapes
    /// - `replicas`: `tasks × [batch, width]`; `x`: `[batch, input]`; outputs `[batch, dim]`
    pub fn decode(&self, replicas: &Replicas, x: Tensor<2>) -> Decoded {
        let fm = self.fm.as_ref().map(|fm| fm.forward(x.clone()));
        each_network!(&self.network, n => n.decode(replicas, x, fm))
    }

    /// Encoder and decoder with the same representation for every task.
    pub fn forward(&self, x: Tensor<2>) -> Forward {
        let encoded = self.encode(x.clone());
        let replicas = Replicas::Shared {
            representation: encoded.representation.clone(),
            tasks: self.tasks(),
        };
        let decoded = self.decode(&replicas, x);
        let mut gates = encoded.gates;
        gates.extend(decoded.gates);
        Forward {
            outputs: decoded.outputs,
            gates,
            representation: encoded.representation,
        }
    }

    /// Number of tasks.
    pub fn tasks(&self) -> usize {
        each_network!(&self.network, n => n.towers().groups())
    }

    /// Visits the shared (encoder) parameters only.
    pub fn visit_shared<V: ModuleVisitor>(&self, visitor: &mut V) {
        each_network!(&self.network, n => n.visit_shared(visitor))
    }

    /// The batched task towers (group k is task k's tower).
    pub fn towers(&self) -> &layers::GroupedMlp {
        each_network!(&self.network, n => n.towers())
    }

    /// Replaces the towers (same shapes and parameter ids).
    pub fn set_towers(&mut self, towers: layers::GroupedMlp) {
        each_network!(&mut self.network, n => *n.towers_mut() = towers)
    }

    /// The models of several runs as one stacked model (see [`Architecture::stack_runs`]), or
    /// `None` when their architecture has no stacked form, their networks differ in kind, or a
    /// model has an FM term.
    pub(crate) fn stack_runs(models: Vec<MultiTaskModel>) -> Option<MultiTaskModel> {
        if models.iter().any(|m| m.fm.is_some()) {
            return None;
        }
        let networks: Vec<Network> = models.into_iter().map(|m| m.network).collect();
        macro_rules! stack {
            ($($variant:ident),*) => {
                match networks.first()? {
                    $(Network::$variant(_) => {
                        let parts = networks
                            .into_iter()
                            .map(|n| match n {
                                Network::$variant(inner) => Some(inner),
                                _ => None,
                            })
                            .collect::<Option<Vec<_>>>()?;
                        Network::$variant($variant::stack_runs(parts)?)
                    })*
                }
            };
        }
        let network = stack!(SingleTask, SharedBottom, Moe, Ple, CrossStitch, Esmm);
        Some(MultiTaskModel { network, fm: None })
    }

    /// The runs of a model made by [`MultiTaskModel::stack_runs`], in order.
    pub(crate) fn unstack_runs(&self, runs: usize) -> Vec<MultiTaskModel> {
        macro_rules! unstack {
            ($($variant:ident),*) => {
                match &self.network {
                    $(Network::$variant(inner) => inner
                        .unstack_runs(runs)
                        .into_iter()
                        .map(|n| MultiTaskModel { network: Network::$variant(n), fm: None })
                        .collect(),)*
                }
            };
        }
        unstack!(SingleTask, SharedBottom, Moe, Ple, CrossStitch, Esmm)
    }

    /// The forward pass of a stacked model, raw outputs `[runs, tasks, batch, dim]` from
    /// `[runs, batch, input]`.
    pub(crate) fn forward_runs(&self, x: Tensor<3>) -> Tensor<4> {
        each_network!(&self.network, n => n.forward_runs(x))
    }
}

/// Adds task `task`'s FM term (`fm`: `[batch, tasks]`) to a `[batch, dim]` output.
pub(crate) fn with_fm(value: Tensor<2>, fm: &Option<Tensor<2>>, task: usize) -> Tensor<2> {
    match fm {
        Some(terms) => value + terms.clone().narrow(1, task, 1),
        None => value,
    }
}

/// Splits batched tower outputs `[tasks, 1, batch, dim]` into raw task outputs, adding FM terms.
pub(crate) fn raw_outputs(towers: Tensor<4>, fm: &Option<Tensor<2>>) -> Vec<TaskOutput> {
    let [tasks, _, batch, dim] = towers.dims();
    (0..tasks)
        .map(|task| TaskOutput {
            value: with_fm(
                towers.clone().narrow(0, task, 1).reshape([batch, dim]),
                fm,
                task,
            ),
            form: OutputForm::Raw,
        })
        .collect()
}

/// Names `tasks` task gates taken from `weights` (`[tasks, batch, experts]`).
pub(crate) fn task_gates(weights: Tensor<3>, names: &[String]) -> Vec<GateActivation> {
    let [_, batch, experts] = weights.dims();
    names
        .iter()
        .enumerate()
        .map(|(task, name)| GateActivation {
            name: name.clone(),
            weights: weights.clone().narrow(0, task, 1).reshape([batch, experts]),
        })
        .collect()
}

/// `task1`, `task2`, ... (gate names follow task order).
pub(crate) fn task_names(tasks: usize) -> Vec<String> {
    (1..=tasks).map(|k| format!("task{k}")).collect()
}

/// True when every task is binary (ESMM's requirement).
pub(crate) fn all_binary(tasks: &[TaskSpec]) -> bool {
    tasks.iter().all(|t| t.kind == TaskKind::Binary)
}

/// Checks a list of layer widths.
pub(crate) fn check_units(
    field: &str,
    units: &[usize],
    allow_empty: bool,
) -> Result<(), ConfigError> {
    if units.is_empty() && !allow_empty {
        return Err(ConfigError::new(field, "needs at least one layer width"));
    }
    if units.len() > 6 {
        return Err(ConfigError::new(
            field,
            format!("{} layers; allowed: at most 6", units.len()),
        ));
    }
    for &width in units {
        crate::error::check_range(field, width, 1, 1024)?;
    }
    Ok(())
}

/// `[first, middle…, last]` as one width list.
pub(crate) fn widths(first: usize, middle: &[usize], last: usize) -> Vec<usize> {
    let mut all = vec![first];
    all.extend_from_slice(middle);
    all.push(last);
    all
}

#[cfg(test)]
mod tests;
