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
use seesaw_core::data::{CorrelatedConfig, DatasetConfig, SplitSizes};
use seesaw_core::model::{ArchConfig, MoeConfig, OmoeConfig, PleConfig, SharedBottomConfig};
use seesaw_core::train::{
    HistoryEntry, OptimizerConfig, ParallelTrainer, RunConfig, SgdConfig, TrainConfig, Trainer,
};
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
            let reports = pollster::block_on(parallel.reports()).unwrap();
            for (history, report) in histories.iter_mut().zip(reports) {
                history.push(report);
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
    assert!(
        message.contains("`arch`: runs trained in parallel must share it"),
        "{message}"
    );
    let mut longer = run(&mmoe, 2, "equal", 1e-3);
    longer.train.steps = 20;
    let message = refused(&[run(&mmoe, 1, "equal", 1e-3), longer]);
    assert!(message.contains("train.steps"), "{message}");
    let message = refused(&[
        run(&mmoe, 1, "equal", 1e-3),
        run(&mmoe, 2, "label-reweight", 1e-3),
    ]);
    assert!(message.contains("re-weights rows"), "{message}");
    assert!(refused(&[]).contains("no runs"));
}
