//! MGDA and MGDA-UB: Sener & Koltun, "Multi-Task Learning as Multi-Objective Optimization",
//! NeurIPS 2018.
//!
//! The shared parameters descend the min-norm element of the convex hull of the task gradients
//! (Frank–Wolfe, exact for two tasks; see [`aggregate::min_norm_weights`]), a direction that
//! decreases every task's loss until a Pareto-stationary point; task parameters descend their
//! own gradients (the paper's Algorithm 2). Gradients can be normalised first, as in the
//! paper's code: `none`, `l2` (by ||g_k||), `loss` (by L_k) or `loss+` (by L_k·||g_k||); the
//! weights reported are those of the unnormalised gradients, w_k = α_k/n_k.
//!
//! `mgda` works on the gradients of all shared parameters (T extra encoder passes per step);
//! `mgda-ub` on the gradients of the shared representation, the paper's upper bound that needs
//! no extra pass. Both read the T×T Gram matrix back each step.

use super::aggregate::{self, Gram};
use super::{GramSource, Needs, StepSignals, Update, Weighting, shared_weights};
use super::{MethodConfig, MethodContext, MethodSettings};
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// How MGDA normalises the task gradients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum GradientNormalization {
    /// Raw gradients (default).
    #[default]
    None,
    /// Divided by their norm.
    L2,
    /// Divided by the task's loss.
    Loss,
    /// Divided by the loss times the norm.
    #[serde(rename = "loss+")]
    LossPlus,
}

/// Settings of `mgda` and `mgda-ub`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MgdaConfig {
    /// Gradient normalisation (default `none`).
    pub normalization: GradientNormalization,
}

/// MGDA on one Gram source.
#[derive(Debug, Clone)]
pub struct Mgda {
    normalization: GradientNormalization,
    source: GramSource,
}

impl Mgda {
    /// On the shared parameters (`mgda`) or the representation (`mgda-ub`).
    pub(crate) fn new(config: &MgdaConfig, source: GramSource) -> Self {
        Self {
            normalization: config.normalization,
            source,
        }
    }

    /// Weights of the unnormalised gradients.
    pub fn weights(&self, gram: &Gram, losses: &[f64]) -> Vec<f64> {
        let tasks = gram.tasks();
        let scale: Vec<f64> = (0..tasks)
            .map(|k| {
                let norm = gram.get(k, k).max(0.0).sqrt();
                let loss = losses.get(k).copied().unwrap_or(1.0);
                let n = match self.normalization {
                    GradientNormalization::None => 1.0,
                    GradientNormalization::L2 => norm,
                    GradientNormalization::Loss => loss,
                    GradientNormalization::LossPlus => loss * norm,
                };
                if n > 1e-12 { n } else { 1.0 }
            })
            .collect();
        let inverse: Vec<f64> = scale.iter().map(|n| 1.0 / n).collect();
        let normalized = gram.scaled(&inverse);
        aggregate::min_norm_weights(&normalized, 250, 1e-9)
            .iter()
            .zip(&scale)
            .map(|(alpha, n)| alpha / n)
            .collect()
    }
}

impl Weighting for Mgda {
    fn needs(&self) -> Needs {
        self.source.needs()
    }

    fn reads_host(&self) -> bool {
        true
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let (gram, losses) = self.source.read(signals);
        shared_weights(&self.weights(&gram, losses), &signals.device)
    }
}

impl MethodSettings for MgdaConfig {}

impl MethodConfig for MgdaConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Mgda::new(self, GramSource::SharedParameters)))
    }
}

/// Settings of `mgda-ub`: those of `mgda`, on the representation's gradients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct MgdaUbConfig(pub MgdaConfig);

impl MethodSettings for MgdaUbConfig {}

impl MethodConfig for MgdaUbConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Mgda::new(&self.0, GramSource::Representation)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::aggregate_rows;

    #[test]
    fn normalisation_rescales_the_weights() {
        // Orthogonal gradients of norms 1 and 3: raw MGDA weighs them 0.9 and 0.1 (the
        // min-norm point of the segment); with l2 normalisation α = (½, ½) on the unit vectors,
        // i.e. weights (½, 1/6) on the raw gradients.
        let rows = vec![vec![1.0, 0.0], vec![0.0, 3.0]];
        let mut raw = Mgda::new(&MgdaConfig::default(), GramSource::SharedParameters);
        let weights = aggregate_rows(&mut raw, &rows, &[1.0, 1.0], 0)
            .unwrap()
            .weights;
        assert!(
            (weights[0] - 0.9).abs() < 1e-6 && (weights[1] - 0.1).abs() < 1e-6,
            "{weights:?}"
        );
        let mut l2 = Mgda::new(
            &MgdaConfig {
                normalization: GradientNormalization::L2,
            },
            GramSource::SharedParameters,
        );
        let weights = aggregate_rows(&mut l2, &rows, &[1.0, 1.0], 0)
            .unwrap()
            .weights;
        assert!((weights[0] - 0.5).abs() < 1e-6 && (weights[1] - 1.0 / 6.0).abs() < 1e-6);
        // `loss`: losses (2, 1) divide the gradients: g1/2 = (0.5, 0), g2 = (0, 3).
        let mut by_loss = Mgda::new(
            &MgdaConfig {
                normalization: GradientNormalization::Loss,
            },
            GramSource::SharedParameters,
        );
        let weights = aggregate_rows(&mut by_loss, &rows, &[2.0, 1.0], 0)
            .unwrap()
            .weights;
        // Min-norm of (0.5, 0) and (0, 3): γ = 9/9.25; weights γ/2 and 1 − γ.
        let gamma = 9.0 / 9.25;
        assert!(
            (weights[0] - gamma / 2.0).abs() < 1e-6 && (weights[1] - (1.0 - gamma)).abs() < 1e-6
        );
    }
}
