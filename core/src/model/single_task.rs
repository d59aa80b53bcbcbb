//! One independent network per task: the single-task baselines against which multi-task
//! models are judged (MTL gain, Δm).
//!
//! The per-task networks are computed together as one batched MLP, but share no parameter:
//! trained with equal weights, each learns exactly as it would alone (Adam and SGD act per
//! parameter, and a task's loss has no gradient on another task's network).

use super::bottom_towers::bottom_towers_settings;
use super::layers::{GroupedMlp, side_by_side};
use super::{
    ArchBuilder, ArchSettings, Architecture, Decoded, Encoded, ModelShape, Network, Replicas,
    raw_outputs, widths,
};
use crate::data::TaskSpec;
use crate::error::ConfigError;
use crate::rng::Rng;
use burn::module::ModuleVisitor;
use burn::prelude::*;

bottom_towers_settings!(
    /// Settings of `single-task`: each task's own bottom (as wide as `shared-bottom`'s) and tower.
    SingleTaskConfig
);

impl SingleTaskConfig {
    pub(crate) fn init(
        &self,
        input: usize,
        tasks: usize,
        out: usize,
        rng: &mut Rng,
        device: &Device,
    ) -> SingleTask {
        let hidden = *self.bottom_units.last().expect("validated");
        let inner = &self.bottom_units[..self.bottom_units.len() - 1];
        SingleTask {
            bottoms: GroupedMlp::new(1, tasks, &widths(input, inner, hidden), true, rng, device),
            towers: GroupedMlp::towers(tasks, hidden, &self.tower_units, out, rng, device),
            hidden,
        }
    }
}

/// Independent per-task networks.
#[derive(Module, Debug)]
pub struct SingleTask {
    bottoms: GroupedMlp,
    towers: GroupedMlp,
    hidden: usize,
}

impl Architecture for SingleTask {
    fn encode(&self, x: Tensor<2>) -> Encoded {
        Encoded {
            representation: side_by_side(self.bottoms.forward_shared(x)),
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
        self.bottoms.visit(visitor);
    }
}

impl ArchSettings for SingleTaskConfig {
    fn check(&self, _tasks: &[TaskSpec], _dataset: &str) -> Result<(), ConfigError> {
        self.validate()
    }
}

impl ArchBuilder for SingleTaskConfig {
    fn network(
        &self,
        shape: &ModelShape,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<Network, ConfigError> {
        let (d, t, out) = shape.dims()?;
        Ok(Network::SingleTask(self.init(d, t, out, rng, device)))
    }
}
