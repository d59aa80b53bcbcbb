//! The Fusion panel's state: which finished run's test predictions it fuses, the form (formula,
//! search and its settings, importance and floors per task, the learning-to-rank label, the
//! parameter to sweep), the request it sends the worker and the result it shows. Pure (core
//! only), tested natively; `web::fusion` draws it. The lab itself is the core's
//! `fusion::run_lab`, the same the CLI's `seesaw fuse` runs.

use crate::protocol::ToWorker;
use seesaw_core::fusion::{
    CemSettings, FORMULAS, FusionFormula, GridSettings, LabRequest, LabResult, LabRow, Objective,
    Predictions, RandomSettings, SearchConfig,
};
use std::rc::Rc;

/// The searches the form offers (`none` scores the start only).
pub const SEARCHES: [&str; 4] = ["cem", "random", "grid", "none"];

/// What each formula computes and what its parameters do, for the panel.
pub fn formula_help(formula: &str) -> &'static str {
    match formula {
        "additive" => "Σ w_k · s_k: w_k is task k's share of the ranking.",
        "multiplicative" => {
            "Π (α_k + s_k)^β_k (PLE's Eq. 1 has α = 0): α moves a score's range and centre \
             (a larger α flattens its effect), β scales its lift."
        }
        "extended" => {
            "Π (α_k + w_k · s_k)^(β_k · (1 + γ_k · s_k)), our reading of iQIYI's write-up: w_k \
             raises task k's influence as a whole, the exponent depends on the score itself \
             (γ ≠ 0 personalises it per item), α_k is the floor that keeps a small score from \
             zeroing the product."
        }
        "rank-buckets" => {
            "Σ w_k · bucket_k: each task's score is ranked inside a slate of 1,000 test rows and \
             cut into 100 buckets scored 1.00 (best) … 0.01 (tied scores share the better rank), \
             so tasks on different scales combine evenly."
        }
        _ => "",
    }
}

/// The panel's form.
#[derive(Debug, Clone, PartialEq)]
pub struct FusionForm {
    /// One of [`FORMULAS`].
    pub formula: String,
    /// One of [`SEARCHES`].
    pub search: String,
    /// CEM: draws per iteration; random: draws in all.
    pub samples: usize,
    /// CEM: elites kept.
    pub keep: usize,
    /// CEM: iterations.
    pub iterations: usize,
    /// Grid: values per parameter.
    pub points: usize,
    /// Importance per task (as typed).
    pub importance: Vec<String>,
    /// Floor per task (as typed; empty: none).
    pub floors: Vec<String>,
    /// The LTR label's weight per task (as typed; all empty: no LTR).
    pub ltr_label: Vec<String>,
    /// The parameter to sweep (index into the formula's parameters); `None`: the last task's
    /// lift ([`default_sweep`]).
    pub sweep: Option<usize>,
}

impl FusionForm {
    /// The form's defaults for `tasks` tasks: multiplicative, CEM with the core's settings,
    /// importance 1 each, no floors, LTR label 1 each, the last task's lift swept.
    pub fn for_tasks(tasks: usize) -> Self {
        let cem = CemSettings::default();
        Self {
            formula: "multiplicative".to_string(),
            search: "cem".to_string(),
            samples: cem.samples,
            keep: cem.keep,
            iterations: cem.iterations,
            points: GridSettings::default().points,
            importance: vec!["1".to_string(); tasks],
            floors: vec![String::new(); tasks],
            ltr_label: vec!["1".to_string(); tasks],
            sweep: None,
        }
    }

    /// The request the form describes for `tasks`.
    ///
    /// # Errors
    /// A field that is not a number or out of range, named as the panel labels it.
    pub fn request(&self, tasks: &[String]) -> Result<LabRequest, String> {
        let start = FusionFormula::named(&self.formula, tasks.len()).map_err(|e| e.to_string())?;
        let search = match self.search.as_str() {
            "none" => None,
            "cem" => Some(SearchConfig::Cem(CemSettings {
                samples: self.samples,
                keep: self.keep,
                iterations: self.iterations,
                ..CemSettings::default()
            })),
            "random" => Some(SearchConfig::Random(RandomSettings {
                samples: self.samples,
                ..RandomSettings::default()
            })),
            "grid" => Some(SearchConfig::Grid(GridSettings {
                points: self.points,
            })),
            other => return Err(format!("unknown search `{other}`")),
        };
        if let Some(search) = &search {
            search.validate().map_err(|e| e.to_string())?;
        }
        let number = |what: &str, k: usize, text: &str| {
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("{what} of {}: `{text}` is not a number", tasks[k]))
        };
        let importance = (0..tasks.len())
            .map(|k| number("importance", k, self.importance.get(k).map_or("", |s| s)))
            .collect::<Result<Vec<f64>, String>>()?;
        let floors = (0..tasks.len())
            .map(|k| match self.floors.get(k).map_or("", |s| s.trim()) {
                "" => Ok(None),
                text => number("floor", k, text).map(Some),
            })
            .collect::<Result<Vec<Option<f64>>, String>>()?;
        let objective = Objective { importance, floors };
        objective.validate(tasks.len()).map_err(|e| e.to_string())?;
        let ltr_label = if self.ltr_label.iter().all(|s| s.trim().is_empty()) {
            None
        } else {
            Some(
                (0..tasks.len())
                    .map(|k| match self.ltr_label.get(k).map_or("", |s| s.trim()) {
                        "" => Ok(0.0),
                        text => number("LTR label weight", k, text),
                    })
                    .collect::<Result<Vec<f64>, String>>()?,
            )
        };
        let parameters = start.parameters(tasks).len();
        let sweep = self
            .sweep
            .unwrap_or_else(|| default_sweep(&start, tasks))
            .min(parameters.saturating_sub(1));
        Ok(LabRequest {
            start,
            search,
            objective,
            ltr_label,
            sweep: Some(sweep),
        })
    }
}

/// The parameter swept unless the user picks one: the last task's weight, or its β where the
/// formula has no weight (multiplicative) — the knob that trades the other tasks for it.
pub fn default_sweep(formula: &FusionFormula, tasks: &[String]) -> usize {
    let parameters = formula.parameters(tasks);
    let last = tasks.last().map_or("", String::as_str);
    ["weight", "beta"]
        .iter()
        .find_map(|group| {
            parameters
                .iter()
                .position(|p| p.name == format!("{group}.{last}"))
        })
        .unwrap_or(parameters.len().saturating_sub(1))
}

/// Where the lab stands.
#[derive(Debug, Clone, PartialEq)]
pub enum LabPhase {
    /// Nothing asked yet.
    Idle,
    /// The worker searches (request id).
    Running(u32),
    /// The result.
    Done(Box<LabResult>),
    /// Why it failed.
    Failed(String),
}

/// The predictions a lab fuses and which run they come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The run, as the panel names it (`this run`, `mmoe · fixed · seed 2`, …).
    pub label: String,
    /// The test split's per-row scores and labels.
    pub predictions: Rc<Predictions>,
}

/// The Fusion panel's state.
#[derive(Debug, Clone, PartialEq)]
pub struct FusionLab {
    /// The run whose predictions are fused; `None` until a run with two tasks finishes.
    pub source: Option<Source>,
    /// Whether the panel is open.
    pub open: bool,
    /// The form.
    pub form: FusionForm,
    /// The last request's state.
    pub phase: LabPhase,
    /// The searched rows of earlier requests on the same source (one per formula · search,
    /// the latest kept), so the table compares formulas and searches across requests.
    pub earlier: Vec<LabRow>,
    next_id: u32,
}

impl Default for FusionLab {
    fn default() -> Self {
        Self {
            source: None,
            open: false,
            form: FusionForm::for_tasks(0),
            phase: LabPhase::Idle,
            earlier: Vec::new(),
            next_id: 1,
        }
    }
}

impl FusionLab {
    /// A finished run's predictions: the lab fuses them from now on (the form kept when the
    /// tasks are the same, reset otherwise; a result of other predictions is dropped). A run
    /// with fewer than two tasks has nothing to fuse: the lab closes.
    pub fn set_source(&mut self, label: String, predictions: Rc<Predictions>) {
        if predictions.tasks.len() < 2 {
            *self = Self {
                next_id: self.next_id,
                ..Self::default()
            };
            return;
        }
        let same_tasks = self
            .source
            .as_ref()
            .is_some_and(|s| s.predictions.tasks == predictions.tasks);
        if !same_tasks {
            self.form = FusionForm::for_tasks(predictions.tasks.len());
        }
        self.earlier.clear();
        self.source = Some(Source { label, predictions });
        self.phase = LabPhase::Idle;
    }

    /// The message that runs the form's request on the source, and marks the lab running.
    ///
    /// # Errors
    /// No source, or a bad form (the lab shows it as failed too).
    pub fn start(&mut self) -> Result<ToWorker, String> {
        let source = self
            .source
            .clone()
            .ok_or_else(|| "no finished run with two or more tasks to fuse".to_string())?;
        match self.form.request(&source.predictions.tasks) {
            Ok(request) => {
                if let LabPhase::Done(previous) = std::mem::replace(&mut self.phase, LabPhase::Idle)
                {
                    self.keep_searched(previous);
                }
                let id = self.next_id;
                self.next_id += 1;
                self.phase = LabPhase::Running(id);
                Ok(ToWorker::Fuse {
                    id,
                    predictions: Box::new((*source.predictions).clone()),
                    request: Box::new(request),
                })
            }
            Err(message) => {
                self.phase = LabPhase::Failed(message.clone());
                Err(message)
            }
        }
    }

    /// The worker's answer to request `id` (a stale answer is dropped).
    pub fn receive(&mut self, id: u32, result: Result<Box<LabResult>, String>) {
        if self.phase != LabPhase::Running(id) {
            return;
        }
        self.phase = match result {
            Ok(result) => {
                // This result's own rows are shown in full; drop their earlier copies.
                self.earlier
                    .retain(|old| !result.rows.iter().any(|row| row.method == old.method));
                LabPhase::Done(result)
            }
            Err(message) => LabPhase::Failed(message),
        };
    }

    /// Keeps `result`'s search row (the latest per formula · search).
    fn keep_searched(&mut self, result: Box<LabResult>) {
        if result.search.is_none() {
            return;
        }
        let formula = format!("{} · ", result.best_formula.name());
        let searched =
            |row: &LabRow| row.method.starts_with(&formula) && !row.method.ends_with("start");
        if let Some(row) = result.rows.into_iter().find(searched) {
            self.earlier.retain(|old| old.method != row.method);
            self.earlier.push(row);
        }
    }

    /// The best objective found (the `fusion-best` hook), once done.
    pub fn best_objective(&self) -> Option<f64> {
        match &self.phase {
            LabPhase::Done(result) => result
                .rows
                .iter()
                .map(|row| row.evaluated.objective)
                .max_by(f64::total_cmp),
            _ => None,
        }
    }
}

/// The names of [`FORMULAS`], for the menu.
pub fn formula_names() -> &'static [&'static str] {
    &FORMULAS
}

#[cfg(test)]
mod tests {
    use super::*;
    use seesaw_core::data::TaskKind;

    fn predictions(tasks: &[&str]) -> Rc<Predictions> {
        let rows = 40;
        Rc::new(Predictions {
            tasks: tasks.iter().map(|t| t.to_string()).collect(),
            kinds: vec![TaskKind::Binary; tasks.len()],
            scores: (0..tasks.len())
                .map(|k| {
                    (0..rows)
                        .map(|r| ((r * (k + 3)) % 17) as f64 / 17.0)
                        .collect()
                })
                .collect(),
            labels: (0..tasks.len())
                .map(|k| (0..rows).map(|r| Some(((r + k) % 2) as f64)).collect())
                .collect(),
        })
    }

    fn names(tasks: &[&str]) -> Vec<String> {
        tasks.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn the_default_form_is_a_cem_search_of_the_multiplicative_formula() {
        let form = FusionForm::for_tasks(2);
        let request = form.request(&names(&["click", "conversion"])).unwrap();
        assert_eq!(request.start.name(), "multiplicative");
        assert_eq!(
            request.search,
            Some(SearchConfig::Cem(CemSettings::default()))
        );
        assert_eq!(request.objective.importance, vec![1.0, 1.0]);
        assert_eq!(request.objective.floors, vec![None, None]);
        assert_eq!(request.ltr_label, Some(vec![1.0, 1.0]));
        // The multiplicative formula's parameters: α click, α conversion, β click, β conv.;
        // the conversion's β is swept.
        assert_eq!(request.sweep, Some(3));
        let extended = FusionFormula::named("extended", 2).unwrap();
        let tasks = names(&["click", "conversion"]);
        assert_eq!(
            extended.parameters(&tasks)[default_sweep(&extended, &tasks)].name,
            "weight.conversion"
        );
    }

    #[test]
    fn the_form_names_what_is_wrong() {
        let tasks = names(&["click", "conversion"]);
        let mut form = FusionForm::for_tasks(2);
        form.importance[1] = "lots".to_string();
        assert_eq!(
            form.request(&tasks).unwrap_err(),
            "importance of conversion: `lots` is not a number"
        );
        let mut form = FusionForm::for_tasks(2);
        form.importance[0] = "-1".to_string();
        assert!(form.request(&tasks).unwrap_err().contains("importance"));
        let mut form = FusionForm::for_tasks(2);
        form.keep = 99;
        assert!(form.request(&tasks).unwrap_err().contains("cem.keep"));
        let mut form = FusionForm::for_tasks(2);
        form.floors[0] = "0.8".to_string();
        form.ltr_label = vec![String::new(), "3".to_string()];
        form.search = "none".to_string();
        form.sweep = Some(50);
        let request = form.request(&tasks).unwrap();
        assert_eq!(request.objective.floors, vec![Some(0.8), None]);
        assert_eq!(request.ltr_label, Some(vec![0.0, 3.0]));
        assert_eq!(request.search, None);
        assert_eq!(request.sweep, Some(3), "clamped to the last parameter");
        form.ltr_label = vec![String::new(); 2];
        assert_eq!(form.request(&tasks).unwrap().ltr_label, None);
    }

    #[test]
    fn the_lab_follows_its_source_and_drops_stale_answers() {
        let mut lab = FusionLab::default();
        assert!(lab.start().unwrap_err().contains("no finished run"));
        lab.set_source("this run".into(), predictions(&["click", "conversion"]));
        lab.form.formula = "additive".to_string();
        let ToWorker::Fuse { id, request, .. } = lab.start().unwrap() else {
            panic!("a Fuse message")
        };
        assert_eq!(request.start.name(), "additive");
        assert_eq!(lab.phase, LabPhase::Running(id));
        lab.receive(id + 7, Err("stale".into()));
        assert_eq!(lab.phase, LabPhase::Running(id));
        lab.receive(id, Err("bad".into()));
        assert_eq!(lab.phase, LabPhase::Failed("bad".into()));
        // Same tasks: the form stays; other tasks: it resets.
        lab.set_source("next".into(), predictions(&["click", "conversion"]));
        assert_eq!(lab.form.formula, "additive");
        assert_eq!(lab.phase, LabPhase::Idle);
        lab.set_source("three".into(), predictions(&["a", "b", "c"]));
        assert_eq!(lab.form.formula, "multiplicative");
        assert_eq!(lab.form.importance.len(), 3);
        // One task: nothing to fuse.
        lab.set_source("single".into(), predictions(&["a"]));
        assert!(lab.source.is_none());
        let ToWorker::Fuse { .. } = ({
            lab.set_source("again".into(), predictions(&["a", "b"]));
            lab.start().unwrap()
        }) else {
            panic!("a Fuse message")
        };
    }

    /// Starts `lab` and runs its request as the worker does: (request id, result).
    fn run_in_core(lab: &mut FusionLab) -> (u32, LabResult) {
        let ToWorker::Fuse {
            id,
            predictions,
            request,
        } = lab.start().unwrap()
        else {
            panic!("a Fuse message")
        };
        let result = pollster::block_on(seesaw_core::fusion::run_lab(
            &predictions,
            &request,
            &burn::prelude::Device::flex(),
        ))
        .unwrap();
        (id, result)
    }

    #[test]
    fn the_lab_runs_on_the_core_and_reports_its_best_objective() {
        let mut lab = FusionLab::default();
        lab.set_source("this run".into(), predictions(&["click", "conversion"]));
        lab.form.samples = 10;
        lab.form.keep = 3;
        lab.form.iterations = 3;
        let (id, result) = run_in_core(&mut lab);
        let search_best = result.search.as_ref().unwrap().best.objective;
        // Labels independent of the scores: the logistic regression learns a constant, and
        // the lab says so instead of failing.
        assert!(
            result.notes.iter().any(|n| n.starts_with("LTR · logistic")),
            "{:?}",
            result.notes
        );
        lab.receive(id, Ok(Box::new(result)));
        let best = lab.best_objective().unwrap();
        assert!(best >= search_best);
        // A second request with another formula: the first one's search row is kept.
        lab.form.formula = "additive".to_string();
        let (id, result) = run_in_core(&mut lab);
        lab.receive(id, Ok(Box::new(result)));
        let earlier: Vec<&str> = lab.earlier.iter().map(|r| r.method.as_str()).collect();
        assert_eq!(earlier, ["multiplicative · cem"]);
        assert!(close(lab.earlier[0].evaluated.objective, search_best));
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }
}
