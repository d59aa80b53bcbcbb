//! The control panel. Every knob comes from the config itself (`seesaw_core::url::fields`):
//! a registered dataset, architecture or method shows its own fields with their defaults, and
//! an out-of-range value is refused with the validator's message, which states the range.

use crate::catalog;
use crate::protocol::BackendChoice;
use crate::state::Action;
use seesaw_core::Registry;
use seesaw_core::registry::{is_kind_key, kind_ids};
use seesaw_core::train::RunConfig;
use seesaw_core::url::{Field, Section, fields};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Keys drawn as sliders: (key, min, max, step).
const SLIDERS: [(&str, f64, f64, f64); 1] = [("correlation", -1.0, 1.0, 0.05)];

/// What the panel shows. It re-renders only when these change (not on every progress
/// message), which keeps the page's frames short while training.
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// The run config.
    pub config: RunConfig,
    /// Hidden keys.
    pub hidden: Vec<String>,
    /// The backend asked for.
    pub backend_choice: BackendChoice,
    /// Changes when a notice is added (recreates the inputs, so a refused edit shows the
    /// kept value).
    pub stamp: usize,
    /// Where the actions go.
    pub act: Callback<Action>,
}

impl ControlsProps {
    fn is_hidden(&self, key: &str) -> bool {
        self.hidden.iter().any(|k| k == key)
    }
}

/// The whole panel.
#[function_component]
pub fn Controls(props: &ControlsProps) -> Html {
    let (state, act) = (props, &props.act);
    let all = fields(&state.config);
    let of = |section: Section| -> Vec<&Field> {
        all.iter()
            .filter(|f| f.section == section)
            .filter(|f| !is_kind_key(&f.key))
            .collect()
    };
    let dataset_ids = kind_ids("dataset");
    let arch_ids = kind_ids("arch");
    let method_ids = kind_ids("weighting");
    let optimizer_ids = kind_ids("optimizer");
    let (dataset, arch, method) = (
        state.config.dataset.id(),
        state.config.arch.id(),
        state.config.weighting.id(),
    );
    let seed_field = all.iter().find(|f| f.key == "seed");
    let baselines = all.iter().find(|f| f.key == "baselines");
    let fm_on = state.config.fm.is_some();
    let fm_toggle = {
        let act = act.clone();
        Callback::from(move |event: Event| {
            let on = event.target_unchecked_into::<HtmlInputElement>().checked();
            act.emit(Action::SetField {
                key: "fm_factors".into(),
                value: if on { "4".into() } else { String::new() },
            });
        })
    };
    let reseed = {
        let act = act.clone();
        Callback::from(move |_: MouseEvent| {
            act.emit(Action::Reseed((js_sys::Math::random() * 1e6).floor() as u64));
        })
    };
    let backend = {
        let act = act.clone();
        Callback::from(move |event: Event| {
            let id = event.target_unchecked_into::<HtmlSelectElement>().value();
            if let Ok(choice) = BackendChoice::from_id(&id) {
                act.emit(Action::SetBackend(choice));
            }
        })
    };
    let stamp = props.stamp;
    html! {
        <aside class="controls">
            <section>
                <h2>{ "Data" }</h2>
                { kind_select(state, "dataset", dataset, &dataset_ids, act) }
                { explain(catalog::dataset(dataset)) }
                { for of(Section::Dataset).into_iter().map(|f| input(state, f, act, stamp)) }
            </section>
            <section>
                <h2>{ "Model" }</h2>
                { kind_select(state, "arch", arch, &arch_ids, act) }
                { explain(catalog::arch(arch)) }
                { for of(Section::Arch).into_iter().map(|f| input(state, f, act, stamp)) }
                if !state.is_hidden("fm_factors") {
                    <label class="field check">
                        <input type="checkbox" checked={fm_on} onchange={fm_toggle} />
                        { "FM interaction term (DeepFM-style, per task)" }
                    </label>
                    if let Some(field) = all.iter().find(|f| f.key == "fm_factors") {
                        { input(state, field, act, stamp) }
                    }
                }
            </section>
            <section>
                <h2>{ "Method" }</h2>
                { kind_select(state, "weighting", method, &method_ids, act) }
                { explain(catalog::method(method)) }
                { for of(Section::Weighting).into_iter().map(|f| input(state, f, act, stamp)) }
            </section>
            <section>
                <h2>{ "Training" }</h2>
                { kind_select(state, "optimizer", state.config.train.optimizer.id(), &optimizer_ids, act) }
                { for of(Section::Train).into_iter().map(|f| input(state, f, act, stamp)) }
            </section>
            <section>
                <h2>{ "Run" }</h2>
                if let Some(seed) = seed_field {
                    if !state.is_hidden("seed") {
                        <div class="seed-row">
                            { input(state, seed, act, stamp) }
                            <button class="small" data-testid="regenerate" onclick={reseed}
                                title="a new seed: new data, initialisation and batches">
                                { "regenerate" }
                            </button>
                        </div>
                    }
                }
                if let Some(field) = baselines {
                    { input(state, field, act, stamp) }
                }
                if !state.is_hidden("backend") {
                    <label class="field">
                        <span>{ "backend" }</span>
                        <select data-testid="backend-choice" onchange={backend}>
                            { for BackendChoice::ALL.iter().map(|choice| html! {
                                <option value={choice.id()}
                                    selected={*choice == state.backend_choice}>
                                    { choice.id() }
                                </option>
                            }) }
                        </select>
                    </label>
                }
            </section>
        </aside>
    }
}

fn explain(entry: Option<catalog::Entry>) -> Html {
    match entry {
        Some(entry) => html! {
            <p class="explain">{ entry.text }<br /><cite>{ entry.paper }</cite></p>
        },
        None => html! {},
    }
}

fn kind_select(
    state: &ControlsProps,
    key: &'static str,
    current: &str,
    ids: &[&str],
    act: &Callback<Action>,
) -> Html {
    if state.is_hidden(key) {
        return html! { <p class="locked">{ format!("{key}: {current}") }</p> };
    }
    let onchange = {
        let act = act.clone();
        Callback::from(move |event: Event| {
            let value = event.target_unchecked_into::<HtmlSelectElement>().value();
            act.emit(Action::SetField {
                key: key.into(),
                value,
            });
        })
    };
    html! {
        <label class="field">
            <span>{ key }</span>
            <select data-key={key} {onchange}>
                { for ids.iter().map(|id| html! {
                    <option value={id.to_string()} selected={*id == current}>{ *id }</option>
                }) }
            </select>
        </label>
    }
}

fn input(state: &ControlsProps, field: &Field, act: &Callback<Action>, stamp: usize) -> Html {
    if state.is_hidden(&field.key) {
        return html! {};
    }
    let key = field.key.clone();
    let label = field.key.replace('_', " ");
    let send = {
        let act = act.clone();
        move |value: String| {
            act.emit(Action::SetField {
                key: key.clone(),
                value,
            })
        }
    };
    // Recreated when the value or the notices change, so a refused edit shows the kept value.
    let element_key = format!("{}={}#{stamp}", field.key, field.value);
    if field.value == "true" || field.value == "false" {
        let onchange = Callback::from(move |event: Event| {
            let checked = event.target_unchecked_into::<HtmlInputElement>().checked();
            send(checked.to_string());
        });
        return html! {
            <label class="field check" key={element_key}>
                <input type="checkbox" data-key={field.key.clone()}
                    checked={field.value == "true"} {onchange} />
                { label }
            </label>
        };
    }
    let onchange = Callback::from(move |event: Event| {
        send(event.target_unchecked_into::<HtmlInputElement>().value());
    });
    if let Some(&(_, min, max, step)) = SLIDERS.iter().find(|(k, ..)| *k == field.key) {
        return html! {
            <label class="field" key={element_key}>
                <span>{ format!("{label}: {}", field.value) }</span>
                <input type="range" data-key={field.key.clone()} min={min.to_string()}
                    max={max.to_string()} step={step.to_string()}
                    value={field.value.clone()} {onchange} />
            </label>
        };
    }
    html! {
        <label class="field" key={element_key}>
            <span>{ label }</span>
            <input type="text" data-key={field.key.clone()} value={field.value.clone()}
                spellcheck="false" {onchange} />
        </label>
    }
}
