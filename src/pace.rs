//! When the page takes the worker's messages, pure so it is tested natively. A training worker
//! reports many times a second; every batch the page takes is a render, chart draws and a
//! composited frame. On a software-composited browser (no GPU, a blocklisted one, a headless
//! one) a frame costs the compositor tens of milliseconds of CPU, taken from the worker's core:
//! in headless Chromium on 2 cores, a frame per report cost a CPU run a quarter of its speed. So the
//! page takes the worker's messages at most [`LIVE_MS`] apart, which is still live to the eye.

/// The shortest interval between two batches of a visible page.
pub const LIVE_MS: f64 = 100.0;

/// The interval of a hidden page's batches (it gets no animation frames; its state stays current
/// and its queue short while the worker trains on).
pub const HIDDEN_MS: f64 = 500.0;

/// When the batch a message starts is delivered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delivery {
    /// In the next animation frame.
    NextFrame,
    /// By a timer after these milliseconds.
    After(f64),
}

/// The delivery of a batch that starts at `now_ms`, the last one delivered at `last_ms` (`None`:
/// no batch yet, or the page has sent the worker a message since, whose answer should not wait).
pub fn delivery(now_ms: f64, last_ms: Option<f64>, hidden: bool) -> Delivery {
    if hidden {
        return Delivery::After(HIDDEN_MS);
    }
    match last_ms.map(|last| last + LIVE_MS - now_ms) {
        Some(wait) if wait > 0.0 => Delivery::After(wait),
        _ => Delivery::NextFrame,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_batch_and_one_after_a_quiet_spell_come_in_the_next_frame() {
        assert_eq!(delivery(5.0, None, false), Delivery::NextFrame);
        assert_eq!(delivery(1_000.0, Some(900.0), false), Delivery::NextFrame);
        assert_eq!(delivery(1_000.0, Some(100.0), false), Delivery::NextFrame);
    }

    #[test]
    fn batches_of_a_visible_page_are_at_least_the_live_interval_apart() {
        assert_eq!(
            delivery(1_030.0, Some(1_000.0), false),
            Delivery::After(70.0)
        );
        assert_eq!(
            delivery(1_000.0, Some(1_000.0), false),
            Delivery::After(LIVE_MS)
        );
    }

    #[test]
    fn a_hidden_page_takes_batches_by_timer() {
        assert_eq!(delivery(5.0, None, true), Delivery::After(HIDDEN_MS));
        assert_eq!(
            delivery(1_030.0, Some(1_000.0), true),
            Delivery::After(HIDDEN_MS)
        );
    }
}
