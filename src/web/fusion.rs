//! The Fusion panel: on a finished run with two or more tasks, fuse its test predictions into
//! one ranking score, search the fusion, and see which task wins. The state is the pure
//! `crate::fusion_lab`; the lab runs in the training worker (`ToWorker::Fuse`), so the page's
//! thread only draws.

use super::draw::{self, KnobLine};
use crate::fusion_lab::{
    FusionLab, LabPhase, SEARCHES, default_sweep, formula_help, formula_names,
};
use crate::protocol::ToWorker;
use seesaw_core::fusion::{Evaluated, LabResult, Predictions};
use std::rc::Rc;
use web_sys::{HtmlCanvasElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// What the panel reacts to.
pub enum FusionMsg {
    /// Open or close the panel.
    Toggle,
    /// The formula.
    Formula(String),
    /// The search.
    Search(String),
    /// A search setting: `samples`, `keep`, `iterations` or `points`.
    Setting(&'static str, usize),
    /// Task k's importance.
    Importance(usize, String),
    /// Task k's floor.
    Floor(usize, String),
    /// Task k's weight in the LTR label.
    LtrLabel(usize, String),
    /// The parameter to sweep.
    Sweep(usize),
    /// Run the lab.
    Run,
}

/// The panel.
pub struct Lab {
    /// The state.
    pub lab: FusionLab,
    send: Callback<FusionMsg>,
    canvases: [NodeRef; 2],
    /// Whether the canvases show the current result.
    drawn: bool,
}

impl Lab {
    /// An empty panel; `send` delivers its messages back through the page.
    pub fn new(send: Callback<FusionMsg>) -> Self {
        Self {
            lab: FusionLab::default(),
            send,
            canvases: Default::default(),
            drawn: false,
        }
    }

    /// Fuses `predictions` of the run named `label` from now on.
    pub fn set_source(&mut self, label: String, predictions: Rc<Predictions>) {
        self.lab.set_source(label, predictions);
        self.drawn = false;
    }

    /// Forgets the source (a new run started).
    pub fn clear(&mut self) {
        self.lab.source = None;
        self.lab.phase = LabPhase::Idle;
    }

    /// The worker's answer.
    pub fn receive(&mut self, id: u32, result: Result<Box<LabResult>, String>) {
        self.lab.receive(id, result);
        self.drawn = false;
    }

    /// Applies `msg`; returns the message to send the worker, or a notice.
    pub fn update(&mut self, msg: FusionMsg) -> Option<Result<ToWorker, String>> {
        let form = &mut self.lab.form;
        let set = |list: &mut Vec<String>, k: usize, text: String| {
            if let Some(slot) = list.get_mut(k) {
                *slot = text;
            }
        };
        match msg {
            FusionMsg::Toggle => {
                self.lab.open = !self.lab.open;
                self.drawn = false;
            }
            FusionMsg::Formula(name) => {
                form.formula = name;
                form.sweep = None;
            }
            FusionMsg::Search(name) => form.search = name,
            FusionMsg::Setting(name, value) => match name {
                "samples" => form.samples = value,
                "keep" => form.keep = value,
                "iterations" => form.iterations = value,
                _ => form.points = value,
            },
            FusionMsg::Importance(k, text) => set(&mut form.importance, k, text),
            FusionMsg::Floor(k, text) => set(&mut form.floors, k, text),
            FusionMsg::LtrLabel(k, text) => set(&mut form.ltr_label, k, text),
            FusionMsg::Sweep(index) => form.sweep = Some(index),
            FusionMsg::Run => {
                self.drawn = false;
                return Some(self.lab.start());
            }
        }
        None
    }

    /// Draws the search progress and the fusion seesaw once per result.
    pub fn draw(&mut self) {
        if self.drawn || !self.lab.open {
            return;
        }
        let LabPhase::Done(result) = &self.lab.phase else {
            return;
        };
        self.drawn = true;
        if let (Some(canvas), Some(search)) = (
            self.canvases[0].cast::<HtmlCanvasElement>(),
            result.search.as_ref(),
        ) {
            let line =
                |label: &str, pick: fn(&seesaw_core::fusion::IterationStats) -> f64| KnobLine {
                    label: label.to_string(),
                    points: search
                        .history
                        .iter()
                        .map(|s| (s.iteration as f64, pick(s), None))
                        .collect(),
                };
            let lines = [line("best", |s| s.best), line("mean", |s| s.mean)];
            draw::knob_chart(&canvas, &lines, "iteration", "objective", None);
        }
        if let (Some(canvas), Some(sweep)) = (
            self.canvases[1].cast::<HtmlCanvasElement>(),
            result.sweep.as_ref(),
        ) {
            let lines: Vec<KnobLine> = result
                .tasks
                .iter()
                .enumerate()
                .map(|(k, task)| KnobLine {
                    label: task.clone(),
                    points: sweep
                        .points
                        .iter()
                        .filter_map(|p| p.qualities[k].map(|q| (p.value, q, None)))
                        .collect(),
                })
                .collect();
            draw::knob_chart(
                &canvas,
                &lines,
                &sweep.parameter.name,
                "quality",
                Some(sweep.marked),
            );
        }
    }

    /// The panel (nothing until a run with two or more tasks has finished).
    pub fn view(&self) -> Html {
        let Some(source) = &self.lab.source else {
            return html! {};
        };
        let send = &self.send;
        html! {
            <section class="compare fusion" data-testid="fusion">
                <h2>
                    <button data-testid="fusion-open" onclick={send.reform(|_: MouseEvent| FusionMsg::Toggle)}>
                        { if self.lab.open { "▾ Fusion lab" } else { "▸ Fusion lab" } }
                    </button>
                    <small class="muted">{ format!(" on {}'s test predictions ({} rows)",
                        source.label, source.predictions.rows()) }</small>
                </h2>
                if self.lab.open {
                    <p class="muted">{ "A ranker serves one score; fusing the task scores into it \
                        decides which task wins online — a second seesaw after training. Pick a \
                        formula, weigh each task's ranking quality (AUC for binary tasks, \
                        Kendall's τ-b for regression), optionally floor it, and search the \
                        formula's parameters. The search starts from the parameters shown and \
                        never returns worse than its start; the learning-to-rank models learn the \
                        fusion from the combined label Σ c_k · label_k." }</p>
                    { self.form_view(&source.predictions.tasks) }
                    { self.result_view() }
                }
            </section>
        }
    }

    fn form_view(&self, tasks: &[String]) -> Html {
        let send = &self.send;
        let form = &self.lab.form;
        let select = |testid: &'static str,
                      options: Vec<String>,
                      current: &str,
                      on: fn(String) -> FusionMsg| {
            let onchange = send
                .reform(move |e: Event| on(e.target_unchecked_into::<HtmlSelectElement>().value()));
            html! {
                <select {onchange} data-testid={testid}>
                    { for options.into_iter().map(|o| html! {
                        <option value={o.clone()} selected={o == current}>{ o.clone() }</option>
                    }) }
                </select>
            }
        };
        let number = |name: &'static str, value: usize| {
            let onchange = send.reform(move |e: Event| {
                let text = e.target_unchecked_into::<HtmlInputElement>().value();
                FusionMsg::Setting(name, text.parse().unwrap_or(0))
            });
            html! {
                <label>{ format!(" {name} ") }
                    <input type="number" min="1" value={value.to_string()} {onchange}
                        data-testid={format!("fusion-{name}")} /></label>
            }
        };
        let per_task = |what: &'static str,
                        values: &[String],
                        on: fn(usize, String) -> FusionMsg| {
            html! {
                <tr>
                    <th>{ what }</th>
                    { for values.iter().enumerate().map(|(k, value)| {
                        let onchange = send.reform(move |e: Event| {
                            on(k, e.target_unchecked_into::<HtmlInputElement>().value())
                        });
                        html! { <td><input type="text" size="5" value={value.clone()} {onchange}
                            data-testid={format!("fusion-{}-{k}", what.split(' ').next().unwrap_or(what))} /></td> }
                    }) }
                </tr>
            }
        };
        let (parameters, swept) =
            seesaw_core::fusion::FusionFormula::named(&form.formula, tasks.len())
                .map(|f| {
                    (
                        f.parameters(tasks),
                        form.sweep.unwrap_or_else(|| default_sweep(&f, tasks)),
                    )
                })
                .unwrap_or_default();
        let sweep = send.reform(|e: Event| {
            FusionMsg::Sweep(
                e.target_unchecked_into::<HtmlSelectElement>()
                    .value()
                    .parse()
                    .unwrap_or(0),
            )
        });
        let running = matches!(self.lab.phase, LabPhase::Running(_));
        html! {
            <div class="compare-form fusion-form">
                <div class="compare-knobs">
                    <label>{ "formula " }{ select("fusion-formula",
                        formula_names().iter().map(|s| s.to_string()).collect(), &form.formula, FusionMsg::Formula) }</label>
                    <label>{ " search " }{ select("fusion-search-kind",
                        SEARCHES.iter().map(|s| s.to_string()).collect(), &form.search, FusionMsg::Search) }</label>
                    if form.search == "cem" {
                        { number("samples", form.samples) }{ number("keep", form.keep) }{ number("iterations", form.iterations) }
                    } else if form.search == "random" {
                        { number("samples", form.samples) }
                    } else if form.search == "grid" {
                        { number("points", form.points) }
                    }
                    <label>{ " sweep " }
                        <select onchange={sweep} data-testid="fusion-sweep">
                            { for parameters.iter().enumerate().map(|(i, p)| html! {
                                <option value={i.to_string()} selected={i == swept}>{ p.name.clone() }</option>
                            }) }
                        </select></label>
                </div>
                <p class="muted small">{ formula_help(&form.formula) }</p>
                <table class="fusion-tasks">
                    <tr><th></th>{ for tasks.iter().map(|t| html! { <th>{ t.clone() }</th> }) }</tr>
                    { per_task("importance", &form.importance, FusionMsg::Importance) }
                    { per_task("floor (empty: none)", &form.floors, FusionMsg::Floor) }
                    { per_task("LTR label c_k (all empty: no LTR)", &form.ltr_label, FusionMsg::LtrLabel) }
                </table>
                <button data-testid="fusion-search" disabled={running}
                    onclick={send.reform(|_: MouseEvent| FusionMsg::Run)}>
                    { if running { "searching…" } else { "▶ Search" } }</button>
            </div>
        }
    }

    fn result_view(&self) -> Html {
        let result = match &self.lab.phase {
            LabPhase::Idle => return html! {},
            LabPhase::Running(_) => {
                return html! { <p class="muted" data-testid="fusion-status">{ "searching in the worker…" }</p> };
            }
            LabPhase::Failed(message) => {
                return html! { <p class="bad" data-testid="fusion-status">{ message.clone() }</p> };
            }
            LabPhase::Done(result) => result,
        };
        let columns = result.tasks.len() + 1;
        let table: Vec<Vec<f64>> = result
            .rows
            .iter()
            .map(|row| cells(&row.evaluated))
            .collect();
        let best: Vec<Option<usize>> = (0..columns)
            .map(|c| (0..table.len()).max_by(|&a, &b| table[a][c].total_cmp(&table[b][c])))
            .collect();
        let best_objective = self.lab.best_objective().unwrap_or(f64::NAN);
        let parameters = result.search.as_ref().map(|search| {
            search
                .parameters
                .iter()
                .zip(&search.best_values)
                .map(|(p, v)| format!("{} = {v:.3}", p.name))
                .collect::<Vec<_>>()
                .join(", ")
        });
        html! {
            <div class="compare-table fusion-result">
                <table data-testid="fusion-table">
                    <tr><th>{ "ranking by" }</th>
                        { for result.tasks.iter().map(|t| html! { <th>{ t.clone() }</th> }) }
                        <th>{ "objective" }</th></tr>
                    { for result.rows.iter().zip(&table).enumerate().map(|(i, (row, values))| {
                        html! {
                            <tr class={classes!((!row.evaluated.feasible).then_some("negative"))}>
                                <td>{ row.method.clone() }</td>
                                { for values.iter().enumerate().map(|(c, v)| html! {
                                    <td class={classes!((best[c] == Some(i)).then_some("best"))}>{ format!("{v:.4}") }</td>
                                }) }
                            </tr>
                        }
                    }) }
                    { for self.lab.earlier.iter().map(|row| {
                        html! {
                            <tr class="earlier" title="an earlier search on these predictions">
                                <td>{ format!("{} (earlier)", row.method) }</td>
                                { for cells(&row.evaluated).into_iter().map(|v| html! { <td>{ format!("{v:.4}") }</td> }) }
                            </tr>
                        }
                    }) }
                </table>
                <p>{ "best objective: " }<b data-testid="fusion-best">{ format!("{best_objective:.4}") }</b>
                    if let Some(parameters) = parameters {
                        <span class="muted small">{ format!(" · best {}: {parameters}", result.best_formula.name()) }</span>
                    }
                </p>
                { for result.notes.iter().map(|note| html! { <p class="muted small">{ format!("left out: {note}") }</p> }) }
                <p class="muted small">{ "quality per task: AUC (binary) or Kendall's τ-b \
                    (regression) of the fused ranking over the test rows with a label; a row in \
                    red misses a floor (penalised 100 per unit short); bold: best per column." }</p>
                <div class="fusion-views">
                    if result.search.is_some() {
                        <figure><figcaption>{ "search: best and mean objective per iteration" }</figcaption>
                            <canvas ref={self.canvases[0].clone()} data-testid="fusion-progress"></canvas></figure>
                    }
                    <figure><figcaption>{ "fusion seesaw: each task's quality as one parameter \
                        sweeps its range (dashed: the best formula's value)" }</figcaption>
                        <canvas ref={self.canvases[1].clone()} data-testid="fusion-seesaw"></canvas></figure>
                </div>
            </div>
        }
    }
}

/// A row's cells: each task's quality, then the objective.
fn cells(evaluated: &Evaluated) -> Vec<f64> {
    let mut cells = evaluated.qualities.clone();
    cells.push(evaluated.objective);
    cells
}
