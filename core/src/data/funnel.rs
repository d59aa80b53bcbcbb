//! A click → conversion funnel with sample-selection bias, the setting of ESMM.
//!
//! Ma, Zhao, Huang, Wang, Hu, Zhu & Gai, "Entire Space Multi-Task Model: An Effective Approach
//! for Estimating Post-Click Conversion Rate", SIGIR 2018. The CTR and CVR logits are built like
//! the `correlated` generator's targets (their correlation is the knob), standardised, scaled by
//! `signal`, and shifted so that the mean click rate and the mean conversion rate among clicks
//! match the configured base rates. Click y ~ Bern(σ(ℓ_ctr)); every row also draws whether it
//! would convert, c ~ Bern(σ(ℓ_cvr)); the observed conversion is z = y·c.
//!
//! Task `click` is labelled on every row. Task `conversion` is the post-click conversion rate:
//! its label c is observed only on clicked rows (the mask), exactly what a real log shows;
//! models trained on clicked rows only suffer the sample-selection bias that ESMM removes by
//! training pCTCVR = pCTR·pCVR on the entire space. The true probabilities and c for every row
//! are kept so evaluation can score CVR on the entire space.
//!
//! With the defaults a conversion depends on the features the same way on clicked and
//! unclicked rows, and a click-trained CVR model is not at a disadvantage. Two knobs, both off
//! by default, build the two problems the paper names: `conversion_sparsity` (data sparsity:
//! few conversions to learn from) and `selection_bias` (the clicked population differs from
//! the impressions along the click logit, which the conversion logit also follows).

use super::{
    DatasetGenerator, DatasetSettings, FunnelTruth, RawRows, SplitSizes, TaskKind, TaskSpec,
    correlated_weights,
};
use crate::error::{ConfigError, check_range};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Settings of the `funnel` dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FunnelConfig {
    /// Correlation of the CTR and CVR linear parts (−1 to 1; default 0.5).
    pub correlation: f64,
    /// Mean click rate (default 0.1).
    pub click_rate: f64,
    /// Mean conversion rate among clicked rows (default 0.1).
    pub conversion_rate: f64,
    /// Standard deviation of the logits before the base-rate shift: how predictable the
    /// events are (default 2).
    pub signal: f64,
    /// Input dimension (default 32).
    pub input_dim: usize,
    /// Number of sine terms in the logits (default 2: with MMoE's 10, learning the logit from
    /// 0/1 events at a 10% rate takes far more data than a demo has; measured: click AUC 0.51
    /// after 1500 steps with 10 sines, 0.90 after 300 with 2).
    pub sines: usize,
    /// Data sparsity (ESMM §2.2): the probability s that a would-be conversion is dropped,
    /// independently of the features (0 to 0.99; default 0, off). The true conversion
    /// probability becomes (1 − s)·σ(ℓ_cvr + b_cvr), with b_cvr fitted before the thinning, so
    /// the conversion rate among clicks is (1 − s)·`conversion_rate` and every feature region
    /// keeps the same shape with a (1 − s) share of its positives. The events are drawn as
    /// u < p from the same uniform u, so for one seed the conversions at s are a subset of
    /// those at 0.
    pub conversion_sparsity: f64,
    /// Sample-selection bias (ESMM §2.2): λ, how much of the click logit the conversion logit
    /// carries (−3 to 3; default 0, off). With ℓ_ctr = `signal`·s̃_ctr the click logit before
    /// its base-rate shift (s̃ a standardised score), the conversion logit before its shift is
    /// ℓ_cvr = `signal`·s̃_cvr + λ·ℓ_ctr. Clicked rows sit in the upper tail of ℓ_ctr, so for
    /// λ > 0 they convert more than the impressions as a whole, and a CVR model fitted on them
    /// sees only a narrow slice of the direction it must extrapolate along to rank unclicked
    /// rows; λ < 0: conversions fall as clicks rise (clickbait).
    pub selection_bias: f64,
    /// Rows per split.
    pub samples: SplitSizes,
}

impl Default for FunnelConfig {
    fn default() -> Self {
        Self {
            correlation: 0.5,
            click_rate: 0.1,
            conversion_rate: 0.1,
            signal: 2.0,
            input_dim: 32,
            sines: 2,
            conversion_sparsity: 0.0,
            selection_bias: 0.0,
            samples: SplitSizes {
                train: 20_000,
                validation: 5000,
                test: 5000,
            },
        }
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl DatasetSettings for FunnelConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        check_range("correlation", self.correlation, -1.0, 1.0)?;
        check_range("click_rate", self.click_rate, 0.005, 0.95)?;
        check_range("conversion_rate", self.conversion_rate, 0.005, 0.95)?;
        check_range("signal", self.signal, 0.0, 10.0)?;
        check_range("input_dim", self.input_dim, 2, 4096)?;
        check_range("sines", self.sines, 0, 100)?;
        check_range("conversion_sparsity", self.conversion_sparsity, 0.0, 0.99)?;
        check_range("selection_bias", self.selection_bias, -3.0, 3.0)?;
        self.samples.validate()
    }

    fn tasks(&self) -> Vec<TaskSpec> {
        vec![
            TaskSpec {
                name: "click".to_string(),
                kind: TaskKind::Binary,
                dim: 1,
                follows: None,
            },
            TaskSpec {
                name: "conversion".to_string(),
                kind: TaskKind::Binary,
                dim: 1,
                follows: Some(0),
            },
        ]
    }

    fn samples(&self) -> SplitSizes {
        self.samples
    }
}

impl DatasetGenerator for FunnelConfig {
    fn generate(&self, seed: u64) -> RawRows {
        let rows = self.samples.total();
        let mut weight_rng = Rng::fork(seed, "funnel.weights");
        let weights = correlated_weights(&mut weight_rng, 2, self.input_dim, 1.0, self.correlation);
        let mut shape_rng = Rng::fork(seed, "funnel.sines");
        let alphas: Vec<f64> = (0..self.sines).map(|_| shape_rng.normal()).collect();
        let betas: Vec<f64> = (0..self.sines).map(|_| shape_rng.normal()).collect();
        let mut rows_rng = Rng::fork(seed, "funnel.rows");

        let mut features = Vec::with_capacity(rows * self.input_dim);
        let mut scores = [Vec::with_capacity(rows), Vec::with_capacity(rows)];
        for _ in 0..rows {
            let x: Vec<f64> = (0..self.input_dim).map(|_| rows_rng.normal()).collect();
            for (score, w) in scores.iter_mut().zip(&weights) {
                let linear: f64 = w.iter().zip(&x).map(|(a, b)| a * b).sum();
                let sines: f64 = alphas
                    .iter()
                    .zip(&betas)
                    .map(|(a, b)| (a * linear + b).sin())
                    .sum();
                score.push(linear + sines);
            }
            features.extend(x.iter().map(|v| *v as f32));
        }
        for score in &mut scores {
            standardise(score, self.signal);
        }
        if self.selection_bias != 0.0 {
            let [click_scores, conversion_scores] = &mut scores;
            for (conversion, click) in conversion_scores.iter_mut().zip(click_scores.iter()) {
                *conversion += self.selection_bias * click;
            }
        }
        let click_bias = bias_for_rate(&scores[0], None, self.click_rate);
        let click_probability: Vec<f64> =
            scores[0].iter().map(|s| sigmoid(s + click_bias)).collect();
        // The conversion base rate is defined among clicked rows: weight by click probability.
        let conversion_bias =
            bias_for_rate(&scores[1], Some(&click_probability), self.conversion_rate);
        let kept = 1.0 - self.conversion_sparsity;
        let conversion_probability: Vec<f64> = scores[1]
            .iter()
            .map(|s| kept * sigmoid(s + conversion_bias))
            .collect();

        let mut events = Rng::fork(seed, "funnel.events");
        let mut clicks = Vec::with_capacity(rows);
        let mut would_convert = Vec::with_capacity(rows);
        for (p_click, p_convert) in click_probability.iter().zip(&conversion_probability) {
            clicks.push(f32::from(u8::from(events.bernoulli(*p_click))));
            would_convert.push(f32::from(u8::from(events.bernoulli(*p_convert))));
        }
        RawRows {
            input_dim: self.input_dim,
            features,
            targets: vec![clicks.clone(), would_convert.clone()],
            masks: vec![None, Some(clicks)],
            funnel: Some(FunnelTruth {
                click_probability: click_probability.iter().map(|p| *p as f32).collect(),
                conversion_probability: conversion_probability.iter().map(|p| *p as f32).collect(),
                would_convert,
            }),
        }
    }
}

/// Rescales `values` to mean 0 and standard deviation `target_std`.
fn standardise(values: &mut [f64], target_std: f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n)
        .sqrt()
        .max(1e-12);
    values
        .iter_mut()
        .for_each(|v| *v = (*v - mean) / std * target_std);
}

/// The shift b such that the (optionally weighted) mean of σ(s + b) equals `rate`, by bisection
/// (the mean is increasing in b).
fn bias_for_rate(scores: &[f64], weights: Option<&[f64]>, rate: f64) -> f64 {
    let mean_rate = |bias: f64| {
        let (mut total, mut weight_sum) = (0.0, 0.0);
        for (i, s) in scores.iter().enumerate() {
            let w = weights.map_or(1.0, |w| w[i]);
            total += w * sigmoid(s + bias);
            weight_sum += w;
        }
        total / weight_sum
    };
    let (mut low, mut high) = (-30.0, 30.0);
    for _ in 0..60 {
        let mid = 0.5 * (low + high);
        if mean_rate(mid) < rate {
            low = mid;
        } else {
            high = mid;
        }
    }
    0.5 * (low + high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_rates_match_the_config() {
        let config = FunnelConfig {
            click_rate: 0.2,
            conversion_rate: 0.05,
            ..FunnelConfig::default()
        };
        let rows = config.generate(9);
        let clicks = &rows.targets[0];
        let click_rate = clicks.iter().sum::<f32>() / clicks.len() as f32;
        assert!((click_rate - 0.2).abs() < 0.01, "click rate {click_rate}");
        let converted_clicks: f32 = clicks
            .iter()
            .zip(&rows.targets[1])
            .map(|(y, c)| y * c)
            .sum();
        let conversion_rate = converted_clicks / clicks.iter().sum::<f32>();
        assert!(
            (conversion_rate - 0.05).abs() < 0.01,
            "conversion rate among clicks {conversion_rate}"
        );
    }

    #[test]
    fn conversion_is_observed_only_on_clicks() {
        let rows = FunnelConfig::default().generate(2);
        let mask = rows.masks[1].as_ref().expect("conversion has a mask");
        assert_eq!(mask, &rows.targets[0]);
        assert!(rows.masks[0].is_none());
    }
}

#[cfg(test)]
mod knob_tests {
    use super::*;

    fn mean(values: &[f32]) -> f64 {
        values.iter().map(|v| f64::from(*v)).sum::<f64>() / values.len() as f64
    }

    /// Mean of `values` over the rows where `weights` (click probabilities) put their weight.
    fn weighted_mean(values: &[f32], weights: &[f32]) -> f64 {
        let total: f64 = values
            .iter()
            .zip(weights)
            .map(|(v, w)| f64::from(*v) * f64::from(*w))
            .sum();
        total / weights.iter().map(|w| f64::from(*w)).sum::<f64>()
    }

    /// Sparsity s keeps a (1 − s) share of the conversions: the true probabilities are scaled
    /// by exactly 1 − s, the drawn conversions are a subset of those without sparsity, about
    /// (1 − s) as many, and clicks do not change.
    #[test]
    fn conversion_sparsity_keeps_its_complement_of_the_conversions() {
        let dense = FunnelConfig::default().generate(4);
        let sparse = FunnelConfig {
            conversion_sparsity: 0.8,
            ..FunnelConfig::default()
        }
        .generate(4);
        assert_eq!(dense.targets[0], sparse.targets[0], "clicks change");
        let (dense_truth, sparse_truth) = (dense.funnel.unwrap(), sparse.funnel.unwrap());
        for (d, s) in dense_truth
            .conversion_probability
            .iter()
            .zip(&sparse_truth.conversion_probability)
        {
            assert!((0.2 * d - s).abs() < 1e-6, "{s} is not 0.2 × {d}");
        }
        let subset = dense_truth
            .would_convert
            .iter()
            .zip(&sparse_truth.would_convert)
            .all(|(d, s)| s <= d);
        assert!(subset, "a conversion appears that the dense funnel lacks");
        // About 1500 conversions without sparsity: the kept share's sampling std is ≈ 0.01.
        let kept = mean(&sparse_truth.would_convert) / mean(&dense_truth.would_convert);
        assert!((kept - 0.2).abs() < 0.035, "kept share {kept}");
        // Among clicks: (1 − s) · conversion_rate = 0.02 (the truth, no sampling noise).
        let among_clicks = weighted_mean(
            &sparse_truth.conversion_probability,
            &sparse_truth.click_probability,
        );
        assert!((among_clicks - 0.02).abs() < 1e-4, "{among_clicks}");
    }

    /// The conversion logit carries λ times the click logit, exactly: logit(p_cvr) at λ minus
    /// logit(p_cvr) at 0 minus λ·logit(p_ctr) is the same on every row (the difference of the
    /// base-rate shifts).
    #[test]
    fn selection_bias_adds_lambda_times_the_click_logit() {
        let logit = |p: f32| (f64::from(p) / (1.0 - f64::from(p))).ln();
        let lambda = 0.5;
        let plain = FunnelConfig::default().generate(6).funnel.unwrap();
        let biased = FunnelConfig {
            selection_bias: lambda,
            ..FunnelConfig::default()
        }
        .generate(6)
        .funnel
        .unwrap();
        let offsets: Vec<f64> = (0..plain.click_probability.len())
            .filter(|&row| {
                [
                    plain.conversion_probability[row],
                    biased.conversion_probability[row],
                ]
                .iter()
                .all(|p| (1e-4..0.999).contains(p))
            })
            .map(|row| {
                logit(biased.conversion_probability[row])
                    - logit(plain.conversion_probability[row])
                    - lambda * logit(plain.click_probability[row])
            })
            .collect();
        assert!(offsets.len() > 20_000, "{} rows in range", offsets.len());
        let (low, high) = offsets
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
        assert!(high - low < 1e-3, "offsets spread over {low} to {high}");
    }

    /// The clicked population differs from the impressions by the documented amount. With
    /// independent scores (correlation 0, no sines), signal 2 and both base rates 0.1, clicks
    /// convert at 0.1 by construction and all impressions at E[σ(2a + 2λb + b_cvr)] over
    /// independent standard normals a, b, with b_cvr fitted to the rate among clicks; by
    /// quadrature that is 0.100 for λ = 0, 0.026 for λ = 1 and 0.336 for λ = −1.
    #[test]
    fn selection_bias_separates_the_clicked_rate_from_the_entire_space_rate() {
        for (lambda, entire_space_rate) in [(0.0, 0.100), (1.0, 0.026), (-1.0, 0.336)] {
            let config = FunnelConfig {
                correlation: 0.0,
                sines: 0,
                selection_bias: lambda,
                ..FunnelConfig::default()
            };
            let truth = config.generate(8).funnel.unwrap();
            let among_clicks =
                weighted_mean(&truth.conversion_probability, &truth.click_probability);
            let entire_space = mean(&truth.conversion_probability);
            assert!(
                (among_clicks - 0.1).abs() < 1e-4,
                "λ {lambda}: {among_clicks}"
            );
            assert!(
                (entire_space - entire_space_rate).abs() < 0.01,
                "λ {lambda}: entire space {entire_space}, expected {entire_space_rate}"
            );
        }
    }

    #[test]
    fn the_knobs_state_their_ranges() {
        for (config, field) in [
            (
                FunnelConfig {
                    conversion_sparsity: 1.0,
                    ..FunnelConfig::default()
                },
                "conversion_sparsity",
            ),
            (
                FunnelConfig {
                    selection_bias: -3.5,
                    ..FunnelConfig::default()
                },
                "selection_bias",
            ),
        ] {
            let message = config.validate().unwrap_err().to_string();
            assert!(message.contains(field), "{message}");
        }
    }
}

#[cfg(test)]
mod signal_tests {
    use super::*;
    use crate::metrics::auc;

    /// The events follow the true probabilities, and those follow the features: a model can
    /// learn them.
    #[test]
    fn clicks_are_predictable_from_the_true_probabilities() {
        let rows = FunnelConfig::default().generate(3);
        let truth = rows.funnel.as_ref().unwrap();
        let oracle = auc(&truth.click_probability, &rows.targets[0]).unwrap();
        assert!(oracle > 0.7, "oracle click AUC {oracle}");
    }
}
