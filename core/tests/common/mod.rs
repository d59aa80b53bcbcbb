//! What the integration tests share: one run trained alone, the wgpu device (or a skip), and
//! the comparison of two lists of named numbers.
#![allow(dead_code)] // each test crate uses its own part

use burn::prelude::*;
use seesaw_core::train::{HistoryEntry, RunConfig, Trainer};
use std::sync::Arc;

/// Every report of `config` trained alone on `device`.
pub fn train(config: &RunConfig, device: &Device) -> Vec<HistoryEntry> {
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

#[cfg(feature = "gpu")]
/// The wgpu device, or `None` (the test skips) where no adapter exists;
/// `SEESAW_REQUIRE_WGPU=1` (set by scripts/test) turns a missing adapter into a failure.
pub fn wgpu_or_skip() -> Option<Device> {
    match Device::wgpu_options().init() {
        Ok(device) => Some(device),
        Err(error) => {
            assert!(
                std::env::var("SEESAW_REQUIRE_WGPU").as_deref() != Ok("1"),
                "no wgpu adapter, but SEESAW_REQUIRE_WGPU=1: {error}"
            );
            eprintln!("skipped: no wgpu adapter ({error})");
            None
        }
    }
}

/// Asserts that `got` has the same names as `expected` and each value is finite and within
/// `tolerance` relative to max(|expected|, 1); returns the largest relative difference.
pub fn assert_close(
    name: &str,
    expected: &[(String, f64)],
    got: &[(String, f64)],
    tolerance: f64,
    labels: (&str, &str),
) -> f64 {
    assert_eq!(got.len(), expected.len(), "{name}: how many numbers");
    let mut largest = 0f64;
    for ((what, a), (_, b)) in expected.iter().zip(got) {
        let difference = (a - b).abs() / a.abs().max(1.0);
        assert!(
            a.is_finite() && difference <= tolerance,
            "{name}, {what}: {} {a} vs {} {b}",
            labels.0,
            labels.1
        );
        largest = largest.max(difference);
    }
    eprintln!("{name}: largest relative difference {largest:.2e}");
    largest
}
