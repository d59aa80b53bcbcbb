//! Dynamic Task Prioritization: Guo, Haque, Huang, Yeung & Fei-Fei, "Dynamic Task
//! Prioritization for Multitask Learning", ECCV 2018.
//!
//! Each task keeps a smoothed key performance indicator k ← α·KPI + (1 − α)·k (the first
//! observation sets k) and weighs its loss by the focal-loss form w = −(1 − k)^γ·log k: tasks
//! doing badly (small k) get large weights. The paper's KPIs are accuracies in [0, 1] where
//! chance is near 0 for its many-class tasks; every KPI here is the task's validation *skill*
//! ([`crate::train::TaskEvaluation::skill`]): one scale for every kind of task, 0 at chance and
//! 1 when perfect (2·AUC − 1 for binary tasks, R² for regression), so a binary and a regression
//! task equally far from chance get equal weights (raw AUC has chance at 0.5: a binary task at
//! chance got weight 0.17 against 9.2 for a regression task at chance). k is kept in
//! [10⁻⁴, 1 − 10⁻⁴]. KPIs arrive with each evaluation; before the first one the weights are 1.
//! Defaults: γ = 2 (the paper's focusing parameter), α = 0.9. LibMTL has no DTP.

use super::{MethodConfig, MethodContext, MethodSettings};
use super::{StepSignals, Update, Weighting};
use crate::error::{ConfigError, check_range};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Settings of `dtp`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DtpConfig {
    /// Focusing parameter γ (0 to 10; default 2).
    pub gamma: f64,
    /// Weight α of the newest KPI in the moving average (0.01 to 1; default 0.9).
    pub alpha: f64,
}

impl Default for DtpConfig {
    fn default() -> Self {
        Self {
            gamma: 2.0,
            alpha: 0.9,
        }
    }
}

impl MethodSettings for DtpConfig {
    fn validate(&self, _tasks: usize) -> Result<(), ConfigError> {
        check_range("gamma", self.gamma, 0.0, 10.0)?;
        check_range("alpha", self.alpha, 0.01, 1.0)
    }

    fn trains_stacked(&self) -> bool {
        true
    }
}

impl MethodConfig for DtpConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Dtp::new(self)))
    }
}

/// DTP's state.
#[derive(Debug, Clone)]
pub struct Dtp {
    config: DtpConfig,
    kpis: Option<Vec<f64>>,
}

impl Dtp {
    /// From its config.
    pub fn new(config: &DtpConfig) -> Self {
        Self {
            config: config.clone(),
            kpis: None,
        }
    }

    /// The current weights, one per task (1 before any KPI).
    pub fn weights(&self, tasks: usize) -> Vec<f32> {
        match &self.kpis {
            None => vec![1.0; tasks],
            Some(kpis) => kpis
                .iter()
                .map(|&k| (-(1.0 - k).powf(self.config.gamma) * k.ln()) as f32)
                .collect(),
        }
    }
}

impl Weighting for Dtp {
    fn update(&mut self, signals: &StepSignals) -> Update {
        let tasks = signals.losses.dims()[0];
        Update::Weights(Tensor::from_data(
            TensorData::new(self.weights(tasks), [tasks]),
            &signals.device,
        ))
    }

    fn observe_validation(&mut self, skills: &[f64]) {
        let observed: Vec<f64> = skills.iter().map(|m| m.clamp(1e-4, 1.0 - 1e-4)).collect();
        let alpha = self.config.alpha;
        self.kpis = Some(match self.kpis.take() {
            None => observed,
            Some(kpis) => kpis
                .iter()
                .zip(&observed)
                .map(|(k, kpi)| alpha * kpi + (1.0 - alpha) * k)
                .collect(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::test_support::{loss_signals, values};

    #[test]
    fn weights_follow_the_focal_form_of_smoothed_kpis() {
        let mut method = Dtp::new(&DtpConfig::default());
        assert_eq!(
            values(method.update(&loss_signals(&[1.0, 1.0])).weights()),
            vec![1.0, 1.0]
        );
        method.observe_validation(&[0.9, 0.6]);
        // w = −(1 − k)²·ln k: 0.01·0.10536 and 0.16·0.51083.
        let got = values(method.update(&loss_signals(&[1.0, 1.0])).weights());
        assert!(
            (got[0] - 0.001_053_6).abs() < 1e-6 && (got[1] - 0.081_733).abs() < 1e-5,
            "{got:?}"
        );
        // k ← 0.9·0.5 + 0.1·0.6 = 0.51 for task 2.
        method.observe_validation(&[0.9, 0.5]);
        let expected = -(0.49f64).powi(2) * 0.51f64.ln();
        let got = values(method.update(&loss_signals(&[1.0, 1.0])).weights());
        assert!((f64::from(got[1]) - expected).abs() < 1e-6);
    }
}
