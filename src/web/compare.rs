//! The comparison panel: the form that varies the current run (architectures, methods, seeds,
//! one knob), the pool of workers that trains the grid, the progress of every run, the table
//! (mean ± std over seeds, MTL gains, Δm), the seesaw and knob views, storage and export. The
//! bookkeeping is the pure `crate::comparison`; this file is the browser's end of it.

use super::draw::{self, GainPoint, KnobLine};
use super::js;
use super::pool::{OnBatch, OnCrash, Pool};
use super::store::{self, Store};
use crate::comparison::{
    Column, CompareForm, Comparison, JobKind, JobState, PAGE_MAX_RUNS, Phase, StoredRun, pool_size,
    sorted,
};
use crate::protocol::{BackendChoice, FromWorker, ToWorker};
use crate::state::{Action, PageState};
use seesaw_core::Registry;
use seesaw_core::compare::{DELTA_M_CONVENTION, MeanStd, SummaryRow, runs_csv, summary_csv};
use seesaw_core::fusion::Predictions;
use seesaw_core::registry::{is_kind_key, kind_ids};
use seesaw_core::url;
use std::rc::Rc;
use web_sys::{HtmlCanvasElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// What the panel reacts to.
pub enum CompareMsg {
    /// Tick or untick an architecture (`arch`) or method (`weighting`).
    Toggle(&'static str, String),
    /// The number of seeds.
    Seeds(usize),
    /// The knob to sweep (empty: none).
    VaryKey(String),
    /// The knob's values.
    VaryValues(String),
    /// How many workers.
    Workers(usize),
    /// Start the comparison the form describes.
    Start,
    /// Start its workers (a task after `Start`, so the click's task stays short).
    Launch,
    /// Pause every worker.
    Pause,
    /// Go on (also after a reload).
    Resume,
    /// Stop; what finished is kept.
    Cancel,
    /// Put the comparison away (it stays stored).
    Close,
    /// A worker's messages.
    Pool(usize, Vec<FromWorker>),
    /// A worker died.
    Crashed(usize, String),
    /// Sort the table by a column (again: the other way).
    Sort(Column),
    /// Show a configuration's first finished run in the charts.
    OpenRow(usize),
    /// Show this run in the charts.
    OpenRun(usize),
    /// The stored comparisons, read.
    Saved(Result<Vec<String>, String>),
    /// A write finished.
    Stored(Result<(), String>),
    /// Open a stored comparison.
    Load(String),
    /// Delete a stored comparison.
    Delete(String),
    /// Download the run table (CSV).
    ExportRuns,
    /// Download the summary table (CSV).
    ExportSummary,
    /// Download everything as JSON.
    ExportJson,
    /// Download view `k` as PNG.
    ExportPng(usize),
    /// What the knob view plots: Δm (`None`) or a task's test metric.
    KnobPick(Option<usize>),
    /// The stored playground runs, read.
    SavedRuns(Result<Vec<String>, String>),
    /// Show a stored playground run in the charts.
    OpenStored(String),
    /// Delete a stored playground run.
    DeleteStored(String),
}

/// The panel's state.
pub struct Desk {
    form: CompareForm,
    comparison: Option<Comparison>,
    pool: Option<Pool>,
    saved: Vec<Comparison>,
    saved_runs: Vec<StoredRun>,
    sort: (Column, bool),
    canvases: [NodeRef; 2],
    knob_pick: Option<usize>,
    /// Wall clock of the current comparison: (started, finished) in ms.
    clock: Option<(f64, Option<f64>)>,
    workers: usize,
    send: Callback<CompareMsg>,
    /// The comparison's table, computed when its runs change (not on every render).
    summary: Vec<SummaryRow>,
    /// Bumped whenever the views' data change (not on progress: the views are redrawn only
    /// when a run finishes).
    version: u64,
    drawn: Option<(u64, (usize, usize))>,
    /// Views still to draw.
    pending: [bool; 2],
    /// The test predictions of the current comparison's finished jobs (in memory only, for
    /// the Fusion panel), by job.
    predictions: std::collections::HashMap<usize, Rc<Predictions>>,
    /// A run just opened in the charts: its label and predictions, for the Fusion panel.
    opened: Option<(String, Rc<Predictions>)>,
}

/// The most jobs one worker trains stacked: on WebGPU a step of 32 runs costs a few of one
/// (dispatches bound it); on the CPU the arithmetic grows with the runs, and 8 already gain
/// most of what stacking gives there (issue #11's measurements).
fn group_cap(backend: BackendChoice) -> usize {
    match backend {
        BackendChoice::Webgpu => 32,
        _ => 8,
    }
}

fn hardware_threads() -> usize {
    web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .filter(|n| n.is_finite() && *n >= 1.0)
        .map_or(2, |n| n as usize)
}

impl Desk {
    /// An empty panel; `send` delivers its messages back to it through the page. Reads the
    /// stored comparisons.
    pub fn new(send: Callback<CompareMsg>, link: Option<&seesaw_core::compare::GridSpec>) -> Self {
        let desk = Self {
            form: link.map_or_else(
                || CompareForm {
                    seeds: 2,
                    ..CompareForm::default()
                },
                CompareForm::of,
            ),
            comparison: None,
            pool: None,
            saved: Vec::new(),
            saved_runs: Vec::new(),
            sort: (Column::DeltaM, true),
            canvases: Default::default(),
            knob_pick: None,
            clock: None,
            workers: pool_size(hardware_threads()),
            send,
            summary: Vec::new(),
            version: 0,
            drawn: None,
            pending: [false; 2],
            predictions: std::collections::HashMap::new(),
            opened: None,
        };
        desk.read_saved();
        desk
    }

    /// A link with a comparison fills the form (it does not start it: a link never trains
    /// dozens of runs unasked).
    pub fn follow_link(&mut self, link: Option<&seesaw_core::compare::GridSpec>) {
        if let Some(spec) = link {
            self.form = CompareForm::of(spec);
            self.version += 1;
        }
    }

    fn read_saved(&self) {
        let send = self.send.clone();
        wasm_bindgen_futures::spawn_local(async move {
            send.emit(CompareMsg::Saved(store::all(Store::Comparisons).await));
            send.emit(CompareMsg::SavedRuns(store::all(Store::Runs).await));
        });
    }

    /// Stores a finished playground run (`state.finished_run()`).
    pub fn store_run(&mut self, state: &PageState) {
        let Some((report, baseline)) = state.finished_run() else {
            return;
        };
        let created_ms = js_sys::Date::now();
        let record = StoredRun {
            schema: crate::comparison::SCHEMA,
            id: format!("run-{}", created_ms as u64),
            created_ms,
            report,
            baseline,
        };
        let json = serde_json::to_string(&record).expect("runs serialise");
        let id = record.id.clone();
        self.saved_runs.insert(0, record);
        self.version += 1;
        let send = self.send.clone();
        wasm_bindgen_futures::spawn_local(async move {
            send.emit(CompareMsg::Stored(
                store::put(Store::Runs, &id, &json).await,
            ));
        });
    }

    fn save(&self) {
        let Some(comparison) = &self.comparison else {
            return;
        };
        let json = serde_json::to_string(comparison).expect("comparisons serialise");
        let id = comparison.id.clone();
        let send = self.send.clone();
        wasm_bindgen_futures::spawn_local(async move {
            send.emit(CompareMsg::Stored(
                store::put(Store::Comparisons, &id, &json).await,
            ));
        });
    }

    fn callbacks(&self) -> (OnBatch, OnCrash) {
        let (a, b) = (self.send.clone(), self.send.clone());
        (
            Rc::new(move |slot, batch| a.emit(CompareMsg::Pool(slot, batch))),
            Rc::new(move |slot, message| b.emit(CompareMsg::Crashed(slot, message))),
        )
    }

    /// The backend of the workers: WebGPU only when asked for; otherwise the CPU, where each
    /// worker has a core of its own.
    fn backend(state: &PageState) -> BackendChoice {
        match state.backend_choice {
            BackendChoice::Webgpu => BackendChoice::Webgpu,
            _ => BackendChoice::Cpu,
        }
    }

    /// Hands waiting jobs to idle workers, those that can stacked in groups; drops the pool
    /// when all is done.
    fn dispatch(&mut self, state: &PageState) {
        let (Some(comparison), Some(pool)) = (&mut self.comparison, &mut self.pool) else {
            return;
        };
        let backend = Self::backend(state);
        let idle = pool.idle();
        for (taken, &slot) in idle.iter().enumerate() {
            let group = comparison.take_group(idle.len() - taken, group_cap(backend));
            if group.is_empty() {
                break;
            }
            let jobs = group
                .into_iter()
                .map(|job| (job, comparison.jobs[job].config.clone()))
                .collect();
            pool.assign(slot, jobs, backend);
        }
        if comparison.phase == Phase::Finished {
            self.pool = None;
            if let Some((started, None)) = self.clock {
                self.clock = Some((started, Some(js::now_ms())));
            }
        }
    }

    /// Handles a message; returns what the page's state must apply.
    pub fn update(&mut self, msg: CompareMsg, state: &PageState) -> Vec<Action> {
        let mut actions = Vec::new();
        let changes = !matches!(msg, CompareMsg::Pool(..));
        match msg {
            CompareMsg::Toggle(key, id) => self.form.toggle(key, &id),
            CompareMsg::Seeds(seeds) => self.form.seeds = seeds.clamp(1, PAGE_MAX_RUNS),
            CompareMsg::VaryKey(key) => self.form.vary_key = key,
            CompareMsg::VaryValues(values) => self.form.vary_values = values,
            CompareMsg::Workers(workers) => self.workers = workers.clamp(1, 8),
            CompareMsg::Start => {
                let spec = self.form.spec(&state.config);
                let id = format!("comparison-{}", js_sys::Date::now() as u64);
                match Comparison::new(id, js_sys::Date::now(), spec.clone()) {
                    Err(message) => actions.push(Action::Notice(format!(
                        "the comparison cannot start: {message}"
                    ))),
                    Ok(comparison) => {
                        self.predictions.clear();
                        self.comparison = Some(comparison);
                        self.pool = None;
                        self.clock = Some((js::now_ms(), None));
                        actions.push(Action::SetComparisonLink(Some(Box::new(spec))));
                        let send = self.send.clone();
                        wasm_bindgen_futures::spawn_local(async move {
                            js::yield_now().await;
                            send.emit(CompareMsg::Launch);
                        });
                    }
                }
            }
            CompareMsg::Launch => {
                if self.pool.is_none()
                    && self
                        .comparison
                        .as_ref()
                        .is_some_and(|c| c.phase == Phase::Running)
                {
                    self.start_pool(state, &mut actions);
                    self.dispatch(state);
                    self.save();
                }
            }
            CompareMsg::Pause => {
                if let Some(comparison) = &mut self.comparison {
                    comparison.set_paused(true);
                    if let Some(pool) = &self.pool {
                        pool.tell_busy(&ToWorker::Pause);
                    }
                    self.save();
                }
            }
            CompareMsg::Resume => {
                if let Some(comparison) = &mut self.comparison {
                    comparison.set_paused(false);
                    if self.pool.is_none() {
                        self.start_pool(state, &mut actions);
                        self.clock = Some((js::now_ms(), None));
                    } else if let Some(pool) = &self.pool {
                        pool.tell_busy(&ToWorker::Play);
                    }
                    self.dispatch(state);
                    self.save();
                }
            }
            CompareMsg::Cancel => {
                if let Some(comparison) = &mut self.comparison {
                    comparison.cancel();
                    self.pool = None;
                    self.save();
                }
            }
            CompareMsg::Close => {
                self.comparison = None;
                self.pool = None;
                self.clock = None;
                self.read_saved();
                actions.push(Action::SetComparisonLink(None));
            }
            CompareMsg::Pool(slot, batch) => {
                for message in batch {
                    self.receive(slot, message, state);
                }
            }
            CompareMsg::Crashed(slot, message) => self.crashed(slot, message, state),
            CompareMsg::Sort(column) => {
                self.sort = if self.sort.0 == column {
                    (column, !self.sort.1)
                } else {
                    (column, true)
                };
            }
            CompareMsg::OpenRow(row) => {
                if let Some(comparison) = &self.comparison
                    && let Some(summary) = self.summary.get(row)
                    && let Some(run) = comparison
                        .runs_of(&summary.labels)
                        .into_iter()
                        .find(|&run| comparison.reports[run].is_some())
                {
                    actions.extend(self.open_run(run));
                }
            }
            CompareMsg::OpenRun(run) => actions.extend(self.open_run(run)),
            CompareMsg::Saved(Ok(records)) => {
                let mut unreadable = 0;
                self.saved = records
                    .iter()
                    .filter_map(|json| {
                        let parsed = serde_json::from_str::<Comparison>(json)
                            .ok()
                            .filter(|c| c.schema == crate::comparison::SCHEMA);
                        unreadable += usize::from(parsed.is_none());
                        parsed.map(Comparison::restored)
                    })
                    .collect();
                self.saved
                    .sort_by(|a, b| b.created_ms.total_cmp(&a.created_ms));
                if unreadable > 0 {
                    actions.push(Action::Notice(format!(
                        "{unreadable} stored comparison(s) from another version of Seesaw \
                         could not be read; they are kept, not shown"
                    )));
                }
                if self.comparison.is_none()
                    && let Some(latest) = self.saved.first()
                {
                    self.comparison = Some(latest.clone());
                    self.form = CompareForm::of(&latest.spec);
                }
            }
            CompareMsg::Saved(Err(message)) | CompareMsg::Stored(Err(message)) => {
                actions.push(Action::Notice(format!(
                    "comparisons cannot be stored in this browser ({message}); they work, but \
                     a reload loses them: export them first"
                )));
            }
            CompareMsg::Stored(Ok(())) => {}
            CompareMsg::Load(id) => {
                if let Some(found) = self.saved.iter().find(|c| c.id == id) {
                    self.pool = None;
                    self.clock = None;
                    self.form = CompareForm::of(&found.spec);
                    let spec = found.spec.clone();
                    self.comparison = Some(found.clone());
                    actions.push(Action::SetComparisonLink(Some(Box::new(spec))));
                }
            }
            CompareMsg::Delete(id) => {
                if self.comparison.as_ref().is_some_and(|c| c.id == id) {
                    self.comparison = None;
                    self.pool = None;
                }
                self.saved.retain(|c| c.id != id);
                let send = self.send.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Err(message) = store::delete(Store::Comparisons, &id).await {
                        send.emit(CompareMsg::Stored(Err(message)));
                    }
                });
            }
            CompareMsg::ExportRuns => self.export("runs", &mut actions),
            CompareMsg::ExportSummary => self.export("summary", &mut actions),
            CompareMsg::ExportJson => self.export("json", &mut actions),
            CompareMsg::ExportPng(k) => {
                if let Some(canvas) = self.canvases[k].cast::<HtmlCanvasElement>() {
                    let name = ["seesaw-view.png", "knob-view.png"][k];
                    let exported = js::download_canvas(&canvas, name);
                    if let Err(message) = exported {
                        actions.push(Action::Notice(format!("export failed: {message}")));
                    }
                }
            }
            CompareMsg::KnobPick(pick) => self.knob_pick = pick,
            CompareMsg::SavedRuns(Ok(records)) => {
                self.saved_runs = records
                    .iter()
                    .filter_map(|json| serde_json::from_str::<StoredRun>(json).ok())
                    .filter(|run| run.schema == crate::comparison::SCHEMA)
                    .collect();
                self.saved_runs
                    .sort_by(|a, b| b.created_ms.total_cmp(&a.created_ms));
            }
            CompareMsg::SavedRuns(Err(_)) => {}
            CompareMsg::OpenStored(id) => {
                if let Some(run) = self.saved_runs.iter().find(|r| r.id == id) {
                    actions.push(Action::Show {
                        report: Box::new(run.report.clone()),
                        baseline: run.baseline.clone().map(Box::new),
                    });
                }
            }
            CompareMsg::DeleteStored(id) => {
                self.saved_runs.retain(|r| r.id != id);
                let send = self.send.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Err(message) = store::delete(Store::Runs, &id).await {
                        send.emit(CompareMsg::Stored(Err(message)));
                    }
                });
            }
        }
        if changes {
            self.refresh();
        }
        actions
    }

    /// Recomputes the table and marks the views for a redraw.
    fn refresh(&mut self) {
        self.summary = self
            .comparison
            .as_ref()
            .map(Comparison::summary)
            .unwrap_or_default();
        self.version += 1;
    }

    fn start_pool(&mut self, state: &PageState, actions: &mut Vec<Action>) {
        let (on_batch, on_crash) = self.callbacks();
        match Pool::start(self.workers, Self::backend(state), &on_batch, &on_crash) {
            Ok(pool) => self.pool = Some(pool),
            Err(message) => actions.push(Action::Notice(message)),
        }
    }

    fn receive(&mut self, slot: usize, message: FromWorker, state: &PageState) {
        let (Some(comparison), Some(pool)) = (&mut self.comparison, &mut self.pool) else {
            return;
        };
        let mine = |run: u32| pool.jobs(slot).contains(&(run as usize));
        match message {
            FromWorker::Progress {
                run,
                step,
                steps_per_second,
                ..
            } if mine(run) => comparison.progress(run as usize, step, steps_per_second),
            FromWorker::Trained {
                run,
                report,
                predictions,
            } if mine(run) => {
                comparison.finished(run as usize, *report);
                self.predictions.insert(run as usize, Rc::new(*predictions));
                pool.release(slot, run as usize);
                self.save();
                self.dispatch(state);
                self.refresh();
            }
            FromWorker::Failed { run, message } if mine(run) => {
                comparison.failed(run as usize, message);
                pool.release(slot, run as usize);
                self.save();
                self.dispatch(state);
                self.refresh();
            }
            FromWorker::Crashed { message } => self.crashed(slot, message, state),
            _ => {}
        }
    }

    fn crashed(&mut self, slot: usize, message: String, state: &PageState) {
        let (on_batch, on_crash) = self.callbacks();
        let (Some(comparison), Some(pool)) = (&mut self.comparison, &mut self.pool) else {
            return;
        };
        let jobs = pool.jobs(slot).to_vec();
        for &job in &jobs {
            comparison.failed(job, format!("its worker stopped: {message}"));
        }
        if pool.restart(slot, &on_batch, &on_crash).is_err() {
            for job in jobs {
                pool.release(slot, job);
            }
        }
        self.save();
        self.dispatch(state);
        self.refresh();
    }

    /// The current comparison and its table, once every run is done.
    pub fn finished(&self) -> Option<(&Comparison, &[SummaryRow])> {
        self.comparison
            .as_ref()
            .filter(|c| c.phase == Phase::Finished)
            .map(|c| (c, self.summary.as_slice()))
    }

    /// The run last opened in the charts, when its predictions are in memory (taken once).
    pub fn take_opened(&mut self) -> Option<(String, Rc<Predictions>)> {
        self.opened.take()
    }

    fn open_run(&mut self, run: usize) -> Vec<Action> {
        let Some(comparison) = &self.comparison else {
            return Vec::new();
        };
        let Some(report) = comparison.reports.get(run).cloned().flatten() else {
            return Vec::new();
        };
        let baseline = comparison.baselines[comparison.baseline_of[run]].clone();
        let job = comparison
            .jobs
            .iter()
            .position(|job| job.kind == JobKind::Run(run));
        self.opened = job
            .and_then(|job| self.predictions.get(&job))
            .map(|predictions| {
                let label = comparison.labels[run].file_stem(comparison.vary.as_deref());
                (label, Rc::clone(predictions))
            });
        vec![Action::Show {
            report: Box::new(report),
            baseline: baseline.map(Box::new),
        }]
    }

    fn export(&self, what: &str, actions: &mut Vec<Action>) {
        if let Err(message) = self.exported(what) {
            actions.push(Action::Notice(format!("export failed: {message}")));
        }
    }

    fn exported(&self, what: &str) -> Result<(), String> {
        let comparison = self.comparison.as_ref().ok_or("no comparison")?;
        let vary = comparison.vary.as_deref();
        match what {
            "runs" => js::download_text(
                "seesaw-runs.csv",
                "text/csv",
                &runs_csv(&comparison.rows(), vary),
            ),
            "summary" => js::download_text(
                "seesaw-summary.csv",
                "text/csv",
                &summary_csv(&comparison.summary(), vary),
            ),
            _ => {
                let runs: Vec<_> = comparison.reports.iter().flatten().collect();
                let json = serde_json::json!({
                    "grid": comparison.spec,
                    "delta_m": DELTA_M_CONVENTION,
                    "summary": comparison.summary(),
                    "runs": runs,
                });
                js::download_text(
                    "seesaw-comparison.json",
                    "application/json",
                    &serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?,
                )
            }
        }
    }

    /// Whether the views need drawing (their data or the picked tasks changed); the page then
    /// calls [`Desk::draw_next`] once per animation frame until it says it is done.
    pub fn needs_draw(&mut self, state: &PageState) -> bool {
        let shown = (self.version, state.quadrant_tasks);
        if self.drawn != Some(shown) {
            self.drawn = Some(shown);
            self.pending = [true; 2];
        }
        self.pending.contains(&true)
    }

    /// Draws the next view that needs it (one per frame keeps each frame's task short);
    /// whether more remain.
    pub fn draw_next(&mut self, state: &PageState) -> bool {
        if let Some(view) = self.pending.iter().position(|&p| p) {
            self.pending[view] = false;
            self.draw(view, state);
        }
        self.pending.contains(&true)
    }

    fn draw(&self, view: usize, state: &PageState) {
        let Some(comparison) = &self.comparison else {
            return;
        };
        let tasks: Vec<String> = self
            .summary
            .first()
            .map(|row| row.tasks.clone())
            .unwrap_or_default();
        let (x, y) = state.quadrant_tasks;
        let (x, y) = if x.max(y) < tasks.len() {
            (x, y)
        } else {
            (0, 1)
        };
        if view == 0
            && let Some(canvas) = self.canvases[0].cast::<HtmlCanvasElement>()
        {
            let points: Vec<GainPoint> = comparison
                .seesaw_points(&self.summary, x, y)
                .into_iter()
                .map(|p| GainPoint {
                    x: (p.x.mean, p.x.std),
                    y: (p.y.mean, p.y.std),
                    label: p.label,
                    pareto: p.pareto,
                })
                .collect();
            let name = |k: usize| tasks.get(k).cloned().unwrap_or_else(|| format!("task {k}"));
            draw::gains_scatter(&canvas, &points, &name(x), &name(y));
        }
        if view == 1
            && let (Some(canvas), Some(knob)) = (
                self.canvases[1].cast::<HtmlCanvasElement>(),
                comparison.vary.as_deref(),
            )
        {
            let lines: Vec<KnobLine> = comparison
                .knob_lines(&self.summary, self.knob_pick)
                .into_iter()
                .map(|(label, points)| KnobLine {
                    label,
                    points: points.iter().map(|(x, s)| (*x, s.mean, s.std)).collect(),
                })
                .collect();
            let what = match self.knob_pick {
                None => "Δm (%)".to_string(),
                Some(k) => format!("{} test metric", tasks.get(k).cloned().unwrap_or_default()),
            };
            draw::knob_chart(&canvas, &lines, knob, &what, None);
        }
    }

    /// The panel.
    pub fn view(&self, state: &PageState) -> Html {
        html! {
            <section class="compare" data-testid="compare">
                <h2>{ "Compare" }</h2>
                <p class="muted">{ "Start from the settings on the left and vary what you tick: \
                    every architecture × method × knob value, over seeds, trained side by side \
                    in workers, each against single-task baselines trained once per data and \
                    seed. The table shows mean ± std over seeds, MTL gains and Δm; a click on a \
                    column sorts it (▼ best first, ▲ worst first)." }</p>
                { self.form_view(state) }
                { self.progress_view() }
                { self.table_view(state) }
                { self.views() }
                { self.saved_view() }
            </section>
        }
    }

    fn form_view(&self, state: &PageState) -> Html {
        let send = &self.send;
        let checks = |key: &'static str, picked: &[String]| -> Html {
            html! {
                <div class="checks">
                    { for kind_ids(key).into_iter().map(|id| {
                        let on = picked.iter().any(|p| p == id);
                        let onchange = send.reform(move |_: Event| CompareMsg::Toggle(key, id.to_string()));
                        html! {
                            <label class="check">
                                <input type="checkbox" checked={on} {onchange}
                                    data-testid={format!("compare-{key}-{id}")} />
                                { id }
                            </label>
                        }
                    }) }
                </div>
            }
        };
        let knobs: Vec<String> = url::fields(&state.config)
            .into_iter()
            .filter(|f| !is_kind_key(&f.key) && !["seed", "baselines"].contains(&f.key.as_str()))
            .filter(|f| f.value.parse::<f64>().is_ok())
            .map(|f| f.key)
            .collect();
        let spec = self.form.spec(&state.config);
        let count = spec.run_count();
        let too_many = count > PAGE_MAX_RUNS;
        let seeds = send.reform(|e: Event| {
            CompareMsg::Seeds(
                e.target_unchecked_into::<HtmlInputElement>()
                    .value()
                    .parse()
                    .unwrap_or(1),
            )
        });
        let workers = send.reform(|e: Event| {
            CompareMsg::Workers(
                e.target_unchecked_into::<HtmlInputElement>()
                    .value()
                    .parse()
                    .unwrap_or(2),
            )
        });
        let vary_key = send.reform(|e: Event| {
            CompareMsg::VaryKey(e.target_unchecked_into::<HtmlSelectElement>().value())
        });
        let vary_values = send.reform(|e: Event| {
            CompareMsg::VaryValues(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let running = self
            .comparison
            .as_ref()
            .is_some_and(|c| c.phase == Phase::Running);
        html! {
            <div class="compare-form">
                <div><b>{ "architectures" }</b><small class="muted">{ format!(" (none ticked: {})", state.config.arch.id()) }</small>
                    { checks("arch", &self.form.arch) }</div>
                <div><b>{ "methods" }</b><small class="muted">{ format!(" (none ticked: {})", state.config.weighting.id()) }</small>
                    { checks("weighting", &self.form.weighting) }</div>
                <div class="compare-knobs">
                    <label>{ "seeds " }
                        <input type="number" min="1" max="64" value={self.form.seeds.to_string()}
                            onchange={seeds} data-testid="compare-seeds" /></label>
                    <label>{ "sweep " }
                        <select onchange={vary_key} data-testid="compare-vary">
                            <option value="" selected={self.form.vary_key.is_empty()}>{ "no knob" }</option>
                            { for knobs.iter().map(|key| html! {
                                <option value={key.clone()} selected={*key == self.form.vary_key}>{ key.clone() }</option>
                            }) }
                        </select></label>
                    if !self.form.vary_key.is_empty() {
                        <label>{ " over " }
                            <input type="text" value={self.form.vary_values.clone()} placeholder="1, 0.9, 0.5"
                                onchange={vary_values} data-testid="compare-values" /></label>
                    }
                    <label title="workers training side by side (hardware threads − 1, 2 to 8)">{ " workers " }
                        <input type="number" min="1" max="8" value={self.workers.to_string()}
                            onchange={workers} data-testid="compare-workers" /></label>
                </div>
                <p data-testid="compare-count" class={classes!(too_many.then_some("bad"))}>
                    { format!("{count} runs ({} steps each, on {})", state.config.train.steps,
                        Self::backend(state).id()) }
                    if too_many {
                        { format!(" — more than the {PAGE_MAX_RUNS} a comparison in the page may \
                                   have; use `seesaw sweep` for big grids") }
                    }
                </p>
                <button data-testid="compare-start" disabled={too_many || running}
                    onclick={send.reform(|_: MouseEvent| CompareMsg::Start)}>{ "▶ Compare" }</button>
            </div>
        }
    }

    fn progress_view(&self) -> Html {
        let Some(comparison) = &self.comparison else {
            return html! {};
        };
        let send = &self.send;
        let [done, training, waiting, failed, interrupted] = comparison.counts();
        let phase = match comparison.phase {
            Phase::Running => "running",
            Phase::Paused => "paused",
            Phase::Cancelled => "cancelled",
            Phase::Finished => "finished",
        };
        let wall = self.clock.map(|(start, end)| {
            let seconds = (end.unwrap_or_else(js::now_ms) - start) / 1000.0;
            format!(
                " · {seconds:.1} s{} with {} worker(s)",
                if end.is_some() { "" } else { " so far" },
                self.workers
            )
        });
        let job_label = |job: &crate::comparison::Job| match job.kind {
            JobKind::Baseline(b) => format!("baselines #{} (seed {})", b + 1, job.config.seed),
            JobKind::Run(run) => format!(
                "{} · seed {}",
                comparison.labels[run].configuration(comparison.vary.as_deref()),
                comparison.labels[run].seed
            ),
        };
        let steps = |job: &crate::comparison::Job| job.config.train.steps;
        html! {
            <div class="compare-progress" data-testid="compare-progress" data-phase={phase}>
                <p>
                    <b>{ phase }</b>
                    { format!(": {done} done, {training} training, {waiting} waiting, {failed} failed, \
                               {interrupted} interrupted (of {} jobs: {} runs and {} baselines)",
                              comparison.jobs.len(), comparison.labels.len(), comparison.baselines.len()) }
                    { wall.unwrap_or_default() }
                </p>
                <div class="buttons">
                    if comparison.phase == Phase::Running {
                        <button data-testid="compare-pause" onclick={send.reform(|_: MouseEvent| CompareMsg::Pause)}>{ "❚❚ Pause" }</button>
                    }
                    if matches!(comparison.phase, Phase::Paused | Phase::Cancelled) && waiting + interrupted + training > 0 {
                        <button data-testid="compare-resume" onclick={send.reform(|_: MouseEvent| CompareMsg::Resume)}>{ "▶ Resume" }</button>
                    }
                    if matches!(comparison.phase, Phase::Running | Phase::Paused) {
                        <button data-testid="compare-cancel" onclick={send.reform(|_: MouseEvent| CompareMsg::Cancel)}>{ "Cancel" }</button>
                    }
                    <button onclick={send.reform(|_: MouseEvent| CompareMsg::Close)}>{ "Close" }</button>
                </div>
                <details>
                    <summary>{ "every job" }</summary>
                    <ul class="jobs">
                        { for comparison.jobs.iter().map(|job| {
                            let state = match &job.state {
                                JobState::Training { step, steps_per_second } => format!(
                                    "training: step {step} / {} at {steps_per_second:.0} steps/s", steps(job)),
                                JobState::Failed(why) => format!("failed: {why}"),
                                other => other.id().to_string(),
                            };
                            html! { <li data-testid="compare-job" data-state={job.state.id()}>
                                { format!("{} — {state}", job_label(job)) }</li> }
                        }) }
                    </ul>
                </details>
            </div>
        }
    }

    /// The table; before the first run finishes, its header and a placeholder row (so the
    /// first result only adds rows: the table's first layout happens before the workers start,
    /// not while they hold the machine's cores).
    fn table_view(&self, state: &PageState) -> Html {
        let Some(comparison) = &self.comparison else {
            return html! {};
        };
        let summary = &self.summary;
        let vary = comparison.vary.as_deref();
        let (tasks, metrics) = match summary.first() {
            Some(row) => (row.tasks.clone(), row.metrics.clone()),
            None => (
                state.charts.tasks.clone(),
                state
                    .charts
                    .metric_names
                    .iter()
                    .map(|m| m.id().to_string())
                    .collect(),
            ),
        };
        let send = &self.send;
        let mut columns = vec![(Column::Configuration, "configuration".to_string())];
        for (k, task) in tasks.iter().enumerate() {
            columns.push((
                Column::Test(k),
                format!("{task} {}", metrics.get(k).cloned().unwrap_or_default()),
            ));
        }
        for (k, task) in tasks.iter().enumerate() {
            columns.push((Column::Gain(k), format!("{task} MTL gain")));
        }
        columns.push((Column::DeltaM, "Δm (%)".to_string()));
        columns.push((Column::Speed, "steps/s".to_string()));
        let best: Vec<Option<usize>> = columns.iter().map(|(c, _)| c.best(summary)).collect();
        let order = sorted(summary, vary, self.sort.0, self.sort.1);
        let stat =
            |s: Option<MeanStd>, digits: usize| s.map_or("–".to_string(), |s| s.format(digits));
        let cell = |row: &seesaw_core::compare::SummaryRow, column: Column| -> (String, bool) {
            match column {
                Column::Configuration => (row.labels.configuration(vary), false),
                Column::Test(k) => (stat(row.test.get(k).copied().flatten(), 4), false),
                Column::Gain(k) => {
                    let s = row.gains.get(k).copied().flatten();
                    (stat(s, 4), s.is_some_and(|s| s.mean < 0.0))
                }
                Column::DeltaM => (
                    stat(row.delta_m, 2),
                    row.delta_m.is_some_and(|s| s.mean < 0.0),
                ),
                Column::Speed => (
                    row.steps_per_second
                        .map_or("–".to_string(), |s| format!("{:.0}", s.mean)),
                    false,
                ),
            }
        };
        html! {
            <div class="compare-table">
                <table data-testid="compare-table">
                    <tr>
                        { for columns.iter().map(|(column, name)| {
                            let column = *column;
                            let arrow = if self.sort.0 == column { if self.sort.1 { " ▼" } else { " ▲" } } else { "" };
                            html! { <th onclick={send.reform(move |_: MouseEvent| CompareMsg::Sort(column))}
                                        title="sort">{ format!("{name}{arrow}") }</th> }
                        }) }
                        <th>{ "runs" }</th>
                    </tr>
                    { for order.into_iter().map(|i| {
                        let row = &summary[i];
                        let open = send.reform(move |_: MouseEvent| CompareMsg::OpenRow(i));
                        html! {
                            <tr data-testid="compare-row" onclick={open} title="show in the charts">
                                { for columns.iter().enumerate().map(|(c, (column, _))| {
                                    let (text, negative) = cell(row, *column);
                                    let classes = classes!(
                                        negative.then_some("negative"),
                                        (best[c] == Some(i)).then_some("best"));
                                    html! { <td class={classes}>{ text }</td> }
                                }) }
                                <td>{ format!("{}{}", row.runs,
                                    if row.failed > 0 { format!(" (+{} failed)", row.failed) } else { String::new() }) }</td>
                            </tr>
                        }
                    }) }
                    if summary.is_empty() {
                        <tr class="placeholder"><td colspan={(columns.len() + 1).to_string()} class="muted">
                            { "rows appear here as runs finish (mean ± std over seeds)" }</td></tr>
                    }
                </table>
                <p class="muted small">{ "mean ± sample std over seeds (– for one seed); the best \
                    value of each column in bold, negative gains in red; click a row to open its \
                    first seed in the charts above. " }{ DELTA_M_CONVENTION }</p>
                <div class="buttons">
                    <button data-testid="compare-export-csv" onclick={send.reform(|_: MouseEvent| CompareMsg::ExportRuns)}>{ "runs CSV" }</button>
                    <button data-testid="compare-export-summary" onclick={send.reform(|_: MouseEvent| CompareMsg::ExportSummary)}>{ "summary CSV" }</button>
                    <button data-testid="compare-export-json" onclick={send.reform(|_: MouseEvent| CompareMsg::ExportJson)}>{ "JSON" }</button>
                    <a data-testid="compare-link" href={format!("#{}", comparison_hash(comparison))}>{ "link to this comparison" }</a>
                </div>
            </div>
        }
    }

    fn views(&self) -> Html {
        let Some(comparison) = &self.comparison else {
            return html! {};
        };
        let send = &self.send;
        let tasks = self
            .summary
            .first()
            .map(|r| r.tasks.clone())
            .unwrap_or_default();
        let pick = send.reform(|e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            CompareMsg::KnobPick(value.parse().ok())
        });
        html! {
            <div class="charts compare-views">
                <figure class="chart">
                    <figcaption><b>{ "Seesaw across runs" }</b>
                        <button class="small" onclick={send.reform(|_: MouseEvent| CompareMsg::ExportPng(0))}>{ "PNG" }</button></figcaption>
                    <p class="muted small">{ "Each configuration's gain over its single-task \
                        baselines (%, as Δm) on two tasks, ± one std over seeds; the dashed line \
                        joins the Pareto front (no configuration is better on every task). The \
                        quadrant's task pickers above choose the tasks." }</p>
                    <canvas ref={self.canvases[0].clone()} data-testid="compare-seesaw"></canvas>
                </figure>
                if let Some(knob) = &comparison.vary {
                    <figure class="chart">
                        <figcaption><b>{ format!("Against {knob}") }</b>
                            <select onchange={pick}>
                                <option value="delta" selected={self.knob_pick.is_none()}>{ "Δm" }</option>
                                { for tasks.iter().enumerate().map(|(k, t)| html! {
                                    <option value={k.to_string()} selected={self.knob_pick == Some(k)}>{ format!("{t} test metric") }</option>
                                }) }
                            </select>
                            <button class="small" onclick={send.reform(|_: MouseEvent| CompareMsg::ExportPng(1))}>{ "PNG" }</button></figcaption>
                        <p class="muted small">{ "One line per architecture × method, ± one std \
                            over seeds: the MMoE paper's Figure 5 is this view (correlation \
                            against quality)." }</p>
                        <canvas ref={self.canvases[1].clone()} data-testid="compare-knob"></canvas>
                    </figure>
                }
            </div>
        }
    }

    fn saved_view(&self) -> Html {
        let send = &self.send;
        let date = |ms: f64| {
            String::from(
                js_sys::Date::new(&ms.into())
                    .to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED),
            )
        };
        let runs = if self.saved_runs.is_empty() {
            html! {}
        } else {
            html! {
                <details class="compare-saved" data-testid="saved-runs">
                    <summary>{ format!("stored runs ({})", self.saved_runs.len()) }</summary>
                    <ul>
                        { for self.saved_runs.iter().map(|run| {
                            let (open, delete) = (run.id.clone(), run.id.clone());
                            let config = &run.report.config;
                            let delta = run.report.comparison.as_ref().and_then(|c| c.delta_m)
                                .map_or(String::new(), |d| format!(", Δm {d:+.2} %"));
                            html! {
                                <li data-testid="saved-run">
                                    { format!("{} — {} · {} on {}, seed {}, {} steps{delta} ",
                                        date(run.created_ms), config.arch.id(), config.weighting.id(),
                                        config.dataset.id(), config.seed, config.train.steps) }
                                    <button class="small" onclick={send.reform(move |_: MouseEvent| CompareMsg::OpenStored(open.clone()))}>{ "open" }</button>
                                    <button class="small" onclick={send.reform(move |_: MouseEvent| CompareMsg::DeleteStored(delete.clone()))}>{ "delete" }</button>
                                </li>
                            }
                        }) }
                    </ul>
                </details>
            }
        };
        if self.saved.is_empty() {
            return runs;
        }
        html! {
            <>
            { runs }
            <details class="compare-saved" data-testid="compare-saved">
                <summary>{ format!("stored comparisons ({})", self.saved.len()) }</summary>
                <ul>
                    { for self.saved.iter().map(|c| {
                        let [done, _, _, failed, interrupted] = c.counts();
                        let (open, delete) = (c.id.clone(), c.id.clone());
                        html! {
                            <li data-testid="compare-saved-entry">
                                { format!("{} — {} configurations, {done} jobs done, {failed} failed, {interrupted} interrupted ",
                                    date(c.created_ms),
                                    c.configuration_count()) }
                                <button class="small" onclick={send.reform(move |_: MouseEvent| CompareMsg::Load(open.clone()))}>{ "open" }</button>
                                <button class="small" onclick={send.reform(move |_: MouseEvent| CompareMsg::Delete(delete.clone()))}>{ "delete" }</button>
                            </li>
                        }
                    }) }
                </ul>
            </details>
            </>
        }
    }
}

/// The link of a comparison: its base run's keys and its own.
fn comparison_hash(comparison: &Comparison) -> String {
    let base = seesaw_core::train::RunConfig {
        baselines: true,
        ..comparison.spec.base.clone()
    };
    let mut hash = url::encode(&base, &[]);
    seesaw_core::compare::link::append(&mut hash, &comparison.spec);
    hash
}
