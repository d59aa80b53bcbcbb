//! Rank-bucket fusion: each task's score becomes a bucket of its rank within a slate, and the
//! buckets are combined linearly, so the fused score no longer depends on the tasks' score
//! scales.

use super::formula::check_values;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Rows are cut, in order, into slates of `slate` items (the last may be shorter). Within a
/// slate of n items each task's scores are ranked, best (highest) first, rank 1..n; **tied
/// scores share the better (smaller) rank** ("1224" competition ranking). Rank r falls into
/// bucket b = ⌊(r − 1) · B / n⌋ ∈ 0..B, scored (B − b) / B: with B = 100 the best bucket scores
/// 1.00 and the worst 0.01. F = Σ_k w_k · bucket score_k.
///
/// Worked example (n = 4, B = 2, scores 0.9, 0.5, 0.5, 0.1): ranks 1, 2, 2, 4; buckets 0, 0, 0,
/// 1; bucket scores 1.0, 1.0, 1.0, 0.5.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankBucketFusion {
    /// Items per slate, ≥ 1 (default 1000).
    pub slate: usize,
    /// Buckets B, ≥ 1 (default 100).
    pub buckets: usize,
    /// w_k per task, finite and ≥ 0 (neutral: 1).
    pub weights: Vec<f64>,
}

impl RankBucketFusion {
    /// Slates of 1000, 100 buckets, unit weights.
    pub fn neutral(tasks: usize) -> Self {
        Self {
            slate: 1000,
            buckets: 100,
            weights: vec![1.0; tasks],
        }
    }

    /// # Errors
    /// A zero slate or bucket count, or a bad weight.
    pub fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        if self.slate == 0 {
            return Err(ConfigError::new("slate", "must be at least 1 item"));
        }
        if self.buckets == 0 {
            return Err(ConfigError::new("buckets", "must be at least 1"));
        }
        check_values("weights", &self.weights, tasks, 0.0)
    }

    /// The fused score of every row, slate by slate.
    ///
    /// # Errors
    /// No rows (an empty slate), or bad parameters.
    pub fn fuse_slates(&self, scores: &[Vec<f64>]) -> Result<Vec<f64>, ConfigError> {
        self.validate(scores.len())?;
        let rows = scores.first().map_or(0, Vec::len);
        if rows == 0 {
            return Err(ConfigError::new(
                "scores",
                "an empty slate: no items to rank",
            ));
        }
        let mut fused = vec![0.0; rows];
        let mut start = 0;
        while start < rows {
            let end = (start + self.slate).min(rows);
            for (task, column) in scores.iter().enumerate() {
                let buckets = bucket_scores(&column[start..end], self.buckets)?;
                for (item, bucket) in buckets.into_iter().enumerate() {
                    fused[start + item] += self.weights[task] * bucket;
                }
            }
            start = end;
        }
        Ok(fused)
    }
}

/// Each item's bucket score within one slate (see [`RankBucketFusion`]).
///
/// # Errors
/// An empty slate, zero buckets or a NaN score.
pub fn bucket_scores(slate: &[f64], buckets: usize) -> Result<Vec<f64>, ConfigError> {
    let n = slate.len();
    if n == 0 {
        return Err(ConfigError::new(
            "slate",
            "an empty slate: no items to rank",
        ));
    }
    if buckets == 0 {
        return Err(ConfigError::new("buckets", "must be at least 1"));
    }
    if let Some(i) = slate.iter().position(|s| s.is_nan()) {
        return Err(ConfigError::new(
            format!("scores[{i}]"),
            "NaN cannot be ranked",
        ));
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| slate[b].total_cmp(&slate[a]));
    let mut result = vec![0.0; n];
    let mut rank = 1;
    for (position, &item) in order.iter().enumerate() {
        if position > 0 && slate[item] != slate[order[position - 1]] {
            rank = position + 1;
        }
        let bucket = (rank - 1) * buckets / n;
        result[item] = (buckets - bucket) as f64 / buckets as f64;
    }
    Ok(result)
}
