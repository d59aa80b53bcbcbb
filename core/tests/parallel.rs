//! Runs trained together as one stacked model ([`ParallelTrainer`]) must train exactly as each
//! run trained alone: every report's training losses, task weights and validation losses agree
//! within float tolerance. The runs differ in everything a run owns (seed, so data, initial
//! weights and batch order; weighting method; learning rate), on flex and, where an adapter
//! exists, on wgpu (lavapipe in CI).

mod common;

use burn::prelude::*;
#[cfg(feature = "gpu")]
use common::wgpu_or_skip;
use common::{assert_close, train};
use seesaw_core::Registry;
use seesaw_core::data::{CorrelatedConfig, DatasetConfig, SplitSizes};
use seesaw_core::model::{ArchConfig, MoeConfig, OmoeConfig, PleConfig, SharedBottomConfig};
use seesaw_core::train::{
    HistoryEntry, OptimizerConfig, ParallelTrainer, RunConfig, SgdConfig, TrainConfig, Trainer,
    stack_key,
};
use seesaw_core::weighting::WeightingConfig;
use std::sync::Arc;

/// Relative tolerance (against max(|value|, 1)): the stacked model sums in a different order.
const TOLERANCE: f64 = 1e-4;

fn run(arch: &ArchConfig, seed: u64, method: &str, learning_rate: f64) -> RunConfig {
    RunConfig {
        dataset: DatasetConfig::Correlated(CorrelatedConfig {
            samples: SplitSizes {
                train: 1024,
                validation: 256,
                test: 256,
            },
            ..Default::default()
        }),
        arch: arch.clone(),
        weighting: seesaw_core::Registry::from_id(method).unwrap(),
        seed,
        train: TrainConfig {
            // Four steps an epoch: the reports fall on epoch ends (DWA's weights move).
            steps: 12,
            eval_every: 4,
            batch_size: 256,
            learning_rate,
            ..TrainConfig::default()
        },
        ..RunConfig::default()
    }
}

fn trainer(config: &RunConfig, device: &Device) -> Trainer {
    let data = Arc::new(config.dataset.generate(config.seed).unwrap());
    Trainer::new(config, data, device).unwrap()
}

fn together(configs: &[RunConfig], device: &Device) -> Vec<Vec<HistoryEntry>> {
    let trainers = configs.iter().map(|c| trainer(c, device)).collect();
    let mut parallel = ParallelTrainer::new(trainers).unwrap();
    let mut histories = vec![Vec::new(); configs.len()];
    while !parallel.is_done() {
        pollster::block_on(parallel.step()).unwrap();
        if parallel.is_report_due() {
            let reports = pollster::block_on(parallel.reports());
            for (history, report) in histories.iter_mut().zip(reports) {
                history.push(report.unwrap());
            }
        }
    }
    histories
}

/// Every number of every report that training decides, named for the failure message.
fn numbers(history: &[HistoryEntry]) -> Vec<(String, f64)> {
    history
        .iter()
        .flat_map(|entry| {
            let step = entry.step;
            let losses = entry
                .train_loss
                .iter()
                .enumerate()
                .map(move |(k, &v)| (format!("step {step} train loss {k}"), v));
            let weights = entry
                .weights
                .iter()
                .enumerate()
                .map(move |(k, &v)| (format!("step {step} weight {k}"), v));
            let validation = entry.validation.iter().map(move |task| {
                (
                    format!("step {step} validation loss {}", task.name),
                    task.loss,
                )
            });
            losses.chain(weights).chain(validation).collect::<Vec<_>>()
        })
        .collect()
}

fn check_runs_match(configs: &[RunConfig], device: &Device) {
    let stacked = together(configs, device);
    for (config, history) in configs.iter().zip(&stacked) {
        let name = format!(
            "{} seed {} {} lr {}",
            seesaw_core::Registry::id(&config.arch),
            config.seed,
            seesaw_core::Registry::id(&config.weighting),
            config.train.learning_rate
        );
        let expected = numbers(&train(config, device));
        assert_eq!(expected.len(), 3 * 3 * 2, "{name}: three reports");
        assert_close(
            &name,
            &expected,
            &numbers(history),
            TOLERANCE,
            ("alone", "stacked"),
        );
    }
    // The runs really differ (a stacked model that trained one run K times would pass above
    // only if every run were the same).
    assert_ne!(numbers(&stacked[0]), numbers(&stacked[1]));
}

/// Four runs per architecture: two seeds, four methods (fixed weights, host-read losses,
/// epoch-end updates, the method's own device parameters), two learning rates.
fn mixed_runs(arch: &ArchConfig) -> Vec<RunConfig> {
    vec![
        run(arch, 1, "equal", 1e-3),
        run(arch, 2, "dwa", 3e-3),
        run(arch, 3, "uncertainty", 1e-3),
        run(arch, 1, "rlw", 2e-3),
    ]
}

fn stackable() -> Vec<ArchConfig> {
    vec![
        ArchConfig::Mmoe(MoeConfig::default()),
        ArchConfig::Omoe(OmoeConfig::default()),
        ArchConfig::SharedBottom(SharedBottomConfig::default()),
    ]
}

#[test]
fn stacked_runs_train_as_each_run_alone_on_flex() {
    for arch in stackable() {
        check_runs_match(&mixed_runs(&arch), &Device::flex());
    }
    // SGD with momentum, per-run learning rates.
    let sgd = |seed, lr| {
        let mut config = run(&ArchConfig::default(), seed, "equal", lr);
        config.train.optimizer = OptimizerConfig::Sgd(SgdConfig { momentum: 0.9 });
        config
    };
    check_runs_match(&[sgd(4, 0.05), sgd(5, 0.01)], &Device::flex());
}

#[cfg(feature = "gpu")]
#[test]
fn stacked_runs_train_as_each_run_alone_on_wgpu() {
    let Some(wgpu) = wgpu_or_skip() else {
        return;
    };
    check_runs_match(&mixed_runs(&ArchConfig::default()), &wgpu);
}

#[test]
fn runs_that_cannot_share_kernels_are_refused_by_name() {
    let device = Device::flex();
    let refused = |configs: &[RunConfig]| {
        let trainers = configs.iter().map(|c| trainer(c, &device)).collect();
        match ParallelTrainer::new(trainers) {
            Ok(_) => panic!("stacked runs that cannot share kernels"),
            Err(error) => error.to_string(),
        }
    };
    let mmoe = ArchConfig::default();
    let message = refused(&[run(&mmoe, 1, "equal", 1e-3), run(&mmoe, 2, "pcgrad", 1e-3)]);
    assert!(
        message.contains("pcgrad needs per-task gradients"),
        "{message}"
    );
    let ple = ArchConfig::Ple(PleConfig::default());
    let message = refused(&[run(&ple, 1, "equal", 1e-3), run(&ple, 2, "equal", 1e-3)]);
    assert!(message.contains("ple has no stacked form"), "{message}");
    let bottom = ArchConfig::SharedBottom(SharedBottomConfig::default());
    let message = refused(&[run(&mmoe, 1, "equal", 1e-3), run(&bottom, 2, "equal", 1e-3)]);
    assert!(message.contains("must share the architecture"), "{message}");
    let mut longer = run(&mmoe, 2, "equal", 1e-3);
    longer.train.steps = 20;
    let message = refused(&[run(&mmoe, 1, "equal", 1e-3), longer.clone()]);
    assert!(message.contains("must share the architecture"), "{message}");
    assert_ne!(
        stack_key(&run(&mmoe, 1, "equal", 1e-3)).unwrap(),
        stack_key(&longer).unwrap(),
        "the page would not group them either"
    );
    let message = refused(&[
        run(&mmoe, 1, "equal", 1e-3),
        run(&mmoe, 2, "label-reweight", 1e-3),
    ]);
    assert!(message.contains("re-weights rows"), "{message}");
    assert!(refused(&[]).contains("no runs"));
}

/// Steps two runs of `configs` stacked to the end; `Err` with the refusal when they cannot.
fn try_together(configs: &[RunConfig], device: &Device) -> Result<(), String> {
    let trainers = configs.iter().map(|c| trainer(c, device)).collect();
    let mut parallel = ParallelTrainer::new(trainers).map_err(|e| e.to_string())?;
    while !parallel.is_done() {
        pollster::block_on(parallel.step()).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// What the page groups by (`stack_key`, from the settings alone) is what `ParallelTrainer`
/// does: every method and every architecture that says it trains stacked does, and trains as
/// each run alone; every other is refused. Same seeds and steps, different learning rates.
#[test]
fn every_method_and_architecture_trains_stacked_exactly_when_it_says_so() {
    let device = Device::flex();
    let mmoe = ArchConfig::default();
    let mut stacking = Vec::new();
    for method in WeightingConfig::ids() {
        let configs = [run(&mmoe, 1, method, 1e-3), run(&mmoe, 2, method, 2e-3)];
        let declared = configs[0].weighting.settings().trains_stacked();
        let done = try_together(&configs, &device);
        assert_eq!(
            done.is_ok(),
            declared,
            "{method}: declared {declared}, got {done:?}"
        );
        assert_eq!(stack_key(&configs[0]).is_ok(), declared, "{method}'s key");
        if declared {
            check_runs_match(&configs, &device);
            stacking.push(method);
        }
    }
    eprintln!("methods that train stacked: {stacking:?}");
    assert!(
        stacking.len() >= 8,
        "the loss-only methods stack: {stacking:?}"
    );
    for arch in ArchConfig::all() {
        let id = arch.id();
        let fits = |data: &DatasetConfig| {
            let mut config = run(&arch, 1, "equal", 1e-3);
            config.dataset = data.clone();
            config.validate().is_ok()
        };
        let Some(dataset) = DatasetConfig::all().into_iter().find(fits) else {
            panic!("{id} fits no dataset");
        };
        let configs: Vec<RunConfig> = [(1, 1e-3), (2, 2e-3)]
            .into_iter()
            .map(|(seed, lr)| RunConfig {
                dataset: dataset.clone(),
                ..run(&arch, seed, "equal", lr)
            })
            .collect();
        let declared = arch.settings().trains_stacked();
        let done = try_together(&configs, &device);
        assert_eq!(
            done.is_ok(),
            declared,
            "{id}: declared {declared}, got {done:?}"
        );
        assert_eq!(stack_key(&configs[0]).is_ok(), declared, "{id}'s key");
    }
}

/// A run that diverges fails alone: its reports are errors, and the run beside it trains on
/// as if alone (its NaNs stay in its own block of every parameter).
#[test]
fn a_diverging_run_fails_alone() {
    let device = Device::flex();
    let sgd = |seed, learning_rate| {
        let mut config = run(
            &ArchConfig::SharedBottom(SharedBottomConfig::default()),
            seed,
            "equal",
            learning_rate,
        );
        config.dataset = DatasetConfig::from_id("scales").unwrap();
        config.train.optimizer = OptimizerConfig::Sgd(SgdConfig::default());
        config.train.steps = 30;
        config.train.eval_every = 10;
        config
    };
    let configs = [sgd(1, 1e-3), sgd(2, 10.0)];
    let trainers = configs.iter().map(|c| trainer(c, &device)).collect();
    let mut parallel = ParallelTrainer::new(trainers).unwrap();
    let (mut calm, mut diverged) = (Vec::new(), None);
    while !parallel.is_done() {
        pollster::block_on(parallel.step()).unwrap();
        if parallel.is_report_due() {
            let mut reports = pollster::block_on(parallel.reports()).into_iter();
            calm.push(reports.next().unwrap().expect("the calm run reports"));
            if let Err(error) = reports.next().unwrap() {
                diverged.get_or_insert(error.to_string());
            }
        }
    }
    let diverged = diverged.expect("the run at learning rate 10 diverges");
    assert!(diverged.contains("diverged"), "{diverged}");
    assert_close(
        "the calm run",
        &numbers(&train(&configs[0], &device)),
        &numbers(&calm),
        TOLERANCE,
        ("alone", "beside a diverging run"),
    );
}
