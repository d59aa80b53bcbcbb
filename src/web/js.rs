//! Small helpers over the JS globals, usable from the page and from the worker.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the page (or worker) started, from `performance.now()`.
pub fn now_ms() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map(|p| p.now())
        .unwrap_or_default()
}

/// Gives the event loop a turn (messages, timers) without the ≥ 4 ms clamp of nested
/// `setTimeout`: a message to ourselves through a fresh `MessageChannel`.
pub async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        match web_sys::MessageChannel::new() {
            Ok(channel) => {
                channel.port1().set_onmessage(Some(&resolve));
                // Keep port1 reachable until the message arrives.
                let _ = js_sys::Reflect::set(&resolve, &"port".into(), &channel.port1());
                let _ = channel.port2().post_message(&JsValue::NULL);
            }
            Err(_) => {
                let _ = resolve.call0(&JsValue::NULL);
            }
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Logs a line to the console.
pub fn log(line: &str) {
    web_sys::console::log_1(&line.into());
}

/// Reads a property path of a JS value (`get(&x, &["info", "vendor"])`).
pub fn get(value: &JsValue, path: &[&str]) -> Option<JsValue> {
    let mut current = value.clone();
    for key in path {
        current = js_sys::Reflect::get(&current, &(*key).into()).ok()?;
        if current.is_undefined() || current.is_null() {
            return None;
        }
    }
    Some(current)
}

/// A property as a string, if it is one.
pub fn get_string(value: &JsValue, path: &[&str]) -> Option<String> {
    get(value, path)?.as_string().filter(|s| !s.is_empty())
}

unsafe extern "C" {
    /// The linker's function that runs every static constructor (cubecl registers its IR
    /// types through `inventory` constructors).
    fn __wasm_call_ctors();
}

/// Runs the static constructors once, from the module's entry point. Without this call in an
/// exported function, wasm-ld links a binary "command-style" and re-runs every constructor at
/// the top of *every* export: each callback from JS into the module (a message, a resolved
/// promise) cost ~0.5 s on the page thread, measured with a sampling profile (it was all
/// `__wasm_call_ctors` and `inventory::submit`). See the `inventory` crate's notes on Wasm.
pub fn run_constructors_once() {
    // SAFETY: called once, first thing in `main`, before any code that reads what the
    // constructors register; `inventory`'s constructors are idempotent anyway.
    unsafe { __wasm_call_ctors() }
}

/// Offers `text` as a file download named `name`.
pub fn download_text(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let result = download_url(name, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
    result
}

/// Offers the resource at `url` (an object or data URL) as a download named `name`.
pub fn download_url(name: &str, url: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .unchecked_into();
    anchor.set_href(url);
    anchor.set_download(name);
    anchor.click();
    Ok(())
}

/// The size of this module's WebAssembly memory in bytes (it only grows; a flat figure over a
/// long run means no growth per step).
pub fn wasm_memory_bytes() -> u64 {
    core::arch::wasm32::memory_size::<0>() as u64 * 65_536
}

/// Offers what `canvas` shows as a PNG download named `name`.
pub fn download_canvas(canvas: &web_sys::HtmlCanvasElement, name: &str) -> Result<(), String> {
    let url = canvas
        .to_data_url_with_type("image/png")
        .map_err(|e| format!("{e:?}"))?;
    download_url(name, &url)
}
