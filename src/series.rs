//! A bounded history of (step, value) points for one chart line. When full it halves its
//! resolution (keeps every other point) instead of forgetting the start of the run, so a long
//! run still shows its whole curve in bounded memory.

/// One line's points, in step order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    capacity: usize,
    points: Vec<(f64, f64)>,
    /// Keep one point of every `stride` pushed (doubles each time the buffer fills).
    stride: usize,
    pushed: usize,
    /// Whether the last point is the provisional newest one (not a kept one).
    tail: bool,
}

impl Series {
    /// An empty series holding at most `capacity` points (at least 2).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(2),
            points: Vec::new(),
            stride: 1,
            pushed: 0,
            tail: false,
        }
    }

    /// Appends a point; non-finite values are kept out (a log chart cannot draw them).
    pub fn push(&mut self, x: f64, y: f64) {
        if !x.is_finite() || !y.is_finite() {
            return;
        }
        let keep = self.pushed.is_multiple_of(self.stride);
        self.pushed += 1;
        if self.tail {
            // The provisional newest point: replaced by every push.
            self.points.pop();
            self.tail = false;
        }
        if self.points.len() >= self.capacity {
            let mut index = 0;
            self.points.retain(|_| {
                index += 1;
                index % 2 == 1
            });
            self.stride *= 2;
        }
        self.points.push((x, y));
        // Between kept points the newest value still ends the line.
        self.tail = !keep;
    }

    /// The points, oldest first.
    pub fn points(&self) -> &[(f64, f64)] {
        &self.points
    }

    /// The newest value.
    pub fn last(&self) -> Option<f64> {
        self.points.last().map(|&(_, y)| y)
    }

    /// Whether it has no points.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_point_until_full() {
        let mut series = Series::new(8);
        for step in 0..8 {
            series.push(step as f64, (step * step) as f64);
        }
        assert_eq!(series.points().len(), 8);
        assert_eq!(series.points()[3], (3.0, 9.0));
        assert_eq!(series.last(), Some(49.0));
    }

    #[test]
    fn halves_resolution_when_full_and_keeps_the_start_and_the_latest_value() {
        let mut series = Series::new(8);
        for step in 0..1000 {
            series.push(step as f64, step as f64);
        }
        let points = series.points();
        assert!(points.len() <= 8, "{}", points.len());
        assert!(points.len() >= 4, "{}", points.len());
        assert_eq!(points[0].0, 0.0, "the start of the run survives");
        assert_eq!(
            series.last(),
            Some(999.0),
            "the line ends at the latest value"
        );
        assert!(points.windows(2).all(|w| w[0].0 < w[1].0), "{points:?}");
    }

    #[test]
    fn skips_non_finite_values() {
        let mut series = Series::new(4);
        series.push(1.0, f64::NAN);
        series.push(2.0, f64::INFINITY);
        assert!(series.is_empty());
        series.push(3.0, 1.0);
        assert_eq!(series.points(), &[(3.0, 1.0)]);
    }
}
