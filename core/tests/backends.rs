//! The native wgpu backend must train like the CPU backend. In the browser a WebGPU shader
//! that fails validation only logs and returns stale data, so this agreement is our guard.
//!
//! Every report of both backends is compared (the training loss and the validation loss of
//! every task), for four runs that cover the trainer's paths: mmoe with `equal` (one forward
//! and backward), ple with `pcgrad` (per-task shared gradients and a Gram matrix read to the
//! host each step), esmm on the `funnel` (masked tasks and the entire-space loss) and
//! `uncertainty` (the method's own parameters on the device).
//!
//! Runs where a Vulkan (or Metal/DX12) adapter exists: Mesa's lavapipe, installed by
//! scripts/setup, is enough. `SEESAW_REQUIRE_WGPU=1` (set by scripts/test) turns a missing
//! adapter into a failure instead of a skip.
#![cfg(feature = "gpu")]

mod common;

use burn::prelude::*;
use common::{assert_close, train, wgpu_or_skip};
use seesaw_core::Registry;
use seesaw_core::data::{CorrelatedConfig, DatasetConfig, FunnelConfig, SplitSizes};
use seesaw_core::model::{ArchConfig, EsmmConfig, PleConfig};
use seesaw_core::train::{HistoryEntry, RunConfig, TrainConfig};
use seesaw_core::weighting::{PcGradConfig, WeightingConfig};

/// Relative tolerance of a loss (against max(|loss|, 1)): float32 on two backends whose
/// reductions sum in different orders drift by ~1e-6 per step; six steps stay far below this.
const TOLERANCE: f64 = 1e-3;

fn small() -> SplitSizes {
    SplitSizes {
        train: 1024,
        validation: 256,
        test: 256,
    }
}

fn run(dataset: DatasetConfig, arch: ArchConfig, weighting: WeightingConfig) -> RunConfig {
    RunConfig {
        dataset,
        arch,
        weighting,
        train: TrainConfig {
            steps: 6,
            eval_every: 3,
            batch_size: 256,
            ..TrainConfig::default()
        },
        ..RunConfig::default()
    }
}

fn correlated() -> DatasetConfig {
    DatasetConfig::Correlated(CorrelatedConfig {
        samples: small(),
        ..Default::default()
    })
}

/// Every loss of every report, named for the failure message.
fn losses(history: &[HistoryEntry]) -> Vec<(String, f64)> {
    history
        .iter()
        .flat_map(|entry| {
            let train = entry
                .train_loss
                .iter()
                .enumerate()
                .map(move |(k, &loss)| (format!("step {} train loss {k}", entry.step), loss));
            let validation = entry.validation.iter().map(move |task| {
                (
                    format!("step {} validation loss {}", entry.step, task.name),
                    task.loss,
                )
            });
            train.chain(validation)
        })
        .collect()
}

#[test]
fn wgpu_and_flex_agree_on_every_report_of_four_runs() {
    let Some(wgpu) = wgpu_or_skip() else {
        return;
    };
    let runs = [
        run(
            correlated(),
            ArchConfig::default(),
            WeightingConfig::Equal(Default::default()),
        ),
        run(
            correlated(),
            ArchConfig::Ple(PleConfig::default()),
            WeightingConfig::PcGrad(PcGradConfig::default()),
        ),
        run(
            DatasetConfig::Funnel(FunnelConfig {
                samples: small(),
                ..Default::default()
            }),
            ArchConfig::Esmm(EsmmConfig::default()),
            WeightingConfig::Equal(Default::default()),
        ),
        run(
            correlated(),
            ArchConfig::default(),
            WeightingConfig::Uncertainty(Default::default()),
        ),
    ];
    for config in &runs {
        let name = format!("{} with {}", config.arch.id(), config.weighting.id());
        let on_cpu = losses(&train(config, &Device::flex()));
        let on_gpu = losses(&train(config, &wgpu));
        // Two reports (steps 3 and 6), each with the training and validation loss per task.
        assert_eq!(on_cpu.len(), 2 * 2 * 2, "{name}: flex reports");
        assert_close(&name, &on_cpu, &on_gpu, TOLERANCE, ("flex", "wgpu"));
    }
}
