//! Progressive Layered Extraction (PLE) and its one-level form, Customized Gate Control (CGC).
//!
//! Tang, Liu, Zhao & Gong, "Progressive Layered Extraction (PLE): A Novel Multi-Task Learning
//! (MTL) Model for Personalized Recommendations", RecSys 2020. Each extraction level has
//! task-specific experts per task and shared experts; task k's gate mixes its own experts with
//! the shared ones, and (below the top level) a shared gate mixes all experts into the shared
//! path of the next level. Separating task-specific from shared experts is what lets PLE avoid
//! the seesaw between tasks.
//!
//! Encoder/decoder split: everything below the top level, plus the top level's shared experts,
//! influences every task and is the encoder; the top level's task experts and gates and the
//! towers are the decoder. The representation is `[task inputs of the top level…, shared expert
//! outputs]` (for CGC only the shared expert outputs: its task experts read `x` directly).

use super::layers::{GroupedMlp, flatten_groups, gate_weights, gate_widths, mix, side_by_side};
use super::{ArchBuilder, ArchSettings, Architecture, ModelShape, Network, Replicas};
use super::{
    Decoded, Encoded, GateActivation, check_units, raw_outputs, task_gates, task_names, widths,
};
use crate::data::TaskSpec;
use crate::error::{ConfigError, check_range};
use crate::rng::Rng;
use burn::module::ModuleVisitor;
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

/// Settings of `ple` (and `cgc`, which is `ple` with one level).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PleConfig {
    /// Extraction levels (default 2; `cgc` has 1).
    pub levels: usize,
    /// Shared experts per level (default 2).
    pub shared_experts: usize,
    /// Task-specific experts per task and level (default 2).
    pub task_experts: usize,
    /// Widths of each expert's layers (default [16]).
    pub expert_units: Vec<usize>,
    /// Hidden widths of each task tower (default [8]).
    pub tower_units: Vec<usize>,
    /// Hidden layers inside each gate (default 0: linear softmax gates).
    pub gate_depth: usize,
    /// Width of the gates' hidden layers (default 16).
    pub gate_units: usize,
}

impl Default for PleConfig {
    fn default() -> Self {
        Self {
            levels: 2,
            shared_experts: 2,
            task_experts: 2,
            expert_units: vec![16],
            tower_units: vec![8],
            gate_depth: 0,
            gate_units: 16,
        }
    }
}

impl PleConfig {
    /// CGC's defaults: one level.
    pub fn cgc() -> Self {
        Self {
            levels: 1,
            ..Self::default()
        }
    }

    pub(crate) fn validate_levels(&self, levels: RangeInclusive<usize>) -> Result<(), ConfigError> {
        check_range("levels", self.levels, *levels.start(), *levels.end())?;
        check_range("shared_experts", self.shared_experts, 1, 32)?;
        check_range("task_experts", self.task_experts, 1, 32)?;
        check_units("expert_units", &self.expert_units, false)?;
        check_units("tower_units", &self.tower_units, true)?;
        check_range("gate_depth", self.gate_depth, 0, 4)?;
        check_range("gate_units", self.gate_units, 1, 1024)
    }

    pub(crate) fn init(
        &self,
        input: usize,
        tasks: usize,
        out: usize,
        rng: &mut Rng,
        device: &Device,
    ) -> Ple {
        let hidden = *self.expert_units.last().expect("validated");
        let inner = &self.expert_units[..self.expert_units.len() - 1];
        let (own, shared) = (self.task_experts, self.shared_experts);
        let levels = (0..self.levels)
            .map(|level| {
                let width_in = if level == 0 { input } else { hidden };
                let expert_widths = widths(width_in, inner, hidden);
                let is_top = level + 1 == self.levels;
                ExtractionLevel {
                    task_experts: GroupedMlp::new(tasks, own, &expert_widths, true, rng, device),
                    shared_experts: GroupedMlp::new(1, shared, &expert_widths, true, rng, device),
                    task_gates: GroupedMlp::new(
                        tasks,
                        1,
                        &gate_widths(width_in, self.gate_depth, self.gate_units, own + shared),
                        false,
                        rng,
                        device,
                    ),
                    shared_gate: (!is_top).then(|| {
                        GroupedMlp::new(
                            1,
                            1,
                            &gate_widths(
                                width_in,
                                self.gate_depth,
                                self.gate_units,
                                tasks * own + shared,
                            ),
                            false,
                            rng,
                            device,
                        )
                    }),
                }
            })
            .collect();
        Ple {
            levels,
            towers: GroupedMlp::towers(tasks, hidden, &self.tower_units, out, rng, device),
            hidden,
            shared_experts: shared,
        }
    }
}

/// One extraction level.
#[derive(Module, Debug)]
pub struct ExtractionLevel {
    /// Group k = task k's experts.
    task_experts: GroupedMlp,
    shared_experts: GroupedMlp,
    /// Group k = task k's gate over its own and the shared experts.
    task_gates: GroupedMlp,
    /// Gate of the shared path over all experts (absent on the top level).
    shared_gate: Option<GroupedMlp>,
}

impl ExtractionLevel {
    /// Task experts mixed with the shared experts by each task's gate.
    ///
    /// # Shapes
    /// - `task_inputs`: `[tasks or 1, batch, in]`
    /// - `shared_experts`: `[tasks or 1, batch, shared, hidden]`
    /// - output: `([tasks, batch, hidden], gates [tasks, batch, own + shared], task experts)`
    fn task_paths(
        &self,
        task_inputs: Tensor<3>,
        shared_experts: Tensor<4>,
    ) -> (Tensor<3>, Tensor<3>, Tensor<4>) {
        let own = self.task_experts.forward(task_inputs.clone());
        let tasks = own.dims()[0];
        let shared = if shared_experts.dims()[0] == tasks {
            shared_experts
        } else {
            shared_experts.repeat_dim(0, tasks)
        };
        let weights = gate_weights(self.task_gates.forward(task_inputs));
        let candidates = Tensor::cat(vec![own.clone().swap_dims(1, 2), shared], 2);
        let mixed = mix(candidates, weights.clone());
        (mixed, weights, own)
    }
}

/// CGC or PLE.
#[derive(Module, Debug)]
pub struct Ple {
    levels: Vec<ExtractionLevel>,
    towers: GroupedMlp,
    hidden: usize,
    shared_experts: usize,
}

impl Architecture for Ple {
    fn encode(&self, x: Tensor<2>) -> Encoded {
        let tasks = self.towers.groups();
        let [batch, _] = x.dims();
        // Every task's experts and gate read x: one input, broadcast over the tasks.
        let mut task_inputs = x.clone().unsqueeze_dim::<3>(0);
        let mut shared_input = x;
        let mut gates = Vec::new();
        let top = self.levels.len() - 1;
        for (level_index, level) in self.levels[..top].iter().enumerate() {
            let shared = level.shared_experts.forward_shared(shared_input.clone());
            let (mixed, _, own) = level.task_paths(task_inputs, shared.clone().swap_dims(1, 2));
            let [_, own_count, _, hidden] = own.dims();
            let candidates = Tensor::cat(
                vec![own.reshape([1, tasks * own_count, batch, hidden]), shared],
                1,
            );
            let gate = level
                .shared_gate
                .as_ref()
                .expect("lower levels have a shared gate");
            let weights = gate_weights(gate.forward_shared(shared_input));
            shared_input =
                mix(candidates.swap_dims(1, 2), weights.clone()).reshape([batch, hidden]);
            let count = weights.dims()[2];
            gates.push(GateActivation {
                name: format!("shared level {}", level_index + 1),
                weights: weights.reshape([batch, count]),
            });
            task_inputs = mixed;
        }
        let shared = self.levels[top].shared_experts.forward_shared(shared_input);
        let shared = side_by_side(shared);
        let representation = if top == 0 {
            shared
        } else {
            Tensor::cat(vec![flatten_groups(task_inputs), shared], 1)
        };
        Encoded {
            representation,
            gates,
        }
    }

    fn decode(&self, replicas: &Replicas, x: Tensor<2>, fm: Option<Tensor<2>>) -> Decoded {
        let tasks = replicas.tasks();
        let [batch, _] = x.dims();
        let top = &self.levels[self.levels.len() - 1];
        let (task_inputs, offset) = if self.levels.len() == 1 {
            (x.unsqueeze_dim::<3>(0), 0)
        } else {
            (replicas.own_slices(self.hidden), tasks * self.hidden)
        };
        let stacked = replicas.stacked();
        let copies = stacked.dims()[0];
        let shared = stacked
            .narrow(2, offset, self.shared_experts * self.hidden)
            .reshape([copies, batch, self.shared_experts, self.hidden]);
        let (mixed, weights, _) = top.task_paths(task_inputs, shared);
        Decoded {
            outputs: raw_outputs(self.towers.forward(mixed), &fm),
            gates: task_gates(weights, &task_names(tasks)),
        }
    }

    fn towers(&self) -> &GroupedMlp {
        &self.towers
    }

    fn towers_mut(&mut self) -> &mut GroupedMlp {
        &mut self.towers
    }

    fn visit_shared<V: ModuleVisitor>(&self, visitor: &mut V) {
        let top = self.levels.len() - 1;
        for level in &self.levels[..top] {
            level.visit(visitor);
        }
        self.levels[top].shared_experts.visit(visitor);
    }
}

/// Settings of `cgc`: those of `ple` with one level (CGC is PLE's single extraction level).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CgcConfig(pub PleConfig);

impl Default for CgcConfig {
    fn default() -> Self {
        Self(PleConfig::cgc())
    }
}

impl ArchSettings for CgcConfig {
    fn check(&self, _tasks: &[TaskSpec], _dataset: &str) -> Result<(), ConfigError> {
        self.0.validate_levels(1..=1)
    }
}

impl ArchBuilder for CgcConfig {
    fn network(
        &self,
        shape: &ModelShape,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<Network, ConfigError> {
        let (d, t, out) = shape.dims()?;
        Ok(Network::Ple(self.0.init(d, t, out, rng, device)))
    }
}

impl ArchSettings for PleConfig {
    fn check(&self, _tasks: &[TaskSpec], _dataset: &str) -> Result<(), ConfigError> {
        self.validate_levels(1..=8)
    }
}

impl ArchBuilder for PleConfig {
    fn network(
        &self,
        shape: &ModelShape,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<Network, ConfigError> {
        let (d, t, out) = shape.dims()?;
        Ok(Network::Ple(self.init(d, t, out, rng, device)))
    }
}
