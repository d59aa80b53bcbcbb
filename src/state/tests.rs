use super::*;
use crate::protocol::BackendKind;
use seesaw_core::Registry;
use seesaw_core::train::{HistoryEntry, TaskEvaluation};

fn loaded(hash: &str) -> (PageState, Vec<Effect>) {
    let mut state = PageState::default();
    let effects = state.apply(Action::Hash(hash.to_string()));
    (state, effects)
}

fn configure(effects: &[Effect]) -> (u32, RunConfig, BackendChoice) {
    effects
        .iter()
        .find_map(|effect| match effect {
            Effect::Send(ToWorker::Configure {
                run,
                config,
                backend,
            }) => Some((*run, (**config).clone(), *backend)),
            _ => None,
        })
        .expect("a Configure message")
}

#[test]
fn a_link_loads_its_config_and_configures_the_worker() {
    let (state, effects) = loaded("#arch=ple&weighting=pcgrad&seed=3");
    assert_eq!(state.config.arch.id(), "ple");
    assert_eq!(state.config.weighting.id(), "pcgrad");
    assert_eq!(state.config.seed, 3);
    assert!(state.notices.is_empty(), "{:?}", state.notices);
    let (run, config, backend) = configure(&effects);
    assert_eq!((run, backend), (1, BackendChoice::Auto));
    assert_eq!(config, state.config);
    assert!(!state.playing, "a loaded link waits for play");
    assert!(effects.contains(&Effect::WriteHash(state.hash())));
}

#[test]
fn page_defaults_apply_only_to_keys_the_link_leaves_out() {
    let (state, _) = loaded("");
    assert_eq!(state.config.train.steps, PAGE_STEPS);
    assert!(state.config.baselines);
    let (state, _) = loaded("steps=40&baselines=false");
    assert_eq!(state.config.train.steps, 40);
    assert!(!state.config.baselines);
}

#[test]
fn invalid_values_give_notices_and_defaults_and_the_run_still_starts() {
    let (state, effects) = loaded("#arch=nonsense&backend=tpu&correlation=7");
    assert_eq!(state.config.arch.id(), "mmoe");
    assert_eq!(state.backend_choice, BackendChoice::Auto);
    let all = state.notices.join(" | ");
    assert!(all.contains("nonsense"), "{all}");
    assert!(all.contains("tpu"), "{all}");
    assert!(all.contains("correlation"), "{all}");
    configure(&effects);
}

#[test]
fn the_hash_round_trips_through_the_page_including_backend_and_hidden_keys() {
    let (state, _) = loaded("arch=cgc&backend=webgpu&hide=seed,correlation&seed=11");
    assert_eq!(state.backend_choice, BackendChoice::Webgpu);
    assert!(state.is_hidden("seed") && state.is_hidden("correlation"));
    let (again, _) = loaded(&state.hash());
    assert_eq!(again.config, state.config);
    assert_eq!(again.hidden, state.hidden);
    assert_eq!(again.backend_choice, state.backend_choice);
}

#[test]
fn editing_a_field_restarts_the_run_and_keeps_playing() {
    let (mut state, _) = loaded("");
    state.apply(Action::Play);
    let effects = state.apply(Action::SetField {
        key: "correlation".into(),
        value: "0.2".into(),
    });
    let (run, config, _) = configure(&effects);
    assert_eq!(run, 2);
    assert_eq!(
        serde_json::to_value(&config.dataset).unwrap()["correlation"],
        0.2
    );
    assert!(effects.contains(&Effect::Send(ToWorker::Play)));
    assert!(state.playing);
}

#[test]
fn an_out_of_range_edit_is_refused_with_a_notice_and_loses_nothing() {
    let (mut state, _) = loaded("seed=5");
    let before = state.config.clone();
    let effects = state.apply(Action::SetField {
        key: "learning_rate".into(),
        value: "-3".into(),
    });
    assert!(effects.is_empty());
    assert_eq!(state.config, before);
    assert!(
        state.notices[0].contains("learning_rate"),
        "{:?}",
        state.notices
    );
    let effects = state.apply(Action::SetField {
        key: "arch".into(),
        value: "esmm".into(),
    });
    assert!(effects.is_empty(), "ESMM needs the funnel dataset");
    assert_eq!(state.config, before);
}

#[test]
fn changing_a_kind_takes_that_kinds_defaults() {
    let (mut state, _) = loaded("");
    state.apply(Action::SetField {
        key: "weighting".into(),
        value: "cagrad".into(),
    });
    assert_eq!(state.config.weighting.id(), "cagrad");
    state.apply(Action::SetField {
        key: "optimizer".into(),
        value: "sgd".into(),
    });
    assert_eq!(state.config.train.optimizer.id(), "sgd");
    // The page's SGD is the run its own link and the CLI's `--optimizer sgd` make (it once
    // took momentum 0.9 where a link took 0).
    assert_eq!(
        state.config.train.optimizer,
        seesaw_core::url::decode("optimizer=sgd")
            .config
            .train
            .optimizer
    );
    state.apply(Action::SetField {
        key: "fm_factors".into(),
        value: "4".into(),
    });
    assert_eq!(state.config.fm.as_ref().map(|fm| fm.factors), Some(4));
    state.apply(Action::SetField {
        key: "fm_factors".into(),
        value: String::new(),
    });
    assert!(state.config.fm.is_none());
}

fn entry(step: usize, loss: f64) -> HistoryEntry {
    let task = |value| TaskEvaluation {
        name: "t".into(),
        loss,
        metric: seesaw_core::metrics::Metric::Mse,
        value: Some(value),
        better: seesaw_core::metrics::Better::Lower,
        extra: Default::default(),
    };
    HistoryEntry {
        step,
        train_loss: vec![loss, 2.0 * loss],
        weights: vec![1.0, 1.0],
        validation: vec![task(loss), task(loss)],
        gates: Vec::new(),
        gradient_cosine: vec![vec![1.0, -0.5], vec![-0.5, 1.0]],
    }
}

#[test]
fn worker_messages_update_the_view_and_stale_runs_are_ignored() {
    let (mut state, _) = loaded("");
    state.apply(Action::Worker(FromWorker::Ready {
        run: 1,
        backend: BackendInfo {
            kind: BackendKind::Cpu,
            adapter: "wasm32".into(),
            reason: "this browser has no WebGPU; training on the CPU".into(),
            fallback: true,
        },
        setup_ms: 10.0,
    }));
    assert!(state.ready);
    assert!(
        state.notices[0].contains("no WebGPU"),
        "fallbacks are announced"
    );
    state.apply(Action::Worker(FromWorker::Progress {
        run: 1,
        step: 7,
        steps_per_second: 100.0,
        running_loss: vec![0.5, 0.7],
        playing: true,
        memory_bytes: 0,
    }));
    assert_eq!((state.step, state.latest_loss.clone()), (7, vec![0.5, 0.7]));
    state.apply(Action::Worker(FromWorker::Report {
        run: 1,
        entry: Box::new(entry(10, 0.4)),
    }));
    state.apply(Action::Worker(FromWorker::Baseline {
        run: 1,
        entry: Box::new(entry(10, 0.5)),
    }));
    assert_eq!(state.latest_loss, vec![0.4, 0.8]);
    assert_eq!(state.charts.cosine[0].1.last(), Some(-0.5));
    assert_eq!(
        state.charts.version, 2,
        "each report bumps the charts' version"
    );
    let gains = &state.charts.trajectory.points()[0].1;
    assert!((gains[0].unwrap() - 20.0).abs() < 1e-9, "{gains:?}");
    // A message about an older run changes nothing.
    state.apply(Action::Worker(FromWorker::Progress {
        run: 0,
        step: 999,
        steps_per_second: 1.0,
        running_loss: vec![9.0, 9.0],
        playing: false,
        memory_bytes: 0,
    }));
    assert_eq!(state.step, 7);
}

#[test]
fn failures_pause_and_a_crashed_worker_is_restarted_on_reset() {
    let (mut state, _) = loaded("");
    state.apply(Action::Play);
    state.apply(Action::Worker(FromWorker::Failed {
        run: 1,
        message: "training diverged at step 12".into(),
    }));
    assert!(!state.playing);
    assert!(state.notices.iter().any(|n| n.contains("diverged")));
    state.apply(Action::WorkerCrashed("device lost".into()));
    let effects = state.apply(Action::Reset);
    assert_eq!(effects[0], Effect::RestartWorker);
    configure(&effects);
    assert!(state.failed.is_none());
}

#[test]
fn the_quadrant_shows_any_two_different_tasks_and_resets_when_they_vanish() {
    let (mut state, _) = loaded("tasks=4");
    assert_eq!(state.quadrant_tasks, (0, 1));
    state.apply(Action::SetQuadrantTasks(2, 3));
    assert_eq!(state.quadrant_tasks, (2, 3));
    state.apply(Action::SetQuadrantTasks(1, 1));
    state.apply(Action::SetQuadrantTasks(0, 9));
    assert_eq!(state.quadrant_tasks, (2, 3), "invalid pairs are ignored");
    state.apply(Action::SetField {
        key: "tasks".into(),
        value: "2".into(),
    });
    assert_eq!(state.quadrant_tasks, (0, 1));
}

/// One range per field: on both ends of every field's stated range, and just beyond them, a
/// control's edit is accepted exactly when a link with that value decodes without a notice
/// (the CLI's `--set` makes the same comparison in its own tests).
#[test]
fn controls_and_links_agree_on_every_fields_boundaries() {
    let mut checked = 0;
    for hash in [
        "",
        "dataset=funnel&arch=esmm&weighting=stch",
        "arch=ple&weighting=famo&optimizer=sgd&fm_factors=3",
        "dataset=scales&arch=cgc&weighting=gradnorm",
        "arch=cross-stitch&weighting=label-reweight",
    ] {
        let (state, _) = loaded(hash);
        for case in url::boundary_cases(&state.config) {
            let by_link = url::with_value(&state.config, &case.key, &case.value)
                .notices
                .is_empty();
            let by_control = state.edited(&case.key, &case.value).is_ok();
            assert_eq!(by_control, by_link, "{hash}: {case:?}");
            assert_eq!(by_link, case.inside, "{hash}: {case:?}");
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} boundary values");
}

/// A comparison's keys ride along in the link: decoded beside the run's, written back after
/// them, and a page reload of that link restores the same comparison.
#[test]
fn a_comparison_lives_in_the_link_beside_the_run() {
    let (mut state, _) = loaded(
        "arch=mmoe&steps=40&compare.weighting=equal,pcgrad&compare.seeds=1,2&compare.arch=nope",
    );
    let spec = state.comparison_link.clone().expect("a comparison");
    assert_eq!(spec.weighting, vec!["equal", "pcgrad"]);
    assert_eq!(spec.seeds, vec![1, 2]);
    assert!(spec.arch.is_empty());
    assert_eq!(state.notices.len(), 1, "{:?}", state.notices);
    assert!(state.notices[0].contains("`nope`"));
    assert_eq!(state.config.train.steps, 40, "the run's keys still decode");
    let hash = state.hash();
    assert!(
        hash.ends_with("&compare.weighting=equal,pcgrad&compare.seeds=1,2"),
        "{hash}"
    );
    let (again, _) = loaded(&hash);
    assert_eq!(again.comparison_link, Some(spec));
    assert!(again.notices.is_empty(), "{:?}", again.notices);
    let effects = state.apply(Action::SetComparisonLink(None));
    let Effect::WriteHash(hash) = &effects[0] else {
        panic!("{effects:?}")
    };
    assert!(!hash.contains("compare."), "{hash}");
}

/// A finished run opened from a comparison shows in the charts with its results.
#[test]
fn showing_a_stored_run_fills_the_charts_and_results() {
    let mut config = RunConfig::default();
    config.train.steps = 20;
    config.train.eval_every = 10;
    config.train.batch_size = 64;
    config.seed = 5;
    let train = |config: &RunConfig| {
        pollster::block_on(seesaw_core::train::run(
            config,
            &burn::prelude::Device::flex(),
            &|| 0.0,
            &mut |_| std::ops::ControlFlow::Continue(()),
        ))
        .unwrap()
    };
    let mut report = train(&config);
    let baseline = train(&seesaw_core::train::baseline_of(&config));
    report.add_baselines(baseline.final_report.clone());
    let (mut state, _) = loaded("");
    let effects = state.apply(Action::Show {
        report: Box::new(report.clone()),
        baseline: Some(Box::new(baseline)),
    });
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Send(ToWorker::Configure { .. })))
    );
    assert_eq!(state.config.seed, 5);
    assert!(state.config.baselines);
    assert_eq!(state.step, 20);
    assert_eq!(state.charts.train_loss[0].points().len(), 2);
    assert_eq!(
        state.charts.trajectory.points().len(),
        2,
        "model and baseline paired"
    );
    let (_, comparison) = state.finished.clone().expect("results shown");
    assert_eq!(comparison, report.comparison);
}

/// A run left going keeps a bounded history: every other report is dropped when it is full,
/// the newest always kept.
#[test]
fn the_kept_history_is_bounded() {
    let mut history = Vec::new();
    let entry = |step: usize| HistoryEntry {
        step,
        train_loss: vec![1.0],
        weights: vec![1.0],
        validation: Vec::new(),
        gates: Vec::new(),
        gradient_cosine: Vec::new(),
    };
    for step in 1..=10 * MAX_HISTORY {
        keep_bounded(&mut history, entry(step));
        assert!(history.len() <= MAX_HISTORY, "{}", history.len());
    }
    assert_eq!(history.last().unwrap().step, 10 * MAX_HISTORY);
    assert!(history.len() > MAX_HISTORY / 2);
    assert!(history.windows(2).all(|w| w[0].step < w[1].step));
}

/// A lost GPU device: the run goes on on the CPU from its last report, with a notice; the
/// charts are kept and the page keeps playing.
#[test]
fn a_lost_device_is_a_notice_and_the_run_goes_on() {
    let (mut state, _) = loaded("backend=webgpu&eval_every=5");
    state.apply(Action::Play);
    let entry = HistoryEntry {
        step: 5,
        train_loss: vec![1.0, 1.0],
        weights: vec![1.0, 1.0],
        validation: Vec::new(),
        gates: Vec::new(),
        gradient_cosine: Vec::new(),
    };
    state.apply(Action::Worker(FromWorker::Report {
        run: state.run,
        entry: Box::new(entry),
    }));
    let effects = state.apply(Action::Worker(FromWorker::DeviceLost {
        run: state.run,
        message: "device error: the staging buffer could not be mapped".into(),
        resumed_at: 5,
    }));
    assert!(effects.is_empty(), "no restart: the worker carries on");
    assert!(state.playing);
    assert_eq!(state.step, 5);
    assert_eq!(state.history.len(), 1, "the charts' reports are kept");
    assert_eq!(state.backend.as_ref().unwrap().kind, BackendKind::Cpu);
    assert!(
        state
            .notices
            .iter()
            .any(|n| n.contains("lost") && n.contains("step 5"))
    );
}

#[test]
fn a_lesson_link_opens_its_preset_and_keeps_its_own_keys() {
    let (state, _) = loaded("#lesson=seesaw&steps=40&hide=steps");
    assert_eq!(state.lesson, Some("seesaw"));
    assert_eq!(state.config.arch.id(), "shared-bottom");
    assert_eq!(state.config.train.steps, 40, "the link's own key wins");
    assert!(state.config.baselines);
    assert!(state.is_hidden("steps"));
    assert!(state.notices.is_empty(), "{:?}", state.notices);
    let hash = state.hash();
    assert!(hash.ends_with("&lesson=seesaw"), "{hash}");
    let (again, _) = loaded(&hash);
    assert_eq!(again.config, state.config);
    assert_eq!(again.lesson, Some("seesaw"));
    // A comparison lesson fills the comparison link.
    let (state, _) = loaded("#lesson=mmoe");
    let spec = state.comparison_link.expect("a comparison");
    assert_eq!(spec.arch, ["shared-bottom", "omoe", "mmoe"]);
    let (state, _) = loaded("#lesson=missing&arch=mmoe");
    assert!(state.lesson.is_none());
    assert!(
        state
            .notices
            .iter()
            .any(|n| n.contains("unknown lesson `missing`"))
    );
    assert_eq!(state.config.arch.id(), "mmoe");
}
