//! The status bar, the notices and the final results: plain markup from the page state.

use super::draw::task_color;
use crate::state::{Action, PageState};
use yew::prelude::*;

/// Play/pause, step, reset, and the live numbers (with the test hooks `play`, `step`,
/// `backend`, `task-loss`).
pub fn status(state: &PageState, act: &Callback<Action>, first_step_ms: Option<f64>) -> Html {
    let playing = state.playing;
    let toggle =
        act.reform(move |_: MouseEvent| if playing { Action::Pause } else { Action::Play });
    let step = act.reform(|_: MouseEvent| Action::Step);
    let reset = act.reform(|_: MouseEvent| Action::Reset);
    let backend = match &state.backend {
        Some(info) => format!("{} · {}", info.kind.label(), info.adapter),
        None => "starting…".to_string(),
    };
    let reason = state
        .backend
        .as_ref()
        .map(|b| b.reason.clone())
        .unwrap_or_default();
    let names = &state.charts.tasks;
    html! {
        <div class="status">
            <div class="buttons">
                <button class="play" data-testid="play" onclick={toggle}
                    disabled={!state.ready && !playing}
                    title={if playing { "pause" } else { "train" }}>
                    { if playing { "❚❚ Pause" } else { "▶ Play" } }
                </button>
                <button data-testid="step-once" onclick={step} title="one step">{ "Step" }</button>
                <button data-testid="reset" onclick={reset} title="back to step 0">{ "Reset" }</button>
            </div>
            <div class="numbers">
                <span class="number">
                    <small>{ "step" }</small>
                    <b data-testid="step">{ state.step }</b>
                    <span hidden=true data-testid="reports">{ state.history.len() }</span>
                    <span hidden=true data-testid="memory">{ format!("{} {}",
                        state.worker_memory, super::js::wasm_memory_bytes()) }</span>
                    <small>{ format!(" / {}", state.config.train.steps) }</small>
                </span>
                <span class="number">
                    <small>{ "steps/s" }</small>
                    <b data-testid="steps-per-second">{ format!("{:.1}", state.steps_per_second) }</b>
                </span>
                <span class="number backend" title={reason.clone()}>
                    <small>{ "backend" }</small>
                    <b data-testid="backend">{ backend }</b>
                    <small class="reason" data-testid="backend-reason">{ reason }</small>
                </span>
                if let Some(ms) = first_step_ms {
                    <span class="number">
                        <small>{ "first step" }</small>
                        <b>{ format!("{:.1} s", ms / 1000.0) }</b>
                        <span hidden=true data-testid="first-step-ms">{ format!("{ms:.0}") }</span>
                    </span>
                }
            </div>
            <div class="losses">
                { for names.iter().enumerate().map(|(k, name)| {
                    let loss = state.latest_loss.get(k).map_or("–".to_string(), |l| format!("{l:.5}"));
                    html! {
                        <span class="task-loss">
                            <i style={format!("background:{}", task_color(k))}></i>
                            { format!("{name} loss ") }
                            <b data-testid="task-loss">{ loss }</b>
                        </span>
                    }
                }) }
            </div>
        </div>
    }
}

/// The notice bar (test hook `notice`).
pub fn notices(state: &PageState, act: &Callback<Action>) -> Html {
    if state.notices.is_empty() {
        return html! {};
    }
    let dismiss = act.reform(|_: MouseEvent| Action::DismissNotices);
    html! {
        <div class="notices" role="status">
            { for state.notices.iter().map(|text| html! {
                <p class="notice" data-testid="notice">{ text }</p>
            }) }
            <button class="small" onclick={dismiss}>{ "dismiss" }</button>
        </div>
    }
}

/// The test-split results once the budget is spent.
pub fn results(state: &PageState) -> Html {
    let Some((report, comparison)) = &state.finished else {
        return html! {};
    };
    let baseline = |k: usize| {
        comparison
            .as_ref()
            .and_then(|c| c.baselines.tasks.get(k))
            .and_then(|t| t.test_value)
    };
    let gain = |k: usize| {
        comparison
            .as_ref()
            .and_then(|c| c.mtl_gain.get(k).copied().flatten())
    };
    let number = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.4}"));
    html! {
        <section class="results" data-testid="results">
            <h2>{ "Final evaluation (test split)" }</h2>
            <table>
                <tr><th>{ "task" }</th><th>{ "metric" }</th><th>{ "multi-task" }</th>
                    <th>{ "single-task" }</th><th>{ "MTL gain" }</th></tr>
                { for report.tasks.iter().enumerate().map(|(k, task)| html! {
                    <tr>
                        <td>{ &task.name }</td>
                        <td>{ task.metric.id() }</td>
                        <td>{ number(task.test_value) }</td>
                        <td>{ number(baseline(k)) }</td>
                        <td>{ number(gain(k)) }</td>
                    </tr>
                }) }
            </table>
            if let Some(delta) = comparison.as_ref().and_then(|c| c.delta_m) {
                <p>{ format!("Δm = {delta:+.2} % (mean relative improvement over the \
                              single-task baselines; higher is better)") }</p>
            }
        </section>
    }
}
