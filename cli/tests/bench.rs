//! `seesaw bench` counts the kernels launched per step on the wgpu device (lavapipe is enough;
//! `SEESAW_REQUIRE_WGPU=1`, set by scripts/test, turns a missing adapter into a failure), and
//! times stacked runs, writing its rows as JSON.

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

/// The dispatches column of the one result line.
fn dispatches(output: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let column = lines[0]
        .split_whitespace()
        .position(|name| name == "dispatches/step")
        .unwrap_or_else(|| panic!("no dispatches column: {stdout}"));
    lines[1]
        .split_whitespace()
        .nth(column)
        .unwrap_or_default()
        .to_string()
}

#[cfg(feature = "gpu")]
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

#[test]
fn bench_times_stacked_runs_and_writes_json() {
    let dir = std::env::temp_dir().join(format!("seesaw-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("native.json");
    let output = Command::new(env!("CARGO_BIN_EXE_seesaw"))
        .args([
            "bench", "--arch", "mmoe,ple", "--runs", "1,3", "--steps", "2", "--warmup", "1",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("the seesaw binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // PLE has no stacked form: its 3-run line says so instead of timing it.
    assert!(stdout.contains("ple has no stacked form"), "{stdout}");
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let rows = rows.as_array().unwrap();
    let runs: Vec<(&str, u64)> = rows
        .iter()
        .map(|row| (row["arch"].as_str().unwrap(), row["runs"].as_u64().unwrap()))
        .collect();
    assert_eq!(runs, [("mmoe", 1), ("mmoe", 3), ("ple", 1)]);
    for row in rows {
        assert!(row["ms_per_step"].as_f64().unwrap() > 0.0, "{row}");
    }
    assert!(rows[1]["vs_one_run"].as_f64().unwrap() > 0.0);
    let refused = Command::new(env!("CARGO_BIN_EXE_seesaw"))
        .args(["bench", "--runs", "0"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--runs"));
    std::fs::remove_dir_all(&dir).unwrap();
}
