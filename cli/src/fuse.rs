//! `seesaw fuse`: score fusion on the per-row predictions `seesaw train --predictions` writes.
//! Reads the CSV, runs the fusion lab (core `fusion::run_lab`) for each formula asked for, and
//! prints and writes one table comparing them with each task's own score and the LTR fusions.

use clap::Args;
use seesaw_core::fusion::{
    FORMULAS, FusionFormula, LabRequest, LabResult, LabRow, LabSweep, Objective, Predictions,
    SearchConfig, SearchResult, run_lab,
};
use serde::Serialize;
use std::path::PathBuf;

/// Flags of `seesaw fuse`.
#[derive(Args)]
pub struct FuseArgs {
    /// CSV of per-row task scores and labels (`seesaw train --predictions`).
    #[arg(long)]
    pub predictions: PathBuf,
    /// additive, multiplicative, extended, rank-buckets, a comma list of them, or `all`; each
    /// starts from its neutral parameters and is searched, one table compares them.
    #[arg(long, default_value = "multiplicative")]
    pub formula: String,
    /// Start from this formula JSON instead (e.g. a previous `--out`'s `best_formula`, or
    /// `{"formula":"additive","weights":[1,2]}`); overrides --formula.
    #[arg(long)]
    pub start: Option<PathBuf>,
    /// grid, random, cem, or none (score the start only).
    #[arg(long, default_value = "cem")]
    pub search: String,
    /// Importance of each task's quality in the objective (default: 1 each).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub importance: Option<Vec<f64>>,
    /// Minimum quality per task (`-` for none); a candidate below a floor is penalised 100 per
    /// unit of shortfall.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub floor: Option<Vec<String>>,
    /// Also train learning-to-rank fusions (logistic regression and an MLP) on the combined
    /// label Σ c_k · label_k with these c_k, e.g. `1,3` for click + 3 · conversion.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub ltr_label: Option<Vec<f64>>,
    /// The fusion seesaw: sweep this parameter (e.g. `beta.conversion`) over its range on the
    /// best formula and print every task's quality along it.
    #[arg(long)]
    pub sweep: Option<String>,
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

/// What `--out` holds: the table, every formula's lab, and the best search's result at the top
/// level (`start`, `best`, `best_formula`, `best_values`, `history`).
#[derive(Serialize)]
struct FuseReport<'a> {
    predictions: String,
    tasks: &'a [String],
    search: Option<&'a SearchConfig>,
    objective: &'a Objective,
    table: Vec<&'a LabRow>,
    formulas: &'a [LabResult],
    #[serde(flatten)]
    result: Option<&'a SearchResult>,
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
    let starts = match &args.start {
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read --start {}: {e}", path.display()))?;
            vec![
                serde_json::from_str::<FusionFormula>(&json)
                    .map_err(|e| format!("--start {}: {e}", path.display()))?,
            ]
        }
        None => formulas(&args.formula, tasks)?,
    };
    let search = search_config(args)?;
    let objective = Objective {
        importance: per_task(args.importance.clone(), tasks, "--importance", 1.0)?,
        floors: floors(args.floor.as_deref(), tasks)?,
    };
    let device = seesaw_core::device::Backend::Flex.device()?;
    let mut labs = Vec::new();
    for (i, start) in starts.iter().enumerate() {
        let sweep = match &args.sweep {
            Some(name) => start
                .parameters(&predictions.tasks)
                .iter()
                .position(|p| &p.name == name),
            None => None,
        };
        let request = LabRequest {
            start: start.clone(),
            search: search.clone(),
            objective: objective.clone(),
            // The LTR models do not depend on the formula: trained once.
            ltr_label: if i == 0 { args.ltr_label.clone() } else { None },
            sweep,
        };
        let lab = pollster::block_on(run_lab(&predictions, &request, &device))
            .map_err(|e| e.to_string())?;
        labs.push(lab);
    }
    if let Some(name) = &args.sweep
        && labs.iter().all(|lab| lab.sweep.is_none())
    {
        let known: Vec<String> = starts[0]
            .parameters(&predictions.tasks)
            .into_iter()
            .map(|p| p.name)
            .collect();
        return Err(format!(
            "--sweep `{name}` is no parameter of the formula; its parameters: {}",
            known.join(", ")
        ));
    }
    let table = table_rows(&labs);
    let best = labs
        .iter()
        .filter_map(|lab| lab.search.as_ref())
        .max_by(|a, b| a.best.objective.total_cmp(&b.best.objective));
    print_table(&predictions.tasks, search.as_ref(), &table, best);
    for note in labs.iter().flat_map(|lab| &lab.notes) {
        println!("left out: {note}");
    }
    for lab in &labs {
        if let Some(sweep) = &lab.sweep {
            print_sweep(&predictions.tasks, lab.best_formula.name(), sweep);
        }
    }
    if let Some(path) = &args.out {
        let report = FuseReport {
            predictions: args.predictions.display().to_string(),
            tasks: &predictions.tasks,
            search: search.as_ref(),
            objective: &objective,
            table,
            formulas: &labs,
            result: best,
        };
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(path, json + "\n")
            .map_err(|e| format!("cannot write --out {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The formulas `--formula` names: one, a comma list, or `all`.
fn formulas(names: &str, tasks: usize) -> Result<Vec<FusionFormula>, String> {
    let names: Vec<&str> = if names == "all" {
        FORMULAS.to_vec()
    } else {
        names.split(',').map(str::trim).collect()
    };
    names
        .into_iter()
        .map(|name| FusionFormula::named(name, tasks).map_err(|e| e.to_string()))
        .collect()
}

/// One table over every formula's lab: the single-task rows and the LTR rows once, each
/// formula's start and search rows.
fn table_rows(labs: &[LabResult]) -> Vec<&LabRow> {
    let mut rows = Vec::new();
    for (i, lab) in labs.iter().enumerate() {
        let formula = lab.best_formula.name();
        rows.extend(
            lab.rows
                .iter()
                .filter(|row| i == 0 || row.method.starts_with(formula)),
        );
    }
    rows
}

/// The search named by `--search`, with the flags that apply to it; a flag that does not is
/// an error rather than silently ignored.
fn search_config(args: &FuseArgs) -> Result<Option<SearchConfig>, String> {
    if args.search == "none" {
        for (flag, given) in [
            ("--samples", args.samples.is_some()),
            ("--keep", args.keep.is_some()),
            ("--iterations", args.iterations.is_some()),
            ("--points", args.points.is_some()),
            ("--seed", args.seed.is_some()),
        ] {
            if given {
                return Err(format!("{flag} does not apply to --search none"));
            }
        }
        return Ok(None);
    }
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
    Ok(Some(search))
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
    search: Option<&SearchConfig>,
    rows: &[&LabRow],
    best: Option<&SearchResult>,
) {
    match (search, best) {
        (Some(search), Some(best)) => println!(
            "{} search ({} iteration(s)); quality = AUC (binary) or Kendall tau-b (regression)",
            search.name(),
            best.history.len()
        ),
        _ => println!("no search; quality = AUC (binary) or Kendall tau-b (regression)"),
    }
    let width = rows
        .iter()
        .map(|r| r.method.chars().count())
        .max()
        .unwrap_or(6);
    let mut header = format!("{:<width$}", "");
    for task in tasks {
        header.push_str(&format!(" {task:>12}"));
    }
    println!("{header} {:>12} feasible", "objective");
    for row in rows {
        let mut line = format!("{:<width$}", row.method);
        for quality in &row.evaluated.qualities {
            line.push_str(&format!(" {quality:>12.5}"));
        }
        println!(
            "{line} {:>12.5} {}",
            row.evaluated.objective,
            if row.evaluated.feasible { "yes" } else { "no" }
        );
    }
    if let Some(best) = best {
        let parameters: Vec<String> = best
            .parameters
            .iter()
            .zip(&best.best_values)
            .map(|(p, v)| format!("{}={v:.4}", p.name))
            .collect();
        println!(
            "best parameters ({}): {}",
            best.best_formula.name(),
            parameters.join(" ")
        );
    }
}

/// The fusion seesaw as a table, the point nearest the best formula's value starred.
fn print_sweep(tasks: &[String], formula: &str, sweep: &LabSweep) {
    println!(
        "fusion seesaw: {formula} {} from {} to {} (* = the best formula's {:.4})",
        sweep.parameter.name, sweep.parameter.low, sweep.parameter.high, sweep.marked
    );
    let nearest = sweep
        .points
        .iter()
        .enumerate()
        .min_by(|a, b| {
            (a.1.value - sweep.marked)
                .abs()
                .total_cmp(&(b.1.value - sweep.marked).abs())
        })
        .map(|(i, _)| i);
    let mut header = format!("{:>10}", "value");
    for task in tasks {
        header.push_str(&format!(" {task:>12}"));
    }
    println!("{header}");
    for (i, point) in sweep.points.iter().enumerate() {
        let mark = if Some(i) == nearest { "*" } else { " " };
        let mut line = format!("{mark}{:>9.4}", point.value);
        for quality in &point.qualities {
            match quality {
                Some(q) => line.push_str(&format!(" {q:>12.5}")),
                None => line.push_str(&format!(" {:>12}", "-")),
            }
        }
        println!("{line}");
    }
}
