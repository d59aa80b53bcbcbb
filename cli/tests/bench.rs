//! `seesaw bench` counts the kernels launched per step on the wgpu device (lavapipe is enough;
//! `SEESAW_REQUIRE_WGPU=1`, set by scripts/test, turns a missing adapter into a failure).
#![cfg(feature = "gpu")]

use std::process::Command;

fn bench(backend: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_seesaw"))
        .args([
            "bench",
            "--arch",
            "shared-bottom",
            "--backend",
            backend,
            "--steps",
            "3",
            "--warmup",
            "1",
        ])
        .output()
        .expect("the seesaw binary runs")
}

/// The last column of the one result line.
fn dispatches(output: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].ends_with("dispatches/step"), "{stdout}");
    lines[1]
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn bench_counts_dispatches_on_wgpu_and_none_on_flex() {
    let flex = bench("flex");
    assert!(
        flex.status.success(),
        "{}",
        String::from_utf8_lossy(&flex.stderr)
    );
    assert_eq!(dispatches(&flex), "–", "flex launches no kernels");
    let wgpu = bench("wgpu");
    if !wgpu.status.success() {
        let stderr = String::from_utf8_lossy(&wgpu.stderr);
        assert!(
            std::env::var("SEESAW_REQUIRE_WGPU").as_deref() != Ok("1"),
            "no wgpu adapter, but SEESAW_REQUIRE_WGPU=1: {stderr}"
        );
        eprintln!("skipped: no wgpu adapter ({stderr})");
        return;
    }
    let per_step: f64 = dispatches(&wgpu).parse().expect("a number");
    // A forward, a backward and an Adam update of every parameter tensor: dozens at least.
    assert!(per_step >= 20.0, "{per_step} dispatches per step");
}
