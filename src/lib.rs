//! Seesaw's browser app: the playground page and its training worker.
//!
//! The pure parts (the worker's backend decision and speed maths, the page's reducer and the
//! pace of its batches, chart scales and decimation, the seesaw trajectory, the worker protocol,
//! the run session) compile and are tested natively; `web` is the thin browser shell (yew
//! components, canvas drawing, the Web Worker) and exists only on wasm32.

pub mod backend;
pub mod catalog;
pub mod chart;
pub mod chart_data;
pub mod comparison;
pub mod fusion_lab;
pub mod lessons;
pub mod pace;
pub mod protocol;
pub mod seesaw;
pub mod series;
pub mod session;
pub mod state;
pub mod toy_lab;

#[cfg(target_arch = "wasm32")]
pub mod web;
