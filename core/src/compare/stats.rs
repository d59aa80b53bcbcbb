//! Mean and sample standard deviation over seeds.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The mean of some values and their sample standard deviation (n − 1 in the denominator);
/// `std` is `None` for a single value, which has no spread to estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation, `None` when `n` is 1.
    pub std: Option<f64>,
    /// How many values.
    pub n: usize,
}

impl MeanStd {
    /// Mean and sample std of the finite values among `values`; `None` when there are none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<MeanStd> {
        let values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = (n > 1).then(|| {
            let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
            (squares / (n - 1) as f64).sqrt()
        });
        Some(MeanStd { mean, std, n })
    }

    /// `0.8123 ± 0.0040`, or `0.8123 ± –` for one value, with `digits` decimals.
    pub fn format(&self, digits: usize) -> String {
        match self.std {
            Some(std) => format!("{:.digits$} ± {std:.digits$}", self.mean),
            None => format!("{:.digits$} ± –", self.mean),
        }
    }
}

impl fmt::Display for MeanStd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(4))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_std_by_hand() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squares sum 32, sample variance 32/7.
        let stats = MeanStd::of([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(stats.mean, 5.0);
        assert!((stats.std.unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(stats.n, 8);
        let two = MeanStd::of([0.80, 0.84]).unwrap();
        assert!((two.mean - 0.82).abs() < 1e-12);
        assert!((two.std.unwrap() - 0.04 / 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(two.format(3), "0.820 ± 0.028");
    }

    #[test]
    fn one_value_has_no_std_and_none_has_no_mean() {
        let one = MeanStd::of([0.7]).unwrap();
        assert_eq!((one.mean, one.std, one.n), (0.7, None, 1));
        assert_eq!(one.format(2), "0.70 ± –");
        assert_eq!(MeanStd::of([]), None);
        // Undefined values (a diverged run's NaN) are not averaged in.
        assert_eq!(MeanStd::of([f64::NAN, 1.0]).unwrap().n, 1);
    }
}
