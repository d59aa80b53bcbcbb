//! Seesaw's engine: multi-task datasets, architectures, loss-weighting methods, metrics and the
//! trainer, on burn. No browser dependency: it builds natively and for `wasm32-unknown-unknown`
//! and runs on any burn device (`flex` on the CPU, wgpu natively, WebGPU in the browser).
//!
//! See `ARCHITECTURE.md` at the repository root for the layers and how to add a dataset, an
//! architecture or a weighting method.

pub mod compare;
pub mod data;
pub mod device;
pub mod error;
pub mod fusion;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod registry;
pub mod rng;
pub mod toy;
pub mod train;
pub mod url;
pub mod weighting;

pub use error::{ConfigError, RunError};
pub use registry::Registry;
