//! The browser shell: the yew page, its canvas charts, and the training worker.

mod bridge;
mod charts;
mod controls;
mod draw;
mod gpu;
mod js;
pub mod page;
mod panels;
pub mod worker;
