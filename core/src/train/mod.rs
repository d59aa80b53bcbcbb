//! Training: the run config, the step-by-step trainer, evaluation and reports.

mod batches;
mod config;
mod evaluation;
mod flat;
mod gradients;
mod optimizer;
mod parallel;
mod report;
mod run;
mod step;
mod tower_lr;
mod trainer;

pub use config::{RunConfig, TrainConfig};
pub use flat::Rule;
pub use optimizer::{AdamConfig, OptimizerBuilder, OptimizerConfig, OptimizerSettings, SgdConfig};
pub use parallel::{ParallelTrainer, StackKey, stack_key};
pub use report::{
    BaselineComparison, FinalReport, FinalTask, GateUtilisation, HistoryEntry, RunReport,
    TaskEvaluation, Timing,
};
pub use run::{
    COMPARISON_NOTE, ControlFlow, Phase, Progress, baseline_of, compare, run, run_with_predictions,
};
pub use trainer::Trainer;

#[cfg(test)]
mod tests;
