//! The native wgpu backend must train like the CPU backend. In the browser a WebGPU shader
//! that fails validation only logs and returns stale data, so this agreement is our guard.
//!
//! Runs where a Vulkan (or Metal/DX12) adapter exists: Mesa's lavapipe, installed by
//! scripts/setup, is enough. `SEESAW_REQUIRE_WGPU=1` (set by scripts/test) turns a missing
//! adapter into a failure instead of a skip.
#![cfg(feature = "gpu")]

use burn::prelude::*;
use seesaw_core::data::{CorrelatedConfig, DatasetConfig, SplitSizes};
use seesaw_core::model::ArchConfig;
use seesaw_core::train::{HistoryEntry, RunConfig, TrainConfig, Trainer};
use std::sync::Arc;

fn train(config: &RunConfig, device: &Device) -> Vec<HistoryEntry> {
    let data = Arc::new(config.dataset.generate(config.seed).unwrap());
    let mut trainer = Trainer::new(config, data, device).unwrap();
    let mut history = Vec::new();
    while !trainer.is_done() {
        pollster::block_on(trainer.step()).unwrap();
        if trainer.is_report_due() {
            history.push(pollster::block_on(trainer.report()).unwrap());
        }
    }
    history
}

#[test]
fn wgpu_and_flex_agree_on_a_few_mmoe_steps() {
    let wgpu = match Device::wgpu_options().init() {
        Ok(device) => device,
        Err(error) => {
            assert!(
                std::env::var("SEESAW_REQUIRE_WGPU").as_deref() != Ok("1"),
                "no wgpu adapter, but SEESAW_REQUIRE_WGPU=1: {error}"
            );
            eprintln!("skipped: no wgpu adapter ({error})");
            return;
        }
    };
    let config = RunConfig {
        dataset: DatasetConfig::Correlated(CorrelatedConfig {
            samples: SplitSizes {
                train: 1024,
                validation: 256,
                test: 256,
            },
            ..Default::default()
        }),
        arch: ArchConfig::default(),
        train: TrainConfig {
            steps: 6,
            eval_every: 3,
            batch_size: 256,
            ..TrainConfig::default()
        },
        ..RunConfig::default()
    };
    let on_cpu = train(&config, &Device::flex());
    let on_gpu = train(&config, &wgpu);
    for (cpu, gpu) in on_cpu.iter().zip(&on_gpu) {
        let pairs = cpu.train_loss.iter().zip(&gpu.train_loss).chain(
            cpu.validation
                .iter()
                .map(|t| &t.loss)
                .zip(gpu.validation.iter().map(|t| &t.loss)),
        );
        for (a, b) in pairs {
            assert!(
                (a - b).abs() <= 1e-3 * a.abs().max(1.0),
                "step {}: flex {a} vs wgpu {b}",
                cpu.step
            );
        }
    }
    assert_eq!(on_cpu.len(), 2);
}
