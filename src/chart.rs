//! The pure half of the charts: axis scales, tick values, and decimation of a line to the
//! pixel width. The canvas drawing (`web::draw`) only maps and strokes what these return.

/// Maps data values to pixels along one axis, linearly or on a log₁₀ scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Data range (for a log scale both ends are positive).
    pub domain: (f64, f64),
    /// Pixel range (may be reversed, as for a y axis).
    pub range: (f64, f64),
    /// Log₁₀ instead of linear.
    pub log: bool,
}

impl Scale {
    /// A linear scale; a degenerate domain is widened so that it maps to the middle.
    pub fn linear(domain: (f64, f64), range: (f64, f64)) -> Self {
        Self {
            domain: widen(domain, false),
            range,
            log: false,
        }
    }

    /// A log₁₀ scale; non-positive ends are clamped to a tiny positive value.
    pub fn log(domain: (f64, f64), range: (f64, f64)) -> Self {
        let low = domain.0.max(1e-12);
        let high = domain.1.max(low);
        Self {
            domain: widen((low, high), true),
            range,
            log: true,
        }
    }

    fn transform(&self, value: f64) -> f64 {
        if self.log {
            value.max(1e-12).log10()
        } else {
            value
        }
    }

    /// The pixel of `value`.
    pub fn map(&self, value: f64) -> f64 {
        let (d0, d1) = (self.transform(self.domain.0), self.transform(self.domain.1));
        let t = (self.transform(value) - d0) / (d1 - d0);
        self.range.0 + t * (self.range.1 - self.range.0)
    }

    /// Tick values inside the domain: 1-2-5 steps for linear, powers of ten for log (with 2
    /// and 5 between when the domain spans less than two decades).
    pub fn ticks(&self, count: usize) -> Vec<f64> {
        if self.log {
            log_ticks(self.domain)
        } else {
            linear_ticks(self.domain, count)
        }
    }
}

fn widen((low, high): (f64, f64), log: bool) -> (f64, f64) {
    if high > low {
        return (low, high);
    }
    if log {
        (low / 2.0, low * 2.0)
    } else {
        let pad = if low == 0.0 { 1.0 } else { low.abs() * 0.1 };
        (low - pad, high + pad)
    }
}

/// About `count` round values inside `domain` (steps of 1, 2 or 5 × 10ᵏ).
pub fn linear_ticks((low, high): (f64, f64), count: usize) -> Vec<f64> {
    let span = high - low;
    if span.is_nan() || span <= 0.0 || !span.is_finite() {
        return vec![low];
    }
    let raw = span / count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    // The round step whose tick count is closest to `count`.
    let target = count.max(1) as f64;
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .min_by(|a, b| {
            let miss = |step: f64| (span / step - target).abs();
            miss(*a).total_cmp(&miss(*b))
        })
        .unwrap_or(magnitude);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    // Rounded to the step's decimals, so 3 × 0.2 is 0.6, not 0.6000000000000001.
    let scale = 10f64.powi((-step.log10().floor()).max(0.0) as i32);
    (first..=last)
        .map(|i| (i as f64 * step * scale).round() / scale)
        .collect()
}

fn log_ticks((low, high): (f64, f64)) -> Vec<f64> {
    let first = low.log10().floor() as i32;
    let last = high.log10().ceil() as i32;
    let mantissas: &[f64] = if last - first <= 2 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let mut ticks = Vec::new();
    for exponent in first..=last {
        for m in mantissas {
            let tick = m * 10f64.powi(exponent);
            if tick >= low * (1.0 - 1e-9) && tick <= high * (1.0 + 1e-9) {
                ticks.push(tick);
            }
        }
    }
    ticks
}

/// A short label for a tick value.
pub fn format_tick(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 {
        "0".to_string()
    } else if !(1e-3..1e5).contains(&magnitude) {
        format!("{value:.0e}")
    } else if magnitude >= 100.0 {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Reduces `points` (sorted by x) to at most about 4 per pixel column of a `width`-pixel
/// chart: for each column the first, minimum, maximum and last point, in x order. Spikes
/// survive (unlike plain subsampling) and a line with fewer points than columns is returned
/// unchanged.
pub fn decimate(points: &[(f64, f64)], x_domain: (f64, f64), width: usize) -> Vec<(f64, f64)> {
    let width = width.max(1);
    if points.len() <= 2 * width {
        return points.to_vec();
    }
    let (x0, x1) = x_domain;
    let span = (x1 - x0).max(f64::MIN_POSITIVE);
    let column =
        |x: f64| (((x - x0) / span) * width as f64).clamp(0.0, (width - 1) as f64) as usize;
    let mut out = Vec::with_capacity(4 * width);
    let mut start = 0;
    while start < points.len() {
        let col = column(points[start].0);
        let mut end = start;
        while end < points.len() && column(points[end].0) == col {
            end += 1;
        }
        let bucket = &points[start..end];
        let (mut min, mut max) = (0, 0);
        for (i, point) in bucket.iter().enumerate() {
            if point.1 < bucket[min].1 {
                min = i;
            }
            if point.1 > bucket[max].1 {
                max = i;
            }
        }
        let mut keep = vec![0, min, max, bucket.len() - 1];
        keep.sort_unstable();
        keep.dedup();
        out.extend(keep.into_iter().map(|i| bucket[i]));
        start = end;
    }
    out
}

/// The (min, max) of the y values of several lines, or `None` when all are empty.
pub fn y_extent<'a>(lines: impl IntoIterator<Item = &'a [(f64, f64)]>) -> Option<(f64, f64)> {
    lines
        .into_iter()
        .flatten()
        .map(|&(_, y)| y)
        .fold(None, |extent, y| match extent {
            None => Some((y, y)),
            Some((low, high)) => Some((low.min(y), high.max(y))),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_scale_maps_ends_and_middle_including_reversed_ranges() {
        let scale = Scale::linear((0.0, 10.0), (200.0, 0.0));
        assert_eq!(scale.map(0.0), 200.0);
        assert_eq!(scale.map(10.0), 0.0);
        assert_eq!(scale.map(5.0), 100.0);
        let flat = Scale::linear((3.0, 3.0), (0.0, 100.0));
        assert_eq!(flat.map(3.0), 50.0, "a constant line sits in the middle");
    }

    #[test]
    fn log_scale_puts_decades_at_equal_distances() {
        let scale = Scale::log((0.01, 100.0), (0.0, 400.0));
        assert!((scale.map(0.01) - 0.0).abs() < 1e-9);
        assert!((scale.map(0.1) - 100.0).abs() < 1e-9);
        assert!((scale.map(1.0) - 200.0).abs() < 1e-9);
        assert!((scale.map(100.0) - 400.0).abs() < 1e-9);
        assert_eq!(scale.ticks(5), vec![0.01, 0.1, 1.0, 10.0, 100.0]);
        let narrow = Scale::log((0.15, 0.9), (0.0, 1.0));
        assert_eq!(narrow.ticks(5), vec![0.2, 0.5]);
        let clamped = Scale::log((0.0, 1.0), (0.0, 1.0));
        assert!(clamped.domain.0 > 0.0);
    }

    #[test]
    fn linear_ticks_are_round_and_inside_the_domain() {
        assert_eq!(
            linear_ticks((0.0, 1.0), 5),
            vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        );
        assert_eq!(
            linear_ticks((-1.0, 1.0), 4),
            vec![-1.0, -0.5, 0.0, 0.5, 1.0]
        );
        let ticks = linear_ticks((3.0, 1234.0), 5);
        assert_eq!(ticks, vec![200.0, 400.0, 600.0, 800.0, 1000.0, 1200.0]);
        assert_eq!(linear_ticks((2.0, 2.0), 5), vec![2.0]);
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(format_tick(0.0), "0");
        assert_eq!(format_tick(0.25), "0.25");
        assert_eq!(format_tick(1200.0), "1200");
        assert_eq!(format_tick(1e-5), "1e-5");
    }

    #[test]
    fn decimation_bounds_points_per_column_and_keeps_extremes() {
        let points: Vec<(f64, f64)> = (0..10_000)
            .map(|i| {
                (
                    i as f64,
                    if i == 4321 {
                        50.0
                    } else {
                        (i as f64 * 0.01).sin()
                    },
                )
            })
            .collect();
        let out = decimate(&points, (0.0, 9999.0), 100);
        assert!(out.len() <= 400, "{}", out.len());
        assert!(out.len() >= 100, "{}", out.len());
        assert!(out.contains(&(4321.0, 50.0)), "the spike survives");
        assert_eq!(out.first(), points.first());
        assert_eq!(out.last(), points.last());
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "x order kept");
        let few = &points[..50];
        assert_eq!(decimate(few, (0.0, 49.0), 100), few.to_vec());
    }

    #[test]
    fn extent_spans_all_lines() {
        let a = [(0.0, 1.0), (1.0, 3.0)];
        let b = [(0.0, -2.0)];
        assert_eq!(y_extent([&a[..], &b[..]]), Some((-2.0, 3.0)));
        assert_eq!(y_extent(std::iter::empty()), None);
    }
}
