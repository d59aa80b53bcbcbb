//! The worker's backend decision and its speed maths, pure so they are tested natively. The
//! worker (`web::worker`) only probes the adapter, makes devices and times steps; what it
//! concludes from those facts, and the reason it shows the user, is decided here.

use crate::protocol::{BackendChoice, BackendInfo, BackendKind, WorkerBuild};

/// The WebGPU adapter the worker found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdapterFacts<'a> {
    /// `vendor architecture` (e.g. `google swiftshader`), or the description.
    pub name: &'a str,
    /// A software adapter (SwiftShader, llvmpipe, lavapipe, or `isFallbackAdapter`).
    pub software: bool,
}

/// Training on the CPU (burn's `flex` backend in wasm), with the reason; `fallback` when the
/// user asked for or could have had WebGPU and should notice.
pub fn cpu(reason: impl Into<String>, fallback: bool) -> BackendInfo {
    BackendInfo {
        kind: BackendKind::Cpu,
        adapter: "wasm32 (burn flex)".into(),
        reason: reason.into(),
        fallback,
    }
}

fn webgpu(adapter: &str, reason: String) -> BackendInfo {
    BackendInfo {
        kind: BackendKind::WebGpu,
        adapter: adapter.to_string(),
        reason,
        fallback: false,
    }
}

/// `backend=webgpu`: WebGPU on the device the worker made (warning about a software adapter),
/// or the CPU with the reason there is none.
pub fn forced_webgpu(device: Result<AdapterFacts, &str>) -> BackendInfo {
    match device {
        Ok(adapter) if adapter.software => webgpu(
            adapter.name,
            "WebGPU chosen (a software adapter: expect few steps per second)".into(),
        ),
        Ok(adapter) => webgpu(adapter.name, "WebGPU chosen".into()),
        Err(why) => cpu(
            format!("WebGPU was asked for, but {why}; training on the CPU"),
            true,
        ),
    }
}

/// `backend=auto` once the adapter is probed: the CPU without WebGPU (a fallback) or with a
/// software adapter (slower than the CPU for these models); `None` when the adapter is
/// hardware: make the device and calibrate ([`auto_calibrated`], or [`no_device`]).
pub fn auto_probed(adapter: Result<AdapterFacts, &str>) -> Option<BackendInfo> {
    match adapter {
        Err(why) => Some(no_device(why)),
        Ok(adapter) if adapter.software => Some(cpu(
            format!(
                "auto: the WebGPU adapter ({}) is a software fallback, slower than the CPU",
                adapter.name
            ),
            false,
        )),
        Ok(_) => None,
    }
}

/// The worker build a run on `choice` needs. `probed` is the page's own probe of the adapter
/// (`None`: not probed). `auto` needs WebGPU only where the worker would make a device, a
/// hardware adapter ([`auto_probed`] says `None`): with a software or no adapter the run trains
/// on the CPU, and the CPU-only build probes again and gives the same reason. Unprobed, `auto`
/// gets the WebGPU build, which can do either.
pub fn worker_build(
    choice: BackendChoice,
    probed: Option<Result<AdapterFacts, &str>>,
) -> WorkerBuild {
    match (choice, probed) {
        (BackendChoice::Cpu, _) => WorkerBuild::Cpu,
        (BackendChoice::Auto, Some(adapter)) if auto_probed(adapter).is_some() => WorkerBuild::Cpu,
        _ => WorkerBuild::WebGpu,
    }
}

/// `backend=auto` when WebGPU is there but its device could not be made.
pub fn no_device(why: &str) -> BackendInfo {
    cpu(format!("{why}; training on the CPU"), true)
}

/// `backend=auto` after timing this model on both: the faster one (WebGPU on a tie), with
/// both numbers.
pub fn auto_calibrated(adapter: &str, gpu_ms: f64, cpu_ms: f64) -> BackendInfo {
    let numbers = format!("WebGPU {gpu_ms:.1} ms/step, CPU {cpu_ms:.1} ms/step");
    if gpu_ms <= cpu_ms {
        webgpu(adapter, format!("auto: calibration {numbers}"))
    } else {
        cpu(
            format!("auto: calibration {numbers}; the CPU is faster for this model"),
            false,
        )
    }
}

/// Steps per second, smoothed over slices (an exponential average, 0.3 on the newest).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Speed {
    /// The current estimate (0 before the first slice).
    pub steps_per_second: f64,
}

impl Speed {
    /// Adds a slice of `steps` steps that took `ms` milliseconds (ignored when `ms` ≤ 0).
    pub fn add(&mut self, steps: usize, ms: f64) {
        if ms <= 0.0 {
            return;
        }
        let now = steps as f64 * 1000.0 / ms;
        self.steps_per_second = if self.steps_per_second == 0.0 {
            now
        } else {
            0.7 * self.steps_per_second + 0.3 * now
        };
    }
}

/// How many steps the next slice gets so that it takes about `target_ms`, from the last slice
/// (`done` steps in `elapsed_ms`, the closing read included: a GPU's steps return before they
/// run). Between 1 and 512.
pub fn steps_per_slice(done: usize, elapsed_ms: f64, target_ms: f64) -> usize {
    let per_step = elapsed_ms / done.max(1) as f64;
    ((target_ms / per_step.max(0.01)) as usize).clamp(1, 512)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HARDWARE: AdapterFacts = AdapterFacts {
        name: "nvidia ampere",
        software: false,
    };
    const SOFTWARE: AdapterFacts = AdapterFacts {
        name: "google swiftshader",
        software: true,
    };

    #[test]
    fn only_webgpu_and_auto_on_a_hardware_adapter_need_the_webgpu_worker() {
        use BackendChoice::{Auto, Cpu, Webgpu};
        use WorkerBuild as W;
        for probed in [
            None,
            Some(Ok(HARDWARE)),
            Some(Ok(SOFTWARE)),
            Some(Err("no WebGPU")),
        ] {
            assert_eq!(worker_build(Cpu, probed), W::Cpu);
            assert_eq!(worker_build(Webgpu, probed), W::WebGpu);
        }
        assert_eq!(worker_build(Auto, None), W::WebGpu);
        assert_eq!(worker_build(Auto, Some(Ok(HARDWARE))), W::WebGpu);
        assert_eq!(worker_build(Auto, Some(Ok(SOFTWARE))), W::Cpu);
        assert_eq!(worker_build(Auto, Some(Err("no WebGPU"))), W::Cpu);
    }

    #[test]
    fn forced_webgpu_warns_about_software_and_falls_back_without_a_device() {
        let info = forced_webgpu(Ok(HARDWARE));
        assert_eq!((info.kind, info.fallback), (BackendKind::WebGpu, false));
        assert_eq!(info.adapter, "nvidia ampere");
        let info = forced_webgpu(Ok(SOFTWARE));
        assert_eq!(info.kind, BackendKind::WebGpu);
        assert!(info.reason.contains("software adapter"), "{}", info.reason);
        let info = forced_webgpu(Err("this browser has no WebGPU"));
        assert_eq!((info.kind, info.fallback), (BackendKind::Cpu, true));
        assert!(info.reason.contains("no WebGPU"), "{}", info.reason);
    }

    #[test]
    fn auto_skips_software_adapters_and_calibrates_hardware_ones() {
        let info = auto_probed(Err("no adapter")).unwrap();
        assert_eq!((info.kind, info.fallback), (BackendKind::Cpu, true));
        let info = auto_probed(Ok(SOFTWARE)).unwrap();
        assert_eq!((info.kind, info.fallback), (BackendKind::Cpu, false));
        assert!(
            info.reason.contains("google swiftshader"),
            "{}",
            info.reason
        );
        assert_eq!(auto_probed(Ok(HARDWARE)), None);
        let faster_gpu = auto_calibrated("nvidia ampere", 2.0, 5.0);
        assert_eq!(faster_gpu.kind, BackendKind::WebGpu);
        assert!(
            faster_gpu
                .reason
                .contains("WebGPU 2.0 ms/step, CPU 5.0 ms/step"),
            "{}",
            faster_gpu.reason
        );
        let faster_cpu = auto_calibrated("nvidia ampere", 5.0, 2.0);
        assert_eq!(
            (faster_cpu.kind, faster_cpu.fallback),
            (BackendKind::Cpu, false)
        );
        assert!(
            faster_cpu.reason.contains("CPU is faster"),
            "{}",
            faster_cpu.reason
        );
        assert_eq!(auto_calibrated("x", 3.0, 3.0).kind, BackendKind::WebGpu);
        assert!(no_device("init failed").fallback);
    }

    #[test]
    fn speed_starts_at_the_first_slice_then_smooths() {
        let mut speed = Speed::default();
        speed.add(10, 0.0);
        assert_eq!(speed.steps_per_second, 0.0);
        speed.add(10, 100.0);
        assert_eq!(speed.steps_per_second, 100.0);
        speed.add(20, 100.0);
        assert!((speed.steps_per_second - (0.7 * 100.0 + 0.3 * 200.0)).abs() < 1e-9);
    }

    #[test]
    fn slices_aim_at_the_target_time_within_bounds() {
        assert_eq!(steps_per_slice(10, 60.0, 120.0), 20);
        assert_eq!(steps_per_slice(1, 500.0, 120.0), 1);
        assert_eq!(steps_per_slice(100, 0.0, 120.0), 512);
        assert_eq!(steps_per_slice(0, 12.0, 120.0), 10);
    }
}
