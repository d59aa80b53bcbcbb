//! Evaluation metrics and the multi-task comparison numbers (MTL gain, Δm).
//!
//! All metrics run on the host over predictions read back in one batch at evaluation time.

use serde::{Deserialize, Serialize};

/// Area under the ROC curve by the rank-sum (Mann–Whitney U) formula, ties given their average
/// rank: AUC = (Σ ranks of positives − n⁺(n⁺+1)/2) / (n⁺·n⁻).
///
/// Returns `None` when a class is missing (the AUC is undefined), or lengths differ.
pub fn auc(scores: &[f32], labels: &[f32]) -> Option<f64> {
    if scores.len() != labels.len() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum_positive = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start..end (0-based) share the average rank, 1-based.
        let average_rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            if labels[i] > 0.5 {
                rank_sum_positive += average_rank;
            }
        }
        start = end;
    }
    let positives = labels.iter().filter(|&&y| y > 0.5).count() as f64;
    let negatives = labels.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    Some((rank_sum_positive - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// Mean binary cross-entropy of probabilities (clamped to [1e-7, 1 − 1e-7]).
pub fn log_loss(probabilities: &[f32], labels: &[f32]) -> f64 {
    let n = probabilities.len().max(1) as f64;
    probabilities
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = f64::from(p).clamp(1e-7, 1.0 - 1e-7);
            let y = f64::from(y);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum::<f64>()
        / n
}

/// Mean squared error.
pub fn mse(predictions: &[f32], targets: &[f32]) -> f64 {
    let n = predictions.len().max(1) as f64;
    predictions
        .iter()
        .zip(targets)
        .map(|(&p, &t)| (f64::from(p) - f64::from(t)).powi(2))
        .sum::<f64>()
        / n
}

/// Coefficient of determination 1 − SS_res/SS_tot (0 when the targets are constant).
pub fn r_squared(predictions: &[f32], targets: &[f32]) -> f64 {
    let n = targets.len().max(1) as f64;
    let mean = targets.iter().map(|&t| f64::from(t)).sum::<f64>() / n;
    let total: f64 = targets.iter().map(|&t| (f64::from(t) - mean).powi(2)).sum();
    if total <= 0.0 {
        return 0.0;
    }
    1.0 - mse(predictions, targets) * n / total
}

/// Pearson correlation coefficient.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let mean_a = a.iter().sum::<f64>() / n;
    let mean_b = b.iter().sum::<f64>() / n;
    let (mut cov, mut var_a, mut var_b) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        cov += (x - mean_a) * (y - mean_b);
        var_a += (x - mean_a).powi(2);
        var_b += (y - mean_b).powi(2);
    }
    cov / (var_a * var_b).sqrt()
}

/// A task's primary metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Area under the ROC curve (binary tasks).
    Auc,
    /// Mean squared error (regression tasks).
    Mse,
}

impl Metric {
    /// `auc` or `mse`, as reports and charts name it.
    pub fn id(self) -> &'static str {
        match self {
            Metric::Auc => "auc",
            Metric::Mse => "mse",
        }
    }

    /// Which direction is better.
    pub fn better(self) -> Better {
        match self {
            Metric::Auc => Better::Higher,
            Metric::Mse => Better::Lower,
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The names of the secondary metrics a report carries beside the primary one.
pub mod secondary {
    /// Log-loss of a binary task.
    pub const LOG_LOSS: &str = "logloss";
    /// R² of a regression task.
    pub const R2: &str = "r2";
    /// AUC of a funnel step's predictions against whether every row (clicked or not) would
    /// have converted.
    pub const CVR_AUC_ENTIRE_SPACE: &str = "cvr_auc_entire_space";
    /// AUC of the product of a funnel's two steps against both events happening.
    pub const CTCVR_AUC: &str = "ctcvr_auc";
}

/// Which direction of a metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Better {
    /// AUC, R².
    Higher,
    /// MSE, log-loss.
    Lower,
}

/// MTL gain of one task (Tang et al., PLE, RecSys 2020, Eq. 11): the improvement of the
/// multi-task model's metric over the single-task baseline's, signed so that positive means
/// the multi-task model is better.
pub fn mtl_gain(multi_task: f64, single_task: f64, better: Better) -> f64 {
    match better {
        Better::Higher => multi_task - single_task,
        Better::Lower => single_task - multi_task,
    }
}

/// Δm (Maninis et al., CVPR 2019; Vandenhende et al., TPAMI 2021): the mean over tasks of the
/// relative change of each metric against its single-task baseline, in percent, sign-corrected
/// so that **higher is better** (a task whose metric is better when lower counts its decrease
/// as a gain). `None` when a baseline metric is zero.
pub fn delta_m(multi_task: &[f64], single_task: &[f64], better: &[Better]) -> Option<f64> {
    if multi_task.is_empty() || multi_task.len() != single_task.len() {
        return None;
    }
    let mut total = 0.0;
    for ((&m, &b), &direction) in multi_task.iter().zip(single_task).zip(better) {
        if b == 0.0 {
            return None;
        }
        total += mtl_gain(m, b, direction) / b.abs();
    }
    Some(100.0 * total / multi_task.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_hand_computed_with_ties() {
        // Scores 0.1(−) 0.4(+) 0.4(−) 0.8(+): ranks 1, 2.5, 2.5, 4. Positives' rank sum 6.5;
        // U = 6.5 − 3 = 3.5; AUC = 3.5 / (2·2) = 0.875.
        let scores = [0.1, 0.4, 0.4, 0.8];
        let labels = [0.0, 1.0, 0.0, 1.0];
        assert_eq!(auc(&scores, &labels), Some(0.875));
        // All scores tied: 0.5.
        assert_eq!(auc(&[0.3; 4], &labels), Some(0.5));
        // Perfect and inverted rankings.
        assert_eq!(auc(&[0.1, 0.9], &[0.0, 1.0]), Some(1.0));
        assert_eq!(auc(&[0.9, 0.1], &[0.0, 1.0]), Some(0.0));
        // One class only: undefined.
        assert_eq!(auc(&[0.1, 0.2], &[1.0, 1.0]), None);
    }

    #[test]
    fn auc_matches_pairwise_count() {
        let scores = [0.3, 0.1, 0.7, 0.7, 0.2, 0.9, 0.5, 0.5];
        let labels = [1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
        let mut wins = 0.0;
        let mut pairs = 0.0;
        for i in 0..8 {
            for j in 0..8 {
                if labels[i] == 1.0 && labels[j] == 0.0 {
                    pairs += 1.0;
                    wins += match scores[i].partial_cmp(&scores[j]).unwrap() {
                        std::cmp::Ordering::Greater => 1.0,
                        std::cmp::Ordering::Equal => 0.5,
                        std::cmp::Ordering::Less => 0.0,
                    };
                }
            }
        }
        assert!((auc(&scores, &labels).unwrap() - wins / pairs).abs() < 1e-12);
    }

    #[test]
    fn regression_metrics_by_hand() {
        let predictions = [1.0, 2.0, 3.0];
        let targets = [1.0, 2.0, 5.0];
        assert!((mse(&predictions, &targets) - 4.0 / 3.0).abs() < 1e-12);
        // mean 8/3; SS_tot = 25/9 + 4/9 + 49/9 = 78/9; SS_res = 4.
        assert!((r_squared(&predictions, &targets) - (1.0 - 4.0 * 9.0 / 78.0)).abs() < 1e-9);
        assert!((log_loss(&[0.5], &[1.0]) - std::f64::consts::LN_2).abs() < 1e-9);
    }

    #[test]
    fn delta_m_is_sign_corrected() {
        // Task 1: AUC 0.80 vs 0.75 (+6.67%); task 2: MSE 0.9 vs 1.0 (lower is better: +10%).
        let dm = delta_m(&[0.80, 0.9], &[0.75, 1.0], &[Better::Higher, Better::Lower]).unwrap();
        assert!(
            (dm - (100.0 * (0.05 / 0.75 + 0.1) / 2.0)).abs() < 1e-9,
            "{dm}"
        );
        assert!((mtl_gain(0.9, 1.0, Better::Lower) - 0.1).abs() < 1e-12);
        assert!((mtl_gain(0.7, 0.75, Better::Higher) + 0.05).abs() < 1e-12);
    }
}
