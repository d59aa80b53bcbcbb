//! Mixture-of-experts sharing: OMoE (one gate for all tasks) and MMoE (one gate per task).
//!
//! Ma, Zhao, Yi, Chen, Hong & Chi, "Modeling Task Relationships in Multi-task Learning with
//! Multi-gate Mixture-of-Experts", KDD 2018. Task k's tower reads Σ_e g_k(x)_e · f_e(x), with
//! g_k = softmax(W_k x) (a linear gate; `gate_depth` adds hidden layers to it). In OMoE one
//! gate serves every task, so the mixture is shared; in MMoE each task weights the experts its
//! own way, which lets tasks that disagree use different experts.

use super::layers::{GroupedMlp, gate_weights, gate_widths, mix, side_by_side};
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

/// Settings of `omoe` and `mmoe`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MoeConfig {
    /// Number of experts (default 8).
    pub experts: usize,
    /// Widths of each expert's layers (default [16]: one ReLU layer of 16 units).
    pub expert_units: Vec<usize>,
    /// Hidden widths of each task tower (default [8]).
    pub tower_units: Vec<usize>,
    /// Hidden layers inside each gate (default 0: the paper's linear softmax gate).
    pub gate_depth: usize,
    /// Width of the gates' hidden layers (default 16).
    pub gate_units: usize,
}

impl Default for MoeConfig {
    fn default() -> Self {
        Self {
            experts: 8,
            expert_units: vec![16],
            tower_units: vec![8],
            gate_depth: 0,
            gate_units: 16,
        }
    }
}

impl MoeConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check_range("experts", self.experts, 1, 64)?;
        check_units("expert_units", &self.expert_units, false)?;
        check_units("tower_units", &self.tower_units, true)?;
        check_range("gate_depth", self.gate_depth, 0, 4)?;
        check_range("gate_units", self.gate_units, 1, 1024)
    }

    /// `gates` = 1 builds OMoE, `gates` = `tasks` builds MMoE.
    pub(crate) fn init(
        &self,
        gates: usize,
        input: usize,
        tasks: usize,
        out: usize,
        rng: &mut Rng,
        device: &Device,
    ) -> Moe {
        let hidden = *self.expert_units.last().expect("validated");
        let inner = &self.expert_units[..self.expert_units.len() - 1];
        Moe {
            experts: GroupedMlp::new(
                1,
                self.experts,
                &widths(input, inner, hidden),
                true,
                rng,
                device,
            ),
            gates: GroupedMlp::new(
                1,
                gates,
                &gate_widths(input, self.gate_depth, self.gate_units, self.experts),
                false,
                rng,
                device,
            ),
            towers: GroupedMlp::towers(tasks, hidden, &self.tower_units, out, rng, device),
            expert_count: self.experts,
            hidden,
            multi_gate: gates > 1,
        }
    }
}

/// OMoE or MMoE.
#[derive(Module, Debug)]
pub struct Moe {
    experts: GroupedMlp,
    /// One net per gate: 1 (OMoE) or one per task (MMoE).
    gates: GroupedMlp,
    towers: GroupedMlp,
    expert_count: usize,
    hidden: usize,
    multi_gate: bool,
}

impl Architecture for Moe {
    fn encode(&self, x: Tensor<2>) -> Encoded {
        let experts = self.experts.forward_shared(x.clone());
        let [_, count, batch, hidden] = experts.dims();
        if self.multi_gate {
            // MMoE: the experts are the shared part; gates belong to their tasks.
            return Encoded {
                representation: side_by_side(experts),
                gates: Vec::new(),
            };
        }
        let weights = gate_weights(self.gates.forward_shared(x));
        let mixed = mix(experts.swap_dims(1, 2), weights.clone()).reshape([batch, hidden]);
        Encoded {
            representation: mixed,
            gates: vec![GateActivation {
                name: "shared".to_string(),
                weights: weights.reshape([batch, count]),
            }],
        }
    }

    fn decode(&self, replicas: &Replicas, x: Tensor<2>, fm: Option<Tensor<2>>) -> Decoded {
        if !self.multi_gate {
            return Decoded {
                outputs: raw_outputs(self.towers.forward(replicas.stacked()), &fm),
                gates: Vec::new(),
            };
        }
        let tasks = replicas.tasks();
        let [batch, _] = x.dims();
        let weights = gate_weights(self.gates.forward_shared(x));
        let stacked = replicas.stacked();
        let copies = stacked.dims()[0];
        let experts = stacked.reshape([copies, batch, self.expert_count, self.hidden]);
        let mixed = mix(experts, weights.clone());
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
        self.experts.visit(visitor);
        if !self.multi_gate {
            self.gates.visit(visitor);
        }
    }

    fn stack_runs(runs: Vec<Self>) -> Option<Self> {
        let first = &runs[0];
        let (expert_count, hidden, multi_gate) =
            (first.expert_count, first.hidden, first.multi_gate);
        let mut experts = Vec::new();
        let mut gates = Vec::new();
        let mut towers = Vec::new();
        for run in runs {
            experts.push(run.experts);
            gates.push(run.gates);
            towers.push(run.towers);
        }
        Some(Self {
            experts: GroupedMlp::stack(experts),
            gates: GroupedMlp::stack(gates),
            towers: GroupedMlp::stack(towers),
            expert_count,
            hidden,
            multi_gate,
        })
    }

    fn unstack_runs(&self, runs: usize) -> Vec<Self> {
        let experts = self.experts.unstack(runs);
        let gates = self.gates.unstack(runs);
        let towers = self.towers.unstack(runs);
        experts
            .into_iter()
            .zip(gates)
            .zip(towers)
            .map(|((experts, gates), towers)| Self {
                experts,
                gates,
                towers,
                expert_count: self.expert_count,
                hidden: self.hidden,
                multi_gate: self.multi_gate,
            })
            .collect()
    }

    /// Every run's experts at once (`[runs, batch, experts, hidden]`) and its gates
    /// (`[runs · gates, batch, experts]`); MMoE mixes the experts once per task, OMoE once for
    /// all tasks; then every run's towers at once.
    fn forward_runs(&self, x: Tensor<3>) -> Tensor<4> {
        let [runs, batch, _] = x.dims();
        let tasks = self.towers.groups() / runs;
        let experts = self.experts.forward(x.clone()).swap_dims(1, 2);
        let weights = gate_weights(self.gates.forward(x));
        // MMoE: each run's experts serve its tasks' gates. OMoE: one mixture per run, for each
        // of its tasks.
        let mixed = mix(experts, weights);
        let mixed = if self.multi_gate {
            mixed
        } else {
            mixed.unsqueeze_dim::<4>(1).repeat_dim(1, tasks).reshape([
                runs * tasks,
                batch,
                self.hidden,
            ])
        };
        let outputs = self.towers.forward(mixed);
        let dim = outputs.dims()[3];
        outputs.reshape([runs, tasks, batch, dim])
    }
}

/// Settings of `omoe`: those of `mmoe`, with one gate shared by every task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct OmoeConfig(pub MoeConfig);

impl ArchSettings for OmoeConfig {
    fn check(&self, _tasks: &[TaskSpec], _dataset: &str) -> Result<(), ConfigError> {
        self.0.validate()
    }

    fn trains_stacked(&self) -> bool {
        true
    }
}

impl ArchBuilder for OmoeConfig {
    fn network(
        &self,
        shape: &ModelShape,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<Network, ConfigError> {
        let (d, t, out) = shape.dims()?;
        Ok(Network::Moe(self.0.init(1, d, t, out, rng, device)))
    }
}

impl ArchSettings for MoeConfig {
    fn check(&self, _tasks: &[TaskSpec], _dataset: &str) -> Result<(), ConfigError> {
        self.validate()
    }

    fn trains_stacked(&self) -> bool {
        true
    }
}

impl ArchBuilder for MoeConfig {
    fn network(
        &self,
        shape: &ModelShape,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<Network, ConfigError> {
        let (d, t, out) = shape.dims()?;
        Ok(Network::Moe(self.init(t, d, t, out, rng, device)))
    }
}
