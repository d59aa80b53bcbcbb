//! Cross-stitch networks: one column per task, mixed after every layer by learned weights.
//!
//! Misra, Shrivastava, Gupta & Hebert, "Cross-stitch Networks for Multi-task Learning",
//! CVPR 2016. After layer l, task k's activation becomes h̃_k = Σ_j α_kj·h_j; α is learned,
//! initialised to `self_weight` on the diagonal and the rest spread evenly (the paper's
//! (0.9, 0.1) for two tasks). Every column influences every task through α, so the columns and
//! α are the encoder; only the towers are task-exclusive.

use super::layers::{GroupedMlp, flatten_groups};
use super::{
    ArchBuilder, ArchSettings, Architecture, Decoded, Encoded, ModelShape, Network, Replicas,
    check_units, raw_outputs,
};
use crate::data::TaskSpec;
use crate::error::{ConfigError, check_range};
use crate::rng::Rng;
use burn::module::{ModuleVisitor, Param};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Settings of `cross-stitch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrossStitchConfig {
    /// Widths of each task column's layers; a cross-stitch unit follows each (default [32, 32]).
    pub units: Vec<usize>,
    /// Hidden widths of each task tower (default [8]).
    pub tower_units: Vec<usize>,
    /// Initial weight α_kk a task gives its own column (default 0.9).
    pub self_weight: f64,
}

impl Default for CrossStitchConfig {
    fn default() -> Self {
        Self {
            units: vec![32, 32],
            tower_units: vec![8],
            self_weight: 0.9,
        }
    }
}

impl CrossStitchConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check_units("units", &self.units, false)?;
        check_units("tower_units", &self.tower_units, true)?;
        check_range("self_weight", self.self_weight, 0.0, 1.0)
    }

    pub(crate) fn init(
        &self,
        input: usize,
        tasks: usize,
        out: usize,
        rng: &mut Rng,
        device: &Device,
    ) -> CrossStitch {
        let mut columns = Vec::new();
        let mut stitches = Vec::new();
        let other = (1.0 - self.self_weight) / (tasks - 1) as f64;
        let mut width_in = input;
        for &width in &self.units {
            columns.push(GroupedMlp::new(
                tasks,
                1,
                &[width_in, width],
                true,
                rng,
                device,
            ));
            let alpha: Vec<f32> = (0..tasks * tasks)
                .map(|i| if i / tasks == i % tasks { self.self_weight } else { other } as f32)
                .collect();
            stitches.push(Param::from_tensor(Tensor::from_data(
                TensorData::new(alpha, [tasks, tasks]),
                device,
            )));
            width_in = width;
        }
        CrossStitch {
            columns,
            stitches,
            towers: GroupedMlp::towers(tasks, width_in, &self.tower_units, out, rng, device),
            hidden: width_in,
        }
    }
}

/// Task columns joined by cross-stitch units.
#[derive(Module, Debug)]
pub struct CrossStitch {
    columns: Vec<GroupedMlp>,
    /// One `[tasks, tasks]` matrix α per layer.
    stitches: Vec<Param<Tensor<2>>>,
    towers: GroupedMlp,
    hidden: usize,
}

impl Architecture for CrossStitch {
    fn encode(&self, x: Tensor<2>) -> Encoded {
        let tasks = self.towers.groups();
        let [batch, _] = x.dims();
        let mut hidden = x.unsqueeze_dim::<3>(0);
        for (column, stitch) in self.columns.iter().zip(&self.stitches) {
            let out = column.forward(hidden);
            let width = out.dims()[3];
            let flat = out.reshape([tasks, batch * width]);
            hidden = stitch.val().matmul(flat).reshape([tasks, batch, width]);
        }
        Encoded {
            representation: flatten_groups(hidden),
            gates: Vec::new(),
        }
    }

    fn decode(&self, replicas: &Replicas, _x: Tensor<2>, fm: Option<Tensor<2>>) -> Decoded {
        let inputs = replicas.own_slices(self.hidden);
        Decoded {
            outputs: raw_outputs(self.towers.forward(inputs), &fm),
            gates: Vec::new(),
        }
    }

    fn towers(&self) -> &GroupedMlp {
        &self.towers
    }

    fn towers_mut(&mut self) -> &mut GroupedMlp {
        &mut self.towers
    }

    fn visit_shared<V: ModuleVisitor>(&self, visitor: &mut V) {
        for column in &self.columns {
            column.visit(visitor);
        }
        for stitch in &self.stitches {
            visitor.visit_float(stitch);
        }
    }
}

impl ArchSettings for CrossStitchConfig {
    fn check(&self, _tasks: &[TaskSpec], _dataset: &str) -> Result<(), ConfigError> {
        self.validate()
    }
}

impl ArchBuilder for CrossStitchConfig {
    fn network(
        &self,
        shape: &ModelShape,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<Network, ConfigError> {
        let (d, t, out) = shape.dims()?;
        Ok(Network::CrossStitch(self.init(d, t, out, rng, device)))
    }
}
