//! What WebGPU this browser offers, and burn's device on it.

use super::js;
use burn::prelude::Device;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// The browser's WebGPU adapter, as `navigator.gpu.requestAdapter()` describes it.
#[derive(Debug, Clone)]
pub struct Adapter {
    /// `vendor architecture` (e.g. `google swiftshader`), or the description.
    pub name: String,
    /// A software adapter (SwiftShader, llvmpipe, lavapipe, or `isFallbackAdapter`).
    pub software: bool,
}

impl Adapter {
    /// What the backend decision needs to know of it.
    pub fn facts(&self) -> crate::backend::AdapterFacts<'_> {
        crate::backend::AdapterFacts {
            name: &self.name,
            software: self.software,
        }
    }
}

/// Asks for an adapter. `Err` says why there is none, for the notice bar.
pub async fn probe() -> Result<Adapter, String> {
    let global = js_sys::global();
    let Some(gpu) = js::get(&global, &["navigator", "gpu"]) else {
        return Err("this browser has no WebGPU (navigator.gpu is missing)".into());
    };
    let request = js_sys::Reflect::get(&gpu, &"requestAdapter".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or("navigator.gpu.requestAdapter is missing")?;
    let promise: js_sys::Promise = request
        .call0(&gpu)
        .map_err(|e| format!("requestAdapter failed: {e:?}"))?
        .into();
    let adapter = JsFuture::from(promise)
        .await
        .map_err(|e| format!("requestAdapter failed: {e:?}"))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("WebGPU is present but offers no adapter (disabled or blocklisted)".into());
    }
    Ok(describe(&adapter))
}

fn describe(adapter: &JsValue) -> Adapter {
    let part = |key: &str| js::get_string(adapter, &["info", key]).unwrap_or_default();
    let (vendor, architecture, description) =
        (part("vendor"), part("architecture"), part("description"));
    let name = [vendor.as_str(), architecture.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let name = if name.is_empty() {
        if description.is_empty() {
            "unknown adapter".to_string()
        } else {
            description.clone()
        }
    } else {
        name
    };
    let fallback_flag = js::get(adapter, &["info", "isFallbackAdapter"])
        .or_else(|| js::get(adapter, &["isFallbackAdapter"]))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let text = format!("{name} {description}").to_lowercase();
    let software = fallback_flag
        || [
            "swiftshader",
            "llvmpipe",
            "lavapipe",
            "software",
            "microsoft basic render",
        ]
        .iter()
        .any(|s| text.contains(s));
    Adapter { name, software }
}

/// Keeps the `GPUDevice` that burn's runtime asks the browser for on the worker's global as
/// `__seesawGpuDevice`: a test destroys it there to lose the device mid-run (the browser's
/// own way of losing one, as a driver reset or a sleeping laptop does). Wraps
/// `navigator.gpu.requestAdapter` and the adapter's `requestDevice` once.
#[cfg(feature = "webgpu")]
fn keep_the_device() {
    if let Some(gpu) = js::get(&js_sys::global(), &["navigator", "gpu"]) {
        after_resolve(&gpu, "requestAdapter", |adapter| {
            if !adapter.is_null() && !adapter.is_undefined() {
                after_resolve(adapter, "requestDevice", |device| {
                    let global = js_sys::global();
                    let _ = js_sys::Reflect::set(&global, &"__seesawGpuDevice".into(), device);
                });
            }
        });
    }
}

/// Replaces the promise-returning method `name` of `object` with one that calls it and hands
/// what its promise resolves to to `then` before passing it on.
#[cfg(feature = "webgpu")]
fn after_resolve(object: &JsValue, name: &str, then: fn(&JsValue)) {
    let Some(method) = js_sys::Reflect::get(object, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    let target = object.clone();
    let wrapped = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |options: JsValue| {
        let call = method.call1(&target, &options);
        wasm_bindgen_futures::future_to_promise(async move {
            let resolved = JsFuture::from(js_sys::Promise::from(call?)).await?;
            then(&resolved);
            Ok(resolved)
        })
    });
    let _ = js_sys::Reflect::set(object, &name.into(), wrapped.as_ref());
    wrapped.forget();
}

/// burn's wgpu device on WebGPU (created once per worker: burn's runtime cannot be
/// re-initialised).
#[cfg(feature = "webgpu")]
pub async fn device() -> Result<Device, String> {
    keep_the_device();
    Device::wgpu_options()
        .graphics_api(burn::tensor::wgpu::WgpuBackend::WebGpu)
        .init_async()
        .await
        .map_err(|error| format!("burn could not use the WebGPU adapter: {error:?}"))
}

/// The CPU-only worker (bin `seesaw-worker-cpu`, built without the `webgpu` feature) has no
/// WebGPU backend: the page sends it only runs on the CPU ([`crate::protocol::WorkerBuild`]).
#[cfg(not(feature = "webgpu"))]
pub async fn device() -> Result<Device, String> {
    Err(
        "this worker is the CPU-only build (seesaw-worker-cpu); WebGPU runs go to seesaw-worker"
            .into(),
    )
}

use wasm_bindgen::JsCast;
#[cfg(feature = "webgpu")]
use wasm_bindgen::prelude::Closure;
