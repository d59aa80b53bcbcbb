//! The playground page: a yew component around [`PageState`]. It performs the reducer's
//! effects (worker messages, URL hash) and draws the charts after each render; the worker's
//! messages arrive in batches at most [`crate::pace::LIVE_MS`] apart (see `bridge`), so the
//! page renders and draws at most once per batch.

use super::bridge::Bridge;
use super::charts::{CHARTS, Chart};
use super::compare::{CompareMsg, Desk};
use super::draw::task_color;
use super::fusion::{FusionMsg, Lab};
use super::toy::{ToyMsg, ToyView};
use super::{controls, gpu, js, panels};
use crate::backend;
use crate::lessons::{self, LESSONS, LessonKind, Results};
use crate::protocol::{BackendChoice, FromWorker, ToWorker, WorkerBuild};
use crate::state::{Action, Effect, PageState};
use crate::toy_lab::ToyPhase;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// Mounts the page.
pub fn start() {
    js::run_constructors_once();
    console_error_panic_hook::set_once();
    if let Some(loading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("loading"))
    {
        loading.remove();
    }
    yew::Renderer::<App>::new().render();
}

/// How long one task goes on drawing stale charts: it starts another while under this (a chart
/// draws in about a millisecond).
const DRAW_BUDGET_MS: f64 = 12.0;

/// What the component reacts to.
pub enum Msg {
    /// A user action.
    Act(Action),
    /// The worker's messages of one animation frame.
    Batch(Vec<FromWorker>),
    /// The user edited the URL hash.
    HashChanged,
    /// An animation frame for the charts and views still to redraw.
    DrawNext,
    /// The comparison panel.
    Compare(CompareMsg),
    /// Download chart `k` of [`CHARTS`] as PNG.
    ExportChart(usize),
    /// The Fusion panel.
    Fusion(FusionMsg),
    /// The 2-D toy view.
    Toy(ToyMsg),
    /// The page's probe of the WebGPU adapter answered (for `auto`'s worker build).
    Probed(Result<gpu::Adapter, String>),
}

/// The page's own probe of the WebGPU adapter, made when a run on `auto` first needs a worker:
/// a software or missing adapter means the run trains on the CPU, so the CPU-only worker will
/// do (`backend::worker_build`).
enum Probe {
    NotAsked,
    /// Asked; the messages for the worker wait for the answer, in order.
    Pending(Vec<ToWorker>),
    Done(Result<gpu::Adapter, String>),
}

/// The page's URL hash.
fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// The page.
pub struct App {
    state: PageState,
    bridge: Option<Bridge>,
    /// The adapter, as the page probed it.
    probe: Probe,
    /// One canvas per entry of [`CHARTS`].
    canvases: [NodeRef; CHARTS.len()],
    /// When the first step of a run arrived (run, ms since page load).
    first_step: Option<(u32, f64)>,
    /// What the canvases show: (run, chart version, quadrant tasks); redrawn when it changes.
    drawn: Option<(u32, u64, (usize, usize))>,
    /// Charts still to redraw: as many per task as fit [`DRAW_BUDGET_MS`] (`draw_stale`), so no
    /// task grows with the number of charts.
    dirty: [bool; CHARTS.len()],
    /// The animation-frame callback, and whether it is requested.
    on_frame: Option<Closure<dyn FnMut()>>,
    frame_pending: bool,
    /// The one callback for actions (a stable identity keeps the controls from re-rendering).
    act: Callback<Action>,
    _on_hash: Option<Closure<dyn FnMut()>>,
    /// The comparison panel.
    desk: Desk,
    /// The PNG buttons' callback.
    export_chart: Callback<usize>,
    /// The Fusion panel.
    lab: Lab,
    /// The run the Fusion panel's source belongs to (a new run clears it).
    lab_run: u32,
    /// The comparison panel's callback (a comparison lesson starts it).
    compare: Callback<CompareMsg>,
    /// The 2-D toy view (the toy lesson).
    toy: ToyView,
}

impl App {
    fn start_worker(ctx: &Context<Self>, build: WorkerBuild) -> Result<Bridge, String> {
        let batch = ctx.link().callback(Msg::Batch);
        let crash = ctx
            .link()
            .callback(|message: String| Msg::Act(Action::WorkerCrashed(message)));
        Bridge::start(
            build,
            move |messages| batch.emit(messages),
            move |e| crash.emit(e),
        )
    }

    /// The worker build a run on `choice` needs, from the probe as far as it has answered.
    fn build_for(&self, choice: BackendChoice) -> WorkerBuild {
        let probed = match &self.probe {
            Probe::Done(probed) => Some(
                probed
                    .as_ref()
                    .map(gpu::Adapter::facts)
                    .map_err(String::as_str),
            ),
            _ => None,
        };
        backend::worker_build(choice, probed)
    }

    /// Sends `message` to the worker [`Self::worker_for`] picks. A run on `auto` first waits
    /// for the page's probe of the adapter (asked once), and so does every message after it.
    fn send(&mut self, ctx: &Context<Self>, message: ToWorker) {
        let on_auto = matches!(
            message,
            ToWorker::Configure {
                backend: BackendChoice::Auto,
                ..
            }
        );
        if on_auto && matches!(self.probe, Probe::NotAsked) {
            self.probe = Probe::Pending(Vec::new());
            let link = ctx.link().clone();
            wasm_bindgen_futures::spawn_local(async move {
                link.send_message(Msg::Probed(gpu::probe().await));
            });
        }
        if let Probe::Pending(waiting) = &mut self.probe
            && (on_auto || !waiting.is_empty())
        {
            waiting.push(message);
            return;
        }
        match self.worker_for(ctx, &message) {
            Some(bridge) => bridge.send(&message),
            None => self
                .state
                .notices
                .push("the training worker could not start; reload the page".to_string()),
        }
    }

    /// The worker `message` goes to: a new run's backend picks the build (the one it has, or
    /// a fresh one of the other build); other messages go to the worker there is.
    fn worker_for(&mut self, ctx: &Context<Self>, message: &ToWorker) -> Option<&Bridge> {
        let build = match message {
            ToWorker::Configure { backend, .. } => self.build_for(*backend),
            _ => self
                .bridge
                .as_ref()
                .map_or_else(|| self.build_for(self.state.backend_choice), Bridge::build),
        };
        if self
            .bridge
            .as_ref()
            .is_none_or(|bridge| bridge.build() != build)
        {
            self.bridge = None;
            match Self::start_worker(ctx, build) {
                Ok(bridge) => self.bridge = Some(bridge),
                Err(error) => self.state.notices.push(error),
            }
        }
        self.bridge.as_ref()
    }

    fn perform(&mut self, ctx: &Context<Self>, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send(message) => self.send(ctx, message),
                Effect::WriteHash(hash) => {
                    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                        let _ = history.replace_state_with_url(
                            &JsValue::NULL,
                            "",
                            Some(&format!("#{hash}")),
                        );
                    }
                }
                // The next message starts a fresh worker of the build it needs.
                Effect::RestartWorker => self.bridge = None,
            }
        }
    }

    /// Draws entry `index` of [`CHARTS`].
    fn draw_chart(&self, index: usize) {
        let (Some(chart), Some(node)) = (CHARTS.get(index), self.canvases.get(index)) else {
            return;
        };
        if let Some(canvas) = node.cast::<HtmlCanvasElement>() {
            (chart.draw)(&self.state, &canvas);
        }
    }

    /// Entry `index` of [`CHARTS`] with its canvas (and task pickers where it picks tasks).
    fn chart(&self, index: usize, chart: &Chart, act: &Callback<Action>) -> Html {
        let extra = if chart.picks_tasks {
            self.quadrant_picker(act)
        } else {
            html! {}
        };
        let export = self.export_chart.reform(move |_: MouseEvent| index);
        html! {
            <figure class="chart">
                <figcaption>
                    <span class="chart-title"><b>{ chart.title }</b>
                        <button class="small png" onclick={export} title="download as PNG">{ "PNG" }</button></span>
                    <span class="explain">{ chart.text }</span>
                    { extra }
                </figcaption>
                <canvas ref={self.canvases[index].clone()} data-testid={chart.testid}></canvas>
            </figure>
        }
    }

    /// With more than two tasks: which two the quadrant plots.
    fn quadrant_picker(&self, act: &Callback<Action>) -> Html {
        let names = &self.state.charts.tasks;
        if names.len() <= 2 {
            return html! {};
        }
        let (x, y) = self.state.quadrant_tasks;
        let select = |axis: &'static str, current: usize| {
            let act = act.clone();
            let other = if axis == "x" { y } else { x };
            let onchange = Callback::from(move |event: Event| {
                let value = event
                    .target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value()
                    .parse()
                    .unwrap_or(0);
                act.emit(if axis == "x" {
                    Action::SetQuadrantTasks(value, other)
                } else {
                    Action::SetQuadrantTasks(other, value)
                });
            });
            html! {
                <label class="axis-pick">
                    { format!("{axis}: ") }
                    <select {onchange}>
                        { for names.iter().enumerate().map(|(k, name)| html! {
                            <option value={k.to_string()} selected={k == current}>{ name.clone() }</option>
                        }) }
                    </select>
                </label>
            }
        };
        html! { <span class="axis-picks">{ select("x", x) }{ select("y", y) }</span> }
    }

    fn legend(&self) -> Html {
        let names = &self.state.charts.tasks;
        let metrics = &self.state.charts.metric_names;
        html! {
            <div class="legend">
                { for names.iter().enumerate().map(|(k, name)| html! {
                    <span>
                        <i style={format!("background:{}", task_color(k))}></i>
                        { name.clone() }
                        if let Some(metric) = metrics.get(k) {
                            <small>{ format!(" ({metric})") }</small>
                        }
                    </span>
                }) }
                <span class="muted">{ "solid: multi-task · dashed: validation loss · dotted: \
                                       single-task baseline" }</span>
            </div>
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let mut app = App {
            state: PageState::default(),
            bridge: None,
            probe: Probe::NotAsked,
            canvases: Default::default(),
            first_step: None,
            drawn: None,
            dirty: [false; CHARTS.len()],
            on_frame: None,
            frame_pending: false,
            act: ctx.link().callback(Msg::Act),
            _on_hash: None,
            desk: Desk::new(ctx.link().callback(Msg::Compare), None),
            export_chart: ctx.link().callback(Msg::ExportChart),
            lab: Lab::new(ctx.link().callback(Msg::Fusion)),
            lab_run: 0,
            compare: ctx.link().callback(Msg::Compare),
            toy: ToyView::new(ctx.link().callback(Msg::Toy)),
        };
        // The worker starts with the first message to it (the link's run picks its build).
        let link = ctx.link().clone();
        app.on_frame = Some(Closure::new(move || link.send_message(Msg::DrawNext)));
        if let Some(window) = web_sys::window() {
            let link = ctx.link().clone();
            let on_hash = Closure::<dyn FnMut()>::new(move || link.send_message(Msg::HashChanged));
            let _ = window
                .add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
            app._on_hash = Some(on_hash);
        }
        let effects = app.state.apply(Action::Hash(current_hash()));
        app.perform(ctx, effects);
        app.desk.follow_link(app.state.comparison_link.as_ref());
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        self.handle(ctx, msg)
    }

    fn view(&self, _ctx: &Context<Self>) -> Html {
        self.page()
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        let shown = (
            self.state.run,
            self.state.charts.version,
            self.state.quadrant_tasks,
        );
        if self.drawn != Some(shown) {
            self.drawn = Some(shown);
            self.dirty = [true; CHARTS.len()];
            // Now, so the new numbers and the charts reach the screen in one frame.
            self.draw_stale();
        }
        if self.desk.needs_draw(&self.state) || self.toy.needs_draw() {
            self.schedule_draw();
        }
        self.lab.draw();
    }
}

impl App {
    /// The Lessons menu: picking one opens its link.
    fn lesson_menu(&self) -> Html {
        let onchange = Callback::from(|event: Event| {
            let id = event
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            if let (false, Some(window)) = (id.is_empty(), web_sys::window()) {
                let _ = window.location().set_hash(&format!("lesson={id}"));
            }
        });
        let current = self.state.lesson.unwrap_or("");
        html! {
            <label class="lesson-menu">{ "Lessons " }
                <select {onchange} data-testid="lesson-menu">
                    <option value="" selected={current.is_empty()}>{ "pick one…" }</option>
                    { for LESSONS.iter().map(|l| html! {
                        <option value={l.id} selected={l.id == current}>{ l.title }</option>
                    }) }
                </select>
            </label>
        }
    }

    /// The open lesson: what to watch, the button that runs it, and what happened.
    fn lesson_view(&self, act: &Callback<Action>) -> Html {
        let Some(lesson) = self.state.lesson.and_then(lessons::lesson) else {
            return html! {};
        };
        let results = match lesson.kind {
            LessonKind::Run => {
                self.state
                    .finished
                    .as_ref()
                    .map(|(report, comparison)| Results::Run {
                        report,
                        comparison: comparison.as_ref(),
                    })
            }
            LessonKind::Comparison => self
                .desk
                .finished()
                .map(|(comparison, summary)| Results::of_comparison(comparison, summary)),
            LessonKind::Toy => match (&self.toy.lab.phase, self.toy.pareto()) {
                (ToyPhase::Done(runs), Some(pareto)) => Some(Results::Toy {
                    objective: self.toy.lab.objective,
                    pareto,
                    runs,
                }),
                _ => None,
            },
        };
        let outcome = results.as_ref().and_then(|r| (lesson.outcome)(r));
        let run = match lesson.kind {
            LessonKind::Run => act.reform(|_: MouseEvent| Action::Play),
            LessonKind::Comparison => {
                let compare = self.compare.clone();
                Callback::from(move |_: MouseEvent| compare.emit(CompareMsg::Start))
            }
            LessonKind::Toy => self.toy.run_on_click(),
        };
        let label = match lesson.kind {
            LessonKind::Run => "▶ Run this lesson",
            LessonKind::Comparison => "▶ Run this lesson's comparison",
            LessonKind::Toy => "▶ Run the ticked methods",
        };
        html! {
            <section class="lesson" data-testid="lesson" data-lesson={lesson.id}>
                <h2>{ format!("Lesson: {}", lesson.title) }</h2>
                <p>{ lesson.watch }</p>
                if lesson.kind == LessonKind::Toy {
                    { self.toy.view() }
                }
                <button data-testid="lesson-run" onclick={run}>{ label }</button>
                <p class="lesson-outcome">
                    <b>{ "What happened: " }</b>
                    if let Some(text) = outcome {
                        <span data-testid="lesson-outcome">{ text }</span>
                    } else {
                        <span class="muted">{ "appears here when the results are in." }</span>
                    }
                </p>
            </section>
        }
    }

    /// Milliseconds from page load to the current run's first step, once it came.
    fn first_step_ms(&self) -> Option<f64> {
        self.first_step
            .filter(|(run, _)| *run == self.state.run)
            .map(|(_, ms)| ms)
    }

    /// Every stale chart that fits [`DRAW_BUDGET_MS`] (at least one), then the other views; an
    /// animation frame for what is left. Few frames: each costs a software compositor tens of ms.
    fn draw_stale(&mut self) {
        let started = js::now_ms();
        while let Some(index) = self.dirty.iter().position(|&d| d) {
            self.dirty[index] = false;
            self.draw_chart(index);
            if js::now_ms() - started > DRAW_BUDGET_MS {
                break;
            }
        }
        let more_views = !self.dirty.contains(&true)
            && (self.desk.draw_next(&self.state) | self.toy.draw_next());
        if self.dirty.contains(&true) || more_views {
            self.schedule_draw();
        }
    }

    fn schedule_draw(&mut self) {
        if self.frame_pending {
            return;
        }
        if let (Some(window), Some(on_frame)) = (web_sys::window(), &self.on_frame) {
            self.frame_pending = window
                .request_animation_frame(on_frame.as_ref().unchecked_ref())
                .is_ok();
        }
    }

    fn handle(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::DrawNext => {
                self.frame_pending = false;
                self.draw_stale();
                return false;
            }
            Msg::Act(action) => {
                let effects = self.state.apply(action);
                self.perform(ctx, effects);
            }
            Msg::Probed(probed) => {
                if let Probe::Pending(waiting) =
                    std::mem::replace(&mut self.probe, Probe::Done(probed))
                {
                    for message in waiting {
                        self.send(ctx, message);
                    }
                }
            }
            Msg::Batch(messages) => {
                for message in messages {
                    if let FromWorker::Progress { run, step, .. } = &message
                        && *step > 0
                        && *run == self.state.run
                        && self.first_step.is_none_or(|(seen, _)| seen != *run)
                    {
                        self.first_step = Some((*run, js::now_ms()));
                    }
                    let message = match message {
                        FromWorker::Fused { id, result } => {
                            self.lab.receive(id, result);
                            continue;
                        }
                        FromWorker::Toyed { id, result } => {
                            self.toy.receive(id, result);
                            self.schedule_draw();
                            continue;
                        }
                        other => other,
                    };
                    self.follow_run();
                    if let FromWorker::Finished {
                        run, predictions, ..
                    } = &message
                        && *run == self.state.run
                    {
                        self.lab
                            .set_source("this run".to_string(), Rc::new((**predictions).clone()));
                    }
                    let finished = matches!(&message,
                        FromWorker::Finished { run, .. } if *run == self.state.run);
                    let effects = self.state.apply(Action::Worker(message));
                    self.perform(ctx, effects);
                    if finished {
                        self.desk.store_run(&self.state);
                    }
                }
            }
            Msg::HashChanged => {
                let before = self.state.comparison_link.clone();
                let effects = self.state.apply(Action::Hash(current_hash()));
                self.perform(ctx, effects);
                if self.state.comparison_link != before {
                    self.desk.follow_link(self.state.comparison_link.as_ref());
                }
            }
            Msg::ExportChart(index) => {
                let exported = self.canvases[index]
                    .cast::<HtmlCanvasElement>()
                    .ok_or_else(|| "no canvas".to_string())
                    .and_then(|canvas| {
                        js::download_canvas(
                            &canvas,
                            &format!("seesaw-{}.png", CHARTS[index].testid),
                        )
                    });
                if let Err(message) = exported {
                    self.state.notices.push(format!("export failed: {message}"));
                }
                return false;
            }
            Msg::Compare(msg) => {
                for action in self.desk.update(msg, &self.state) {
                    let effects = self.state.apply(action);
                    self.perform(ctx, effects);
                }
                self.follow_run();
                if let Some((label, predictions)) = self.desk.take_opened() {
                    self.lab.set_source(label, predictions);
                }
            }
            Msg::Fusion(msg) => match self.lab.update(msg) {
                Some(Ok(message)) => self.perform(ctx, vec![Effect::Send(message)]),
                Some(Err(message)) => self.state.notices.push(format!("fusion: {message}")),
                None => {}
            },
            Msg::Toy(msg) => {
                match self.toy.update(msg) {
                    Some(Ok(message)) => self.perform(ctx, vec![Effect::Send(message)]),
                    Some(Err(message)) => self.state.notices.push(format!("toy: {message}")),
                    None => {}
                }
                self.schedule_draw();
            }
        }
        self.follow_run();
        true
    }

    /// A new run in the charts: the Fusion panel's predictions belong to the old one.
    fn follow_run(&mut self) {
        if self.state.run != self.lab_run {
            self.lab_run = self.state.run;
            self.lab.clear();
        }
    }

    fn page(&self) -> Html {
        let act = self.act.clone();
        let state = &self.state;
        html! {
            <div class="page">
                <header>
                    <h1>{ "Seesaw" }</h1>
                    { self.lesson_menu() }
                    <p class="tagline">{ "Train multi-task networks in your browser and watch \
                        the tasks help — or fight — each other." }</p>
                </header>
                { panels::notices(state, &act) }
                { self.lesson_view(&act) }
                { panels::status(state, &act, self.first_step_ms()) }
                <div class="main">
                    <controls::Controls
                        config={state.config.clone()}
                        hidden={state.hidden.clone()}
                        backend_choice={state.backend_choice}
                        stamp={state.notices.len()}
                        act={act.clone()}
                    />
                    <div class="charts-area">
                        { self.legend() }
                        <div class="charts">
                            { for CHARTS.iter().enumerate().map(|(k, chart)| self.chart(k, chart, &act)) }
                        </div>
                        { panels::results(state) }
                        { self.lab.view() }
                        { self.desk.view(state) }
                    </div>
                </div>
                <footer>
                    { "Seesaw runs entirely in this page: the model trains in a Web Worker on \
                       WebGPU or on the CPU (burn); nothing is sent anywhere." }
                </footer>
            </div>
        }
    }
}
