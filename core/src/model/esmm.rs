//! Entire Space Multi-task Model (ESMM).
//!
//! Ma, Zhao, Huang, Wang, Hu, Zhu & Gai, "Entire Space Multi-Task Model: An Effective Approach
//! for Estimating Post-Click Conversion Rate", SIGIR 2018. A CTR tower and a CVR tower over a
//! shared bottom (the paper shares the embedding layer); the model outputs pCTR and
//! pCTCVR = pCTR · pCVR, both trained on every impression, so pCVR is learned over the entire
//! space instead of the clicked rows only (removing the sample-selection bias), and is read off
//! the CVR tower for evaluation.
//!
//! With per-task representation replicas, task 2's pCTR factor is computed by the CTR tower on
//! task 2's replica, so each task's gradient lands in its own replica.

use super::bottom_towers::bottom_towers_settings;
use super::layers::GroupedMlp;
use super::{
    ArchBuilder, ArchSettings, Architecture, Decoded, Encoded, ModelShape, Network, OutputForm,
    Replicas, TaskOutput, all_binary, widths, with_fm,
};
use crate::data::TaskSpec;
use crate::error::ConfigError;
use crate::rng::Rng;
use burn::module::ModuleVisitor;
use burn::prelude::*;
use burn::tensor::activation::sigmoid;

bottom_towers_settings!(
    /// Settings of `esmm`: the shared bottom's widths and the CTR and CVR towers'.
    EsmmConfig
);

impl EsmmConfig {
    pub(crate) fn validate(&self, tasks: &[TaskSpec], dataset: &str) -> Result<(), ConfigError> {
        let funnel = tasks.len() == 2 && tasks[1].follows == Some(0);
        if !funnel || !all_binary(tasks) || tasks[0].dim != 1 {
            return Err(ConfigError::new(
                "arch",
                format!(
                    "esmm needs a funnel: exactly two binary tasks, click then conversion \
                     (dataset `{dataset}` has {} {} tasks); use --dataset funnel",
                    tasks.len(),
                    if all_binary(tasks) {
                        "binary"
                    } else {
                        "non-binary"
                    }
                ),
            ));
        }
        self.0.validate()
    }

    pub(crate) fn init(&self, input: usize, out: usize, rng: &mut Rng, device: &Device) -> Esmm {
        let hidden = *self.bottom_units.last().expect("validated");
        let inner = &self.bottom_units[..self.bottom_units.len() - 1];
        Esmm {
            bottom: GroupedMlp::new(1, 1, &widths(input, inner, hidden), true, rng, device),
            towers: GroupedMlp::towers(2, hidden, &self.tower_units, out, rng, device),
        }
    }
}

/// ESMM's bottom and its CTR (group 0) and CVR (group 1) towers.
#[derive(Module, Debug)]
pub struct Esmm {
    bottom: GroupedMlp,
    towers: GroupedMlp,
}

impl Architecture for Esmm {
    fn encode(&self, x: Tensor<2>) -> Encoded {
        let hidden = self.bottom.forward_shared(x);
        let [_, _, batch, width] = hidden.dims();
        Encoded {
            representation: hidden.reshape([batch, width]),
            gates: Vec::new(),
        }
    }

    fn decode(&self, replicas: &Replicas, _x: Tensor<2>, fm: Option<Tensor<2>>) -> Decoded {
        let group = |towers: &Tensor<4>, index: usize| {
            let [_, _, batch, dim] = towers.dims();
            towers.clone().narrow(0, index, 1).reshape([batch, dim])
        };
        // CTR tower on task 1's replica, CVR tower on task 2's.
        let first = self.towers.forward(replicas.stacked());
        let ctr_logit = with_fm(group(&first, 0), &fm, 0);
        let cvr_logit = with_fm(group(&first, 1), &fm, 1);
        // pCTR again on task 2's replica, for pCTCVR.
        let second = self.towers.forward(replicas.task(1).unsqueeze_dim(0));
        let ctr_for_conversion = with_fm(group(&second, 0), &fm, 0);
        let conditional = sigmoid(cvr_logit);
        Decoded {
            outputs: vec![
                TaskOutput {
                    value: ctr_logit,
                    form: OutputForm::Raw,
                },
                TaskOutput {
                    value: sigmoid(ctr_for_conversion) * conditional.clone(),
                    form: OutputForm::EntireSpace {
                        conditional: Box::new(conditional),
                    },
                },
            ],
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
}

impl ArchSettings for EsmmConfig {
    fn check(&self, tasks: &[TaskSpec], dataset: &str) -> Result<(), ConfigError> {
        self.validate(tasks, dataset)
    }
}

impl ArchBuilder for EsmmConfig {
    fn network(
        &self,
        shape: &ModelShape,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<Network, ConfigError> {
        let (d, _, out) = shape.dims()?;
        Ok(Network::Esmm(self.init(d, out, rng, device)))
    }
}
