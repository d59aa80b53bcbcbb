//! Comparing runs as researchers do: a grid of configurations (architectures × weighting
//! methods × one swept knob × seeds), single-task baselines shared by every run on the same data
//! and seed, mean ± std over seeds, MTL gain and Δm per configuration, the Pareto front of the
//! configurations, and the tables as CSV. The CLI's `seesaw sweep` and the page's comparisons
//! both build on it, so their numbers agree.

pub mod grid;
pub mod link;
pub mod pareto;
pub mod stats;
pub mod table;

pub use grid::{Grid, GridRun, GridSpec, Labels, Override, Vary};
pub use pareto::front;
pub use stats::MeanStd;
pub use table::{RunRow, RunStatus, SummaryRow, runs_csv, summarise, summary_csv};

/// How the tables state Δm (LibMTL's convention, in percent).
pub const DELTA_M_CONVENTION: &str = "Δm: the mean over tasks of each test metric's relative \
    change against its single-task baseline, in %, sign-corrected so that higher is better \
    (LibMTL's convention; Maninis et al. 2019, Vandenhende et al. 2021). MTL gain: metric minus \
    baseline metric, sign-corrected (PLE, Tang et al. 2020).";
