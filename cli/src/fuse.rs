//! `seesaw fuse`: score fusion on the per-row predictions `seesaw train --predictions` writes.
//! Reads the CSV, searches the chosen formula's parameters and prints and writes the result.

use clap::Args;
use seesaw_core::fusion::{FusionFormula, Objective, Predictions, SearchConfig, SearchResult};
use serde::Serialize;
use std::path::PathBuf;

/// Flags of `seesaw fuse`.
#[derive(Args)]
pub struct FuseArgs {
    /// CSV of per-row task scores and labels (`seesaw train --predictions`).
    #[arg(long)]
    pub predictions: PathBuf,
    /// additive, multiplicative, extended or rank-buckets; starts from its neutral parameters.
    #[arg(long, default_value = "multiplicative")]
    pub formula: String,
    /// Start from this formula JSON instead (e.g. a previous `--out`'s `best.formula`, or
    /// `{"formula":"additive","weights":[1,2]}`); overrides --formula.
    #[arg(long)]
    pub start: Option<PathBuf>,
    /// grid, random or cem.
    #[arg(long, default_value = "cem")]
    pub search: String,
    /// Importance of each task's quality in the objective (default: 1 each).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub importance: Option<Vec<f64>>,
    /// Minimum quality per task (`-` for none); a candidate below a floor is penalised 100 per
    /// unit of shortfall.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub floor: Option<Vec<String>>,
    /// Candidates per iteration (cem) or in all (random).
    #[arg(long)]
    pub samples: Option<usize>,
    /// Elites kept per iteration (cem).
    #[arg(long)]
    pub keep: Option<usize>,
    /// Iterations (cem).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Values per parameter (grid).
    #[arg(long)]
    pub points: Option<usize>,
    /// Seed (random, cem).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write the result JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// What `--out` holds.
#[derive(Serialize)]
struct FuseReport<'a> {
    predictions: String,
    tasks: &'a [String],
    search: &'a SearchConfig,
    objective: &'a Objective,
    start_formula: &'a FusionFormula,
    #[serde(flatten)]
    result: &'a SearchResult,
}

/// Runs `seesaw fuse`.
pub fn fuse(args: &FuseArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.predictions).map_err(|e| {
        format!(
            "cannot read --predictions {}: {e}",
            args.predictions.display()
        )
    })?;
    let predictions =
        Predictions::from_csv(&text).map_err(|e| format!("{}: {e}", args.predictions.display()))?;
    let tasks = predictions.tasks.len();
    let formula = match &args.start {
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read --start {}: {e}", path.display()))?;
            serde_json::from_str::<FusionFormula>(&json)
                .map_err(|e| format!("--start {}: {e}", path.display()))?
        }
        None => FusionFormula::named(&args.formula, tasks).map_err(|e| e.to_string())?,
    };
    let search = search_config(args)?;
    let objective = Objective {
        importance: per_task(args.importance.clone(), tasks, "--importance", 1.0)?,
        floors: floors(args.floor.as_deref(), tasks)?,
    };
    let result = search
        .run(&formula, &objective, &predictions)
        .map_err(|e| e.to_string())?;
    print_table(&predictions.tasks, &formula, &search, &result);
    if let Some(path) = &args.out {
        let report = FuseReport {
            predictions: args.predictions.display().to_string(),
            tasks: &predictions.tasks,
            search: &search,
            objective: &objective,
            start_formula: &formula,
            result: &result,
        };
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(path, json + "\n")
            .map_err(|e| format!("cannot write --out {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The search named by `--search`, with the flags that apply to it; a flag that does not is
/// an error rather than silently ignored.
fn search_config(args: &FuseArgs) -> Result<SearchConfig, String> {
    let mut search = SearchConfig::named(&args.search).map_err(|e| e.to_string())?;
    let unused = |flag: &str, given: bool| {
        if given {
            Err(format!("{flag} does not apply to --search {}", args.search))
        } else {
            Ok(())
        }
    };
    match &mut search {
        SearchConfig::Grid(grid) => {
            unused("--samples", args.samples.is_some())?;
            unused("--keep", args.keep.is_some())?;
            unused("--iterations", args.iterations.is_some())?;
            unused("--seed", args.seed.is_some())?;
            grid.points = args.points.unwrap_or(grid.points);
        }
        SearchConfig::Random(random) => {
            unused("--keep", args.keep.is_some())?;
            unused("--iterations", args.iterations.is_some())?;
            unused("--points", args.points.is_some())?;
            random.samples = args.samples.unwrap_or(random.samples);
            random.seed = args.seed.unwrap_or(random.seed);
        }
        SearchConfig::Cem(cem) => {
            unused("--points", args.points.is_some())?;
            cem.samples = args.samples.unwrap_or(cem.samples);
            cem.keep = args.keep.unwrap_or(cem.keep);
            cem.iterations = args.iterations.unwrap_or(cem.iterations);
            cem.seed = args.seed.unwrap_or(cem.seed);
        }
    }
    search.validate().map_err(|e| e.to_string())?;
    Ok(search)
}

/// One value per task from `values`, or `default` for every task.
fn per_task(
    values: Option<Vec<f64>>,
    tasks: usize,
    flag: &str,
    default: f64,
) -> Result<Vec<f64>, String> {
    match values {
        None => Ok(vec![default; tasks]),
        Some(values) if values.len() == tasks => Ok(values),
        Some(values) => Err(format!(
            "{flag} has {} values; the predictions have {tasks} tasks",
            values.len()
        )),
    }
}

fn floors(values: Option<&[String]>, tasks: usize) -> Result<Vec<Option<f64>>, String> {
    let Some(values) = values else {
        return Ok(vec![None; tasks]);
    };
    if values.len() != tasks {
        return Err(format!(
            "--floor has {} values; the predictions have {tasks} tasks",
            values.len()
        ));
    }
    values
        .iter()
        .map(|value| match value.as_str() {
            "-" => Ok(None),
            text => text
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| format!("--floor: `{text}` is not a number or `-`")),
        })
        .collect()
}

fn print_table(
    tasks: &[String],
    formula: &FusionFormula,
    search: &SearchConfig,
    result: &SearchResult,
) {
    println!(
        "{} fusion, {} search ({} iteration(s)); quality = AUC (binary) or Kendall tau-b",
        formula.name(),
        search.name(),
        result.history.len()
    );
    let mut header = format!("{:<8}", "");
    for task in tasks {
        header.push_str(&format!(" {task:>12}"));
    }
    println!("{header} {:>12} feasible", "objective");
    for (label, evaluated) in [("start", &result.start), ("best", &result.best)] {
        let mut line = format!("{label:<8}");
        for quality in &evaluated.qualities {
            line.push_str(&format!(" {quality:>12.5}"));
        }
        println!(
            "{line} {:>12.5} {}",
            evaluated.objective,
            if evaluated.feasible { "yes" } else { "no" }
        );
    }
    let parameters: Vec<String> = result
        .parameters
        .iter()
        .zip(&result.best_values)
        .map(|(p, v)| format!("{}={v:.4}", p.name))
        .collect();
    println!("best parameters: {}", parameters.join(" "));
}
