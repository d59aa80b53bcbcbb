//! PE-LTR: Lin, Chen, Pei, Sun, Xiao, Sun, Zhang, Ou & Jiang, "A Pareto-Efficient Algorithm for
//! Multiple Objective Optimization in E-Commerce Recommendation", RecSys 2019. Min-norm weights
//! with per-task lower bounds c (business priorities): the relaxed KKT solution projected onto
//! {w ≥ c, Σw = 1} (see [`aggregate::pe_ltr_weights`]).
//!
//! Runs as a [`GramRule`]: on the shared-parameter gradients' Gram matrix, read back each step;
//! task parameters descend their own gradients.
use super::GramRule;
use super::aggregate::Gram;
use super::aggregate::pe_ltr_weights;
use super::{MethodConfig, MethodContext, MethodSettings, OnSharedGram, Weighting};
use crate::error::{ConfigError, check_range};
use serde::{Deserialize, Serialize};

/// Settings of `pe-ltr`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PeLtrConfig {
    /// Lower bound c_k of each task's weight, one for all or one per task (each ≥ 0, Σ < 1;
    /// default [0]).
    pub lower_bounds: Vec<f64>,
}

impl Default for PeLtrConfig {
    fn default() -> Self {
        Self {
            lower_bounds: vec![0.0],
        }
    }
}

impl MethodSettings for PeLtrConfig {
    fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        crate::data::per_task("lower_bounds", &self.lower_bounds, tasks)?;
        for &bound in &self.lower_bounds {
            check_range("lower_bounds", bound, 0.0, 1.0)?;
        }
        let total: f64 = (0..tasks)
            .map(|k| crate::data::task_value(&self.lower_bounds, k))
            .sum();
        if total >= 1.0 {
            return Err(ConfigError::new(
                "lower_bounds",
                format!("sum to {total} over the tasks; they must sum to less than 1"),
            ));
        }
        Ok(())
    }
}

impl MethodConfig for PeLtrConfig {
    fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(OnSharedGram(PeLtr::new(
            self,
            context.task_count(),
        ))))
    }
}

/// PE-LTR with its bounds.
#[derive(Debug, Clone)]
pub struct PeLtr {
    lower_bounds: Vec<f64>,
}

impl PeLtr {
    /// Expands a single bound to every task.
    pub fn new(config: &PeLtrConfig, tasks: usize) -> Self {
        Self {
            lower_bounds: (0..tasks)
                .map(|k| crate::data::task_value(&config.lower_bounds, k))
                .collect(),
        }
    }
}

impl GramRule for PeLtr {
    fn weights(&mut self, gram: &Gram) -> Vec<f64> {
        pe_ltr_weights(gram, &self.lower_bounds)
    }
}
