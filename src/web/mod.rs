//! The browser shell: the yew page, its canvas charts, and the training worker.

mod bridge;
mod charts;
mod compare;
mod controls;
mod draw;
mod fusion;
mod gpu;
mod js;
pub mod page;
mod panels;
mod pool;
mod stacked;
mod store;
mod toy;
pub mod worker;
