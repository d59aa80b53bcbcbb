//! Impartial Multi-Task Learning: Liu, Li, Kuang, Xue, Chen, Yang, Liao & Zhang, "Towards
//! Impartial Multi-task Learning", ICLR 2021.
//!
//! - IMTL-L (`mode: l`): each task's loss is scaled as e^{s_k}·L_k − s_k with a learned s_k
//!   (initialised 0; its gradient e^{s_k}·L_k − 1 drives every scaled loss toward 1, making the
//!   losses scale-free); the model steps on the weights e^{s_k}. s_k learns by Adam at the
//!   model's learning rate.
//! - IMTL-G (`mode: g`): the shared parameters descend the combination whose projections onto
//!   every task's unit gradient are equal (closed form, [`aggregate::imtl_g_weights`]); task
//!   parameters keep their own gradients.
//! - Both (`mode: hybrid`, the paper's best and the default): IMTL-G on the gradients of the
//!   IMTL-L-scaled losses; task parameters descend their scaled losses.
//!
//! Reads the losses (and with G the Gram matrix of the shared-parameter gradients) back every
//! step: s is learned on the host.

use super::adam::HostAdam;
use super::aggregate::imtl_g_weights;
use super::{GramSource, MethodContext, Needs, StepSignals, Update, Weighting, upload};
use super::{MethodConfig, MethodSettings};
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Which part of IMTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ImtlMode {
    /// Loss scaling only.
    L,
    /// Gradient balancing only.
    G,
    /// Both (default).
    #[default]
    Hybrid,
}

/// Settings of `imtl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ImtlConfig {
    /// `l`, `g` or `hybrid` (default).
    pub mode: ImtlMode,
}

/// IMTL's state: the log-scales and their Adam moments.
#[derive(Debug, Clone)]
pub struct Imtl {
    mode: ImtlMode,
    scales: Vec<f64>,
    adam: HostAdam,
}

impl Imtl {
    /// For the run's tasks.
    pub fn new(config: &ImtlConfig, context: &MethodContext) -> Self {
        let tasks = context.task_count();
        Self {
            mode: config.mode,
            scales: vec![0.0; tasks],
            adam: HostAdam::new(tasks, context.learning_rate),
        }
    }

    /// e^{s}, then one Adam step of s on the gradient e^{s}·L − 1.
    fn loss_scales(&mut self, losses: &[f64]) -> Vec<f64> {
        let scales: Vec<f64> = self.scales.iter().map(|s| s.exp()).collect();
        let gradient: Vec<f64> = scales
            .iter()
            .zip(losses)
            .map(|(s, l)| s * l - 1.0)
            .collect();
        self.adam.step(&mut self.scales, &gradient);
        scales
    }
}

impl Weighting for Imtl {
    fn needs(&self) -> Needs {
        match self.mode {
            ImtlMode::L => Needs::Losses,
            ImtlMode::G | ImtlMode::Hybrid => Needs::SharedGradients,
        }
    }

    fn reads_host(&self) -> bool {
        true
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let device = &signals.device;
        let host = signals.host.as_ref().expect("IMTL reads host values");
        let tasks = host.losses.len();
        let scales = match self.mode {
            ImtlMode::G => vec![1.0; tasks],
            ImtlMode::L | ImtlMode::Hybrid => self.loss_scales(&host.losses),
        };
        if self.mode == ImtlMode::L {
            return Update::Weights(upload(&scales, device));
        }
        let (gram, _) = GramSource::SharedParameters.read(signals);
        // Gradients of the scaled losses: G'_ij = e^{s_i}·e^{s_j}·G_ij.
        let scaled = gram.scaled(&scales);
        let alpha = imtl_g_weights(&scaled);
        let weights: Vec<f64> = alpha.iter().zip(&scales).map(|(a, s)| a * s).collect();
        Update::SharedWeights {
            weights: upload(&weights, device),
            heads: upload(&scales, device),
        }
    }
}

impl MethodSettings for ImtlConfig {}

impl MethodConfig for ImtlConfig {
    fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Imtl::new(self, context)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::aggregate_rows;

    fn context() -> MethodContext {
        MethodContext {
            tasks: crate::data::DatasetConfig::default().tasks(),
            seed: 1,
            learning_rate: 0.05,
        }
    }

    #[test]
    fn the_gradient_part_equalises_projections_on_unit_gradients() {
        let mut method = Imtl::new(&ImtlConfig { mode: ImtlMode::G }, &context());
        let rows = vec![vec![2.0, 0.0], vec![1.0, 1.0]];
        let aggregation = aggregate_rows(&mut method, &rows, &[1.0, 1.0], 0).unwrap();
        let d = &aggregation.direction;
        let project = |g: &[f64]| (d[0] * g[0] + d[1] * g[1]) / (g[0] * g[0] + g[1] * g[1]).sqrt();
        assert!(
            (project(&rows[0]) - project(&rows[1])).abs() < 1e-5,
            "{d:?}"
        );
    }

    #[test]
    fn the_loss_part_drives_scaled_losses_to_one() {
        let mut method = Imtl::new(&ImtlConfig { mode: ImtlMode::L }, &context());
        let mut scales = Vec::new();
        for _ in 0..3000 {
            scales = method.loss_scales(&[0.1, 10.0]);
        }
        // e^{s}·L → 1: scales 10 and 0.1.
        assert!(
            (scales[0] - 10.0).abs() < 0.2 && (scales[1] - 0.1).abs() < 0.01,
            "{scales:?}"
        );
    }
}
