//! Hard parameter sharing: one shared bottom MLP, one tower per task.
//!
//! Caruana, "Multitask Learning", Machine Learning 28, 1997.

use super::bottom_towers::bottom_towers_settings;
use super::layers::GroupedMlp;
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
    /// Settings of `shared-bottom`: the shared bottom's widths and the towers'.
    SharedBottomConfig
);

impl SharedBottomConfig {
    pub(crate) fn init(
        &self,
        input: usize,
        tasks: usize,
        out: usize,
        rng: &mut Rng,
        device: &Device,
    ) -> SharedBottom {
        let hidden = *self.bottom_units.last().expect("validated");
        SharedBottom {
            bottom: GroupedMlp::new(
                1,
                1,
                &widths(
                    input,
                    &self.bottom_units[..self.bottom_units.len() - 1],
                    hidden,
                ),
                true,
                rng,
                device,
            ),
            towers: GroupedMlp::towers(tasks, hidden, &self.tower_units, out, rng, device),
        }
    }
}

/// A shared bottom with task towers.
#[derive(Module, Debug)]
pub struct SharedBottom {
    bottom: GroupedMlp,
    towers: GroupedMlp,
}

impl Architecture for SharedBottom {
    fn encode(&self, x: Tensor<2>) -> Encoded {
        let hidden = self.bottom.forward_shared(x);
        let [_, _, batch, width] = hidden.dims();
        Encoded {
            representation: hidden.reshape([batch, width]),
            gates: Vec::new(),
        }
    }

    fn decode(&self, replicas: &Replicas, _x: Tensor<2>, fm: Option<Tensor<2>>) -> Decoded {
        Decoded {
            outputs: raw_outputs(self.towers.forward(replicas.stacked()), &fm),
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
        self.bottom.visit(visitor);
    }

    fn stack_runs(runs: Vec<Self>) -> Option<Self> {
        let (bottoms, towers) = runs.into_iter().map(|r| (r.bottom, r.towers)).unzip();
        Some(Self {
            bottom: GroupedMlp::stack(bottoms),
            towers: GroupedMlp::stack(towers),
        })
    }

    fn unstack_runs(&self, runs: usize) -> Vec<Self> {
        let bottoms = self.bottom.unstack(runs);
        let towers = self.towers.unstack(runs);
        bottoms
            .into_iter()
            .zip(towers)
            .map(|(bottom, towers)| Self { bottom, towers })
            .collect()
    }

    /// Every run's bottom at once (`[runs, batch, hidden]`), the representation handed to each
    /// of its tasks, then every run's towers at once.
    fn forward_runs(&self, x: Tensor<3>) -> Tensor<4> {
        let [runs, batch, _] = x.dims();
        let tasks = self.towers.groups() / runs;
        let hidden = self.bottom.forward(x);
        let width = hidden.dims()[3];
        let replicas = hidden
            .repeat_dim(1, tasks)
            .reshape([runs * tasks, batch, width]);
        let outputs = self.towers.forward(replicas);
        let dim = outputs.dims()[3];
        outputs.reshape([runs, tasks, batch, dim])
    }
}

impl ArchSettings for SharedBottomConfig {
    fn check(&self, _tasks: &[TaskSpec], _dataset: &str) -> Result<(), ConfigError> {
        self.validate()
    }

    fn trains_stacked(&self) -> bool {
        true
    }
}

impl ArchBuilder for SharedBottomConfig {
    fn network(
        &self,
        shape: &ModelShape,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<Network, ConfigError> {
        let (d, t, out) = shape.dims()?;
        Ok(Network::SharedBottom(self.init(d, t, out, rng, device)))
    }
}
