//! `seesaw aggregate` and `seesaw toy`: a method on explicit gradients, and its path on a 2-D
//! toy objective, as JSON.

use clap::Args;
use seesaw_core::toy::{ToyObjective, ToyRequest, ToySettings, run_request};
use seesaw_core::weighting::{Weighting, aggregate_rows};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct AggregateArgs {
    /// Weighting method id (`seesaw list`).
    #[arg(long)]
    pub method: String,
    /// JSON file with a list of T rows of P numbers (row k = task k's gradient).
    #[arg(long)]
    pub jacobian: PathBuf,
    /// Task losses, one per row (default: all 1), for methods that use them.
    #[arg(long, value_delimiter = ',')]
    pub losses: Option<Vec<f64>>,
    /// Seed for methods that draw random numbers.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

#[derive(Args, Debug)]
pub struct ToyArgs {
    /// Objective pair: cagrad or concave.
    #[arg(long, default_value = "cagrad")]
    pub objective: String,
    /// Weighting method id.
    #[arg(long)]
    pub method: String,
    /// Start point `x,y` (default: each of the objective's start points).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub start: Option<Vec<f64>>,
    /// Optimisation steps.
    #[arg(long, default_value_t = ToySettings::default().steps)]
    pub steps: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = ToySettings::default().learning_rate)]
    pub lr: f64,
    /// Record a trajectory point every this many steps.
    #[arg(long, default_value_t = ToySettings::default().record_every)]
    pub record_every: usize,
    /// Seed for methods that draw random numbers.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

fn build(
    id: &str,
    tasks: usize,
    seed: u64,
    learning_rate: f64,
) -> Result<Box<dyn Weighting>, String> {
    seesaw_core::toy::method_by_id(id, tasks, seed, learning_rate)
}

pub fn aggregate(args: &AggregateArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.jacobian)
        .map_err(|e| format!("cannot read {}: {e}", args.jacobian.display()))?;
    let rows: Vec<Vec<f64>> = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: expected a JSON list of rows of numbers: {e}",
            args.jacobian.display()
        )
    })?;
    let losses = args.losses.clone().unwrap_or_else(|| vec![1.0; rows.len()]);
    let mut method = build(&args.method, rows.len(), args.seed, 0.001)?;
    let aggregation = aggregate_rows(method.as_mut(), &rows, &losses, 0)?;
    let json = serde_json::json!({
        "direction": aggregation.direction,
        "weights": aggregation.weights,
    });
    println!("{json}");
    Ok(())
}

pub fn toy(args: &ToyArgs) -> Result<(), String> {
    let objective = ToyObjective::from_id(&args.objective).map_err(|e| e.to_string())?;
    let starts = match &args.start {
        Some(point) if point.len() == 2 => vec![[point[0], point[1]]],
        Some(point) => return Err(format!("--start takes x,y; got {} numbers", point.len())),
        None => objective.start_points(),
    };
    // The page's toy view runs the same request, so its points are these.
    let request = ToyRequest {
        objective,
        methods: vec![args.method.clone()],
        starts,
        steps: args.steps,
        learning_rate: args.lr,
        record_every: args.record_every,
        seed: args.seed,
    };
    let runs = run_request(&request)
        .map_err(|e| format!("--steps/--lr/--method: {e}"))?
        .remove(0)
        .runs;
    let json = serde_json::json!({
        "objective": objective.id(),
        "method": args.method,
        "window": objective.window(),
        "runs": runs,
    });
    println!("{json}");
    Ok(())
}
