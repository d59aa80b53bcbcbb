//! The page's end of the worker: starts it, queues messages until its module has loaded, and
//! hands the worker's messages to the page in one batch per animation frame, so the page
//! renders at most once per frame however fast the worker reports. A hidden tab gets them by
//! timer instead (twice a second): training goes on at full speed in the worker.

use crate::protocol::{FromWorker, ToWorker, WorkerBuild};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

/// How often a hidden tab takes the worker's messages (it gets no animation frames).
const HIDDEN_BATCH_MS: i32 = 500;

/// A running worker.
pub struct Bridge {
    worker: Worker,
    build: WorkerBuild,
    loaded: Rc<Cell<bool>>,
    outbox: Rc<RefCell<Vec<String>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
    _on_frame: Rc<Closure<dyn FnMut()>>,
}

impl Bridge {
    /// Starts a worker of `build` (from Trunk's loader shim of its bin). `on_batch` gets the
    /// worker's messages, once per animation frame; `on_crash` gets the error of a worker that
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
        let frame_pending = Rc::new(Cell::new(false));
        let on_frame = {
            let queue = Rc::clone(&queue);
            let frame_pending = Rc::clone(&frame_pending);
            Rc::new(Closure::<dyn FnMut()>::new(move || {
                frame_pending.set(false);
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
            let on_frame = Rc::clone(&on_frame);
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
                if !frame_pending.replace(true)
                    && let Some(window) = web_sys::window()
                {
                    let deliver = (*on_frame).as_ref().unchecked_ref();
                    // A hidden tab gets no animation frames: its batches come by timer, so the
                    // queue stays short and the state current while the worker trains on.
                    let hidden = window.document().is_some_and(|d| d.hidden());
                    let _ = if hidden {
                        window.set_timeout_with_callback_and_timeout_and_arguments_0(
                            deliver,
                            HIDDEN_BATCH_MS,
                        )
                    } else {
                        window.request_animation_frame(deliver)
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
            _on_frame: on_frame,
        })
    }

    /// Which build of the worker this is.
    pub fn build(&self) -> WorkerBuild {
        self.build
    }

    /// Sends a message (queued until the worker's module has loaded).
    pub fn send(&self, message: &ToWorker) {
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
