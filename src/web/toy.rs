//! The 2-D toy view: both objectives' contours, the Pareto set, and each method's trajectory
//! from each start point, animated once the worker has run them (`ToWorker::Toy`). A click
//! on the view adds a start point. The state is the pure `crate::toy_lab`.

use super::draw::prepare;
use crate::protocol::ToWorker;
use crate::toy_lab::{TOY_METHODS, ToyLab, ToyPhase, contour, levels, value_grids};
use seesaw_core::toy::{ToyMethodRuns, ToyObjective};
use web_sys::{HtmlCanvasElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Grid points per side for the contours.
const GRID: usize = 90;
/// Contour levels per objective.
const LEVELS: usize = 9;
/// Animation frames from the start points to the ends.
const FRAMES: f64 = 90.0;
const MARGIN: f64 = 28.0;
/// f₁'s and f₂'s contour lines.
const COLORS: [&str; 2] = ["rgba(232, 89, 12, 0.35)", "rgba(28, 126, 214, 0.35)"];
/// One per method of [`TOY_METHODS`]'s length, distinct from each other.
const METHOD_COLORS: [&str; 8] = [
    "#e03131", "#1864ab", "#2f9e44", "#9c36b5", "#f08c00", "#0c8599", "#5c940d", "#c2255c",
];

/// What the view reacts to.
pub enum ToyMsg {
    /// The objective pair (`cagrad` or `concave`).
    Objective(String),
    /// Tick or untick a method.
    Toggle(String),
    /// Steps per run.
    Steps(usize),
    /// A click at (x, y) CSS pixels inside the canvas.
    Click(f64, f64),
    /// Remove every start point.
    ClearStarts,
    /// Run the ticked methods.
    Run,
}

/// The objective's drawing: its Pareto set and its contour segments (grid units).
struct Backdrop {
    objective: ToyObjective,
    pareto: Vec<[f64; 2]>,
    contours: [Vec<[f64; 4]>; 2],
}

impl Backdrop {
    fn of(objective: ToyObjective) -> Self {
        let grids = value_grids(objective, GRID);
        let contours = grids.map(|grid| {
            levels(&grid, LEVELS)
                .into_iter()
                .flat_map(|level| contour(&grid, GRID, level))
                .collect()
        });
        Self {
            objective,
            pareto: objective.pareto_set(0.1),
            contours,
        }
    }
}

/// The view.
pub struct ToyView {
    /// The state.
    pub lab: ToyLab,
    send: Callback<ToyMsg>,
    canvas: NodeRef,
    backdrop: Option<Backdrop>,
    /// Animation frames drawn since the result came (up to [`FRAMES`]).
    frame: f64,
    dirty: bool,
}

impl ToyView {
    /// The view; `send` delivers its messages back through the page.
    pub fn new(send: Callback<ToyMsg>) -> Self {
        Self {
            lab: ToyLab::default(),
            send,
            canvas: NodeRef::default(),
            backdrop: None,
            frame: 0.0,
            dirty: true,
        }
    }

    /// The Pareto set of the current objective, once drawn or run (for the lesson's
    /// paragraph).
    pub fn pareto(&self) -> Option<&[[f64; 2]]> {
        self.backdrop
            .as_ref()
            .filter(|b| b.objective == self.lab.objective)
            .map(|b| b.pareto.as_slice())
    }

    fn backdrop(&mut self) -> &Backdrop {
        let objective = self.lab.objective;
        if self
            .backdrop
            .as_ref()
            .is_none_or(|b| b.objective != objective)
        {
            self.backdrop = Some(Backdrop::of(objective));
        }
        self.backdrop.as_ref().expect("just made")
    }

    /// The worker's answer; the trajectories animate from their start points.
    pub fn receive(&mut self, id: u32, result: Result<Vec<ToyMethodRuns>, String>) {
        self.lab.receive(id, result);
        self.backdrop();
        self.frame = 0.0;
        self.dirty = true;
    }

    /// Applies `msg`; returns the message to send the worker, or a notice.
    pub fn update(&mut self, msg: ToyMsg) -> Option<Result<ToWorker, String>> {
        self.dirty = true;
        match msg {
            ToyMsg::Objective(id) => {
                if let Ok(objective) = ToyObjective::from_id(&id) {
                    self.lab.set_objective(objective);
                }
            }
            ToyMsg::Toggle(method) => self.lab.toggle(&method),
            ToyMsg::Steps(steps) => self.lab.steps = steps.max(1),
            ToyMsg::Click(x, y) => {
                let canvas = self.canvas.cast::<HtmlCanvasElement>()?;
                let (width, height) = (
                    f64::from(canvas.client_width()),
                    f64::from(canvas.client_height()),
                );
                let [x0, x1, y0, y1] = self.lab.objective.window();
                let side = (width.min(height) - 2.0 * MARGIN).max(1.0);
                let world = [
                    x0 + (x - MARGIN) / side * (x1 - x0),
                    y1 - (y - MARGIN) / side * (y1 - y0),
                ];
                self.lab.add_start(world);
            }
            ToyMsg::ClearStarts => self.lab.starts.clear(),
            ToyMsg::Run => return Some(self.lab.start()),
        }
        None
    }

    /// Draws the next frame if anything changed or the animation runs; whether another frame
    /// is wanted.
    pub fn draw_next(&mut self) -> bool {
        if !self.dirty {
            return false;
        }
        let animating = matches!(self.lab.phase, ToyPhase::Done(_)) && self.frame < FRAMES;
        self.draw();
        if animating {
            self.frame += 1.0;
        } else {
            self.dirty = false;
        }
        self.dirty
    }

    /// A click handler that runs the ticked methods (the lesson's button).
    pub fn run_on_click(&self) -> Callback<MouseEvent> {
        self.send.reform(|_: MouseEvent| ToyMsg::Run)
    }

    /// Whether a frame is due.
    pub fn needs_draw(&self) -> bool {
        self.dirty
    }

    fn draw(&mut self) {
        let Some(canvas) = self.canvas.cast::<HtmlCanvasElement>() else {
            return;
        };
        let Some((ctx, width, height)) = prepare(&canvas) else {
            return;
        };
        let progress = (self.frame / FRAMES).min(1.0);
        let [x0, x1, y0, y1] = self.lab.objective.window();
        let side = (width.min(height) - 2.0 * MARGIN).max(1.0);
        let px = move |x: f64| MARGIN + (x - x0) / (x1 - x0) * side;
        let py = move |y: f64| MARGIN + (y1 - y) / (y1 - y0) * side;
        let grid_x = move |g: f64| MARGIN + g / (GRID - 1) as f64 * side;
        let grid_y = move |g: f64| MARGIN + side - g / (GRID - 1) as f64 * side;
        let starts = self.lab.starts.clone();
        let phase = self.lab.phase.clone();
        let backdrop = self.backdrop();
        ctx.set_stroke_style_str("#ced4da");
        ctx.stroke_rect(MARGIN, MARGIN, side, side);
        for (k, segments) in backdrop.contours.iter().enumerate() {
            ctx.set_stroke_style_str(COLORS[k]);
            ctx.set_line_width(1.0);
            ctx.begin_path();
            for s in segments {
                ctx.move_to(grid_x(s[0]), grid_y(s[1]));
                ctx.line_to(grid_x(s[2]), grid_y(s[3]));
            }
            ctx.stroke();
        }
        ctx.set_stroke_style_str("#212529");
        ctx.set_line_width(3.0);
        ctx.begin_path();
        for (i, p) in backdrop.pareto.iter().enumerate() {
            if i == 0 {
                ctx.move_to(px(p[0]), py(p[1]));
            } else {
                ctx.line_to(px(p[0]), py(p[1]));
            }
        }
        ctx.stroke();
        ctx.set_fill_style_str("#495057");
        ctx.set_text_align("center");
        let _ = ctx.fill_text(
            &format!("x₁ from {x0} to {x1}, x₂ from {y0} to {y1}"),
            MARGIN + side / 2.0,
            height - 6.0,
        );
        if let ToyPhase::Done(methods) = &phase {
            for (m, method) in methods.iter().enumerate() {
                let color = METHOD_COLORS[m % METHOD_COLORS.len()];
                ctx.set_stroke_style_str(color);
                ctx.set_fill_style_str(color);
                ctx.set_line_width(2.0);
                for run in &method.runs {
                    let shown = ((run.trajectory.len() as f64 * progress).ceil() as usize)
                        .clamp(1, run.trajectory.len());
                    ctx.begin_path();
                    for (i, p) in run.trajectory[..shown].iter().enumerate() {
                        if i == 0 {
                            ctx.move_to(px(p[0]), py(p[1]));
                        } else {
                            ctx.line_to(px(p[0]), py(p[1]));
                        }
                    }
                    ctx.stroke();
                    let end = run.trajectory[shown - 1];
                    ctx.begin_path();
                    let _ = ctx.arc(px(end[0]), py(end[1]), 3.5, 0.0, std::f64::consts::TAU);
                    ctx.fill();
                }
                ctx.set_text_align("left");
                let _ = ctx.fill_text(
                    &method.method,
                    MARGIN + side + 8.0,
                    MARGIN + 14.0 * (m as f64 + 1.0),
                );
            }
        }
        ctx.set_stroke_style_str("#212529");
        ctx.set_line_width(1.5);
        for start in &starts {
            ctx.begin_path();
            let _ = ctx.arc(px(start[0]), py(start[1]), 5.0, 0.0, std::f64::consts::TAU);
            ctx.stroke();
        }
    }

    /// The view's controls, canvas and test hooks.
    pub fn view(&self) -> Html {
        let send = &self.send;
        let lab = &self.lab;
        let objective = send.reform(|e: Event| {
            ToyMsg::Objective(e.target_unchecked_into::<HtmlSelectElement>().value())
        });
        let steps = send.reform(|e: Event| {
            ToyMsg::Steps(
                e.target_unchecked_into::<HtmlInputElement>()
                    .value()
                    .parse()
                    .unwrap_or(1),
            )
        });
        let click = send.reform(|e: MouseEvent| {
            ToyMsg::Click(f64::from(e.offset_x()), f64::from(e.offset_y()))
        });
        let running = matches!(lab.phase, ToyPhase::Running(_));
        let finals = match &lab.phase {
            ToyPhase::Done(methods) => serde_json::to_string(
                &methods
                    .iter()
                    .map(|m| {
                        (
                            m.method.clone(),
                            m.runs.iter().map(|r| r.final_point).collect::<Vec<_>>(),
                        )
                    })
                    .collect::<Vec<_>>(),
            )
            .unwrap_or_default(),
            _ => String::new(),
        };
        html! {
            <div class="toy">
                <div class="compare-knobs">
                    <label>{ "objectives " }
                        <select onchange={objective} data-testid="toy-objective">
                            { for [ToyObjective::Cagrad, ToyObjective::Concave].into_iter().map(|o| html! {
                                <option value={o.id()} selected={o == lab.objective}>{ o.id() }</option>
                            }) }
                        </select></label>
                    <label>{ " steps " }
                        <input type="number" min="1" value={lab.steps.to_string()} onchange={steps}
                            data-testid="toy-steps" /></label>
                    <span data-testid="toy-starts">{ format!("{} start point(s)", lab.starts.len()) }</span>
                    <button class="small" onclick={send.reform(|_: MouseEvent| ToyMsg::ClearStarts)}>{ "clear" }</button>
                </div>
                <div class="checks">
                    { for TOY_METHODS.iter().map(|&id| {
                        let on = lab.methods.iter().any(|m| m == id);
                        let onchange = send.reform(move |_: Event| ToyMsg::Toggle(id.to_string()));
                        html! {
                            <label class="check"><input type="checkbox" checked={on} {onchange}
                                data-testid={format!("toy-method-{id}")} />{ id }</label>
                        }
                    }) }
                </div>
                <canvas ref={self.canvas.clone()} class="toy-canvas" onclick={click}
                    data-testid="toy-canvas" title="click to add a start point"></canvas>
                <p class="muted small">
                    { match &lab.phase {
                        ToyPhase::Idle => "press the lesson's button to run the ticked methods from the start points (circles)".to_string(),
                        ToyPhase::Running(_) => "running in the worker…".to_string(),
                        ToyPhase::Done(_) => "each colour one method; dots: where each run is".to_string(),
                        ToyPhase::Failed(message) => message.clone(),
                    } }
                </p>
                if running {
                    <span data-testid="toy-running" hidden=true></span>
                }
                <pre data-testid="toy-final" hidden=true>{ finals }</pre>
            </div>
        }
    }
}
