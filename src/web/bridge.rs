//! The page's end of the worker: starts it, queues messages until its module has loaded, and
//! hands the worker's messages to the page in batches, so the page renders at most once per batch
//! however fast the worker reports: in an animation frame, at most [`pace::LIVE_MS`] apart, or
//! by timer in a hidden tab (`pace::delivery`). Training goes on at full speed in the worker.

use crate::pace::{self, Delivery};
use crate::protocol::{FromWorker, ToWorker, WorkerBuild};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

/// A running worker.
pub struct Bridge {
    worker: Worker,
    build: WorkerBuild,
    loaded: Rc<Cell<bool>>,
    outbox: Rc<RefCell<Vec<String>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
    _deliver: Rc<Closure<dyn FnMut()>>,
    /// When the last batch was delivered; `None` once the page sends the worker a message, so
    /// the answer to a user's action is not held back by the pace.
    last_batch: Rc<Cell<Option<f64>>>,
}

impl Bridge {
    /// Starts a worker of `build` (from Trunk's loader shim of its bin). `on_batch` gets the
    /// worker's messages in batches (`pace`); `on_crash` gets the error of a worker that
    /// died.
    pub fn start(
        build: WorkerBuild,
        on_batch: impl Fn(Vec<FromWorker>) + 'static,
        on_crash: impl Fn(String) + 'static,
    ) -> Result<Self, String> {
        let worker =
            Worker::new(&build.url()).map_err(|e| format!("cannot start the worker: {e:?}"))?;
        let loaded = Rc::new(Cell::new(false));
        let outbox: Rc<RefCell<Vec<String>>> = Rc::default();
        let queue: Rc<RefCell<Vec<FromWorker>>> = Rc::default();
        let batch_pending = Rc::new(Cell::new(false));
        let last_batch: Rc<Cell<Option<f64>>> = Rc::default();
        let deliver = {
            let queue = Rc::clone(&queue);
            let batch_pending = Rc::clone(&batch_pending);
            let last_batch = Rc::clone(&last_batch);
            Rc::new(Closure::<dyn FnMut()>::new(move || {
                batch_pending.set(false);
                last_batch.set(Some(super::js::now_ms()));
                let batch = std::mem::take(&mut *queue.borrow_mut());
                if !batch.is_empty() {
                    on_batch(batch);
                }
            }))
        };
        let on_message = {
            let worker = worker.clone();
            let loaded = Rc::clone(&loaded);
            let outbox = Rc::clone(&outbox);
            let deliver = Rc::clone(&deliver);
            let last_batch = Rc::clone(&last_batch);
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    return;
                };
                let message = match FromWorker::from_json(&text) {
                    Ok(message) => message,
                    Err(error) => {
                        super::js::log(&error);
                        return;
                    }
                };
                match &message {
                    FromWorker::Loaded => {
                        loaded.set(true);
                        for pending in outbox.borrow_mut().drain(..) {
                            let _ = worker.post_message(&JsValue::from_str(&pending));
                        }
                    }
                    FromWorker::Log { message } => super::js::log(&format!("worker: {message}")),
                    _ => {}
                }
                queue.borrow_mut().push(message);
                if !batch_pending.replace(true)
                    && let Some(window) = web_sys::window()
                {
                    let callback = (*deliver).as_ref().unchecked_ref();
                    let hidden = window.document().is_some_and(|d| d.hidden());
                    let _ = match pace::delivery(super::js::now_ms(), last_batch.get(), hidden) {
                        Delivery::NextFrame => window.request_animation_frame(callback),
                        Delivery::After(ms) => window
                            .set_timeout_with_callback_and_timeout_and_arguments_0(
                                callback,
                                ms.ceil() as i32,
                            ),
                    };
                }
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            on_crash(event.message());
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            worker,
            build,
            loaded,
            outbox,
            _on_message: on_message,
            _on_error: on_error,
            _deliver: deliver,
            last_batch,
        })
    }

    /// Which build of the worker this is.
    pub fn build(&self) -> WorkerBuild {
        self.build
    }

    /// Sends a message (queued until the worker's module has loaded).
    pub fn send(&self, message: &ToWorker) {
        self.last_batch.set(None);
        let text = message.to_json();
        if self.loaded.get() {
            let _ = self.worker.post_message(&JsValue::from_str(&text));
        } else {
            self.outbox.borrow_mut().push(text);
        }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
