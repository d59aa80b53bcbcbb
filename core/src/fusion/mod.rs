//! Score fusion: combining a multi-task model's per-task scores into one ranking score, and
//! searching a fusion formula's parameters for the ranking that best serves every task.
//!
//! - [`Predictions`]: per-row task scores and labels (read from and written to CSV).
//! - [`FusionFormula`]: additive, multiplicative (PLE), extended (our reading of iQIYI's
//!   write-up) and rank-bucket fusion, each with editable parameters.
//! - [`Objective`]: per-task quality of the fused ranking (AUC or Kendall's τ-b), importance
//!   weights and optional floors.
//! - [`SearchConfig`]: grid, random and cross-entropy-method search over a formula's parameters;
//!   no search returns worse than its start.
//! - [`train_ltr`]: logistic-regression learning-to-rank fusion on a combined label;
//!   [`train_ltr_mlp`]: the same with one hidden layer, trained with burn.
//! - [`fusion_seesaw`]: every task's quality as one parameter sweeps a range.
//! - [`run_lab`]: all of it for one request, as the CLI and the page's Fusion panel show it.

mod extended;
mod formula;
mod lab;
mod linear;
mod ltr;
mod mlp;
mod objective;
mod predictions;
mod rank_buckets;
mod search;
mod sweep;

#[cfg(test)]
mod tests;

pub use extended::ExtendedFusion;
pub use formula::{FORMULAS, FusionFormula, Parameter};
pub use lab::{LabRequest, LabResult, LabRow, LabSweep, SWEEP_POINTS, run_lab};
pub use linear::{AdditiveFusion, MultiplicativeFusion};
pub use ltr::{LtrModel, LtrSettings, combined_labels, train_ltr};
pub use mlp::{MlpModel, MlpSettings, train_ltr_mlp};
pub use objective::{Evaluated, Objective, kendall_tau_b, ranking_quality};
pub use predictions::Predictions;
pub use rank_buckets::{RankBucketFusion, bucket_scores};
pub use search::{
    CemSettings, GridSettings, IterationStats, RandomSettings, SearchConfig, SearchResult,
};
pub use sweep::{SweepPoint, fusion_seesaw};
