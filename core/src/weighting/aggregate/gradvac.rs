//! Gradient Vaccine (GradVac) of Wang, Tsvetkov, Firat & Cao, "Gradient Vaccine: Investigating
//! and Improving Multi-task Optimization in Massively Multilingual Models", ICLR 2021
//! (Algorithm 1, whole-model granularity).
//!
//! GradVac generalises PCGrad: instead of only removing conflicts (cosine < 0), it raises the
//! cosine similarity of each pair to an adaptive target φ̂_ij, an exponential moving average of
//! the observed similarities. For each task i, starting from g_i' = g_i and visiting the other
//! tasks j in a random order:
//!
//! - φ_ij = cos(g_i', g_j) (g_j the *original* gradient);
//! - if φ_ij < φ̂_ij: g_i' ← g_i' + g_j · ||g_i'||·(φ̂_ij·√(1−φ_ij²) − φ_ij·√(1−φ̂_ij²)) /
//!   (||g_j||·√(1−φ̂_ij²)), after which cos(g_i', g_j) = φ̂_ij exactly;
//! - φ̂_ij ← (1−β)·φ̂_ij + β·φ_ij, on every visit, with the similarity before any adjustment
//!   (the paper's Algorithm 1).
//!
//! The direction is the **sum** Σ_i g_i' (as in the paper and LibMTL), so its scale grows with
//! the number of tasks; with all targets at 0 and two tasks it is exactly PCGrad's.
//!
//! Hyperparameters: the EMA rate β, default [`GRADVAC_BETA`] = 0.01 (LibMTL's `GradVac_beta`
//! defaults to 0.5); targets start at 0. State: the T×T targets φ̂ (ordered pairs, not
//! symmetric), held by [`GradVac`]. Randomness: one shuffle of the other tasks per task from the
//! project's [`Rng`].
//!
//! Only inner products are needed: g_i' is tracked by its coefficients c_i (g_i' = Σ_k c_ik·g_k),
//! so ⟨g_i', g_j⟩ = (G·c_i)_j and ||g_i'||² = c_iᵀ·G·c_i.
//!
//! Degenerate input: a pair where either gradient is zero has no angle, so it is neither
//! adjusted nor used to update its target; a target of exactly 1 (reachable only by rounding)
//! cannot be reached by adding a finite multiple of g_j, so it is not acted on (its target still
//! moves by the EMA). T = 1 gives the weight 1.

use super::Gram;
use crate::rng::Rng;

/// The EMA rate β used by default.
pub const GRADVAC_BETA: f64 = 0.01;

/// GradVac's state: the T×T similarity targets φ̂_ij and the EMA rate β.
#[derive(Debug, Clone, PartialEq)]
pub struct GradVac {
    tasks: usize,
    beta: f64,
    /// Row-major: `targets[i * tasks + j]` is φ̂_ij.
    targets: Vec<f64>,
}

impl GradVac {
    /// Targets all 0 for `tasks` tasks, with EMA rate `beta` (in [0, 1]; see [`GRADVAC_BETA`]).
    pub fn new(tasks: usize, beta: f64) -> Self {
        Self {
            tasks,
            beta,
            targets: vec![0.0; tasks * tasks],
        }
    }

    /// Number of tasks.
    pub fn tasks(&self) -> usize {
        self.tasks
    }

    /// The EMA rate β.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The current target φ̂_ij for adjusting task i's gradient towards task j's.
    pub fn target(&self, i: usize, j: usize) -> f64 {
        self.targets[i * self.tasks + j]
    }

    /// The adjusted gradients g_i', one row of coefficients c_i per task (g_i' = Σ_k c_ik·g_k),
    /// updating the targets on the way. Draws one shuffle of the other tasks per task from `rng`.
    ///
    /// # Panics
    /// When `gram` is not `tasks × tasks` (the state belongs to another task set).
    pub fn adjusted(&mut self, gram: &Gram, rng: &mut Rng) -> Vec<Vec<f64>> {
        let tasks = self.tasks;
        assert_eq!(gram.tasks(), tasks, "GradVac state is for {tasks} tasks");
        (0..tasks)
            .map(|i| {
                let mut coefficients = vec![0.0; tasks];
                coefficients[i] = 1.0;
                let mut others: Vec<usize> = (0..tasks).filter(|&j| j != i).collect();
                rng.shuffle(&mut others);
                for j in others {
                    let target = self.targets[i * tasks + j];
                    if let Some(similarity) = vaccinate(gram, &mut coefficients, j, target) {
                        self.targets[i * tasks + j] =
                            (1.0 - self.beta) * target + self.beta * similarity;
                    }
                }
                coefficients
            })
            .collect()
    }

    /// GradVac's per-task weights: Σ_i c_i, so that `combine(rows, &weights)` = Σ_i g_i'.
    /// Updates the targets like [`GradVac::adjusted`].
    ///
    /// # Panics
    /// When `gram` is not `tasks × tasks`.
    pub fn weights(&mut self, gram: &Gram, rng: &mut Rng) -> Vec<f64> {
        let mut weights = vec![0.0; self.tasks];
        for coefficients in self.adjusted(gram, rng) {
            for (weight, c) in weights.iter_mut().zip(coefficients) {
                *weight += c;
            }
        }
        weights
    }
}

/// One vaccine step: when cos(g', g_j) < `target` (g' = Σ_k coefficients_k·g_k), adds the
/// multiple of g_j that makes the cosine exactly `target`. Returns the cosine before the step, or
/// `None` when it is undefined (g' or g_j zero).
fn vaccinate(gram: &Gram, coefficients: &mut [f64], j: usize, target: f64) -> Option<f64> {
    let inner_products = gram.times(coefficients);
    let norm = super::dot(coefficients, &inner_products).max(0.0).sqrt();
    let other_norm = gram.get(j, j).max(0.0).sqrt();
    if !(norm > 0.0 && other_norm > 0.0 && (norm * other_norm).is_finite()) {
        return None;
    }
    let similarity = (inner_products[j] / (norm * other_norm)).clamp(-1.0, 1.0);
    let target = target.clamp(-1.0, 1.0);
    let target_sine = (1.0 - target * target).max(0.0).sqrt();
    if similarity < target && target_sine > 0.0 {
        let sine = (1.0 - similarity * similarity).max(0.0).sqrt();
        coefficients[j] +=
            norm * (target * sine - similarity * target_sine) / (other_norm * target_sine);
    }
    Some(similarity)
}

#[cfg(test)]
mod tests {
    use super::super::nonneg_qp::random_rows;
    use super::super::{Gram, combine, dot};
    use super::*;
    use crate::weighting::aggregate::pcgrad::pcgrad_weights;

    fn cosine(a: &[f64], b: &[f64]) -> f64 {
        dot(a, b) / (dot(a, a) * dot(b, b)).sqrt()
    }

    #[test]
    fn first_step_with_zero_targets_by_hand() {
        // g1 = (1, 0), g2 = (−1, 1): φ12 = φ21 = −1/√2 < 0 = φ̂.
        // i = 1: a = ||g1||·(0 − φ·1)/(||g2||·1) = (1/√2)/√2 = ½ → c1 = (1, ½), g1' = (½, ½).
        // i = 2: a = ||g2||·(1/√2)/||g1|| = 1 → c2 = (1, 1), g2' = (0, 1).
        // Weights (2, 3/2); both targets move to 0.99·0 + 0.01·(−1/√2).
        let rows = vec![vec![1.0, 0.0], vec![-1.0, 1.0]];
        let mut vac = GradVac::new(2, GRADVAC_BETA);
        let weights = vac.weights(&Gram::of(&rows), &mut Rng::new(3));
        assert!((weights[0] - 2.0).abs() < 1e-12 && (weights[1] - 1.5).abs() < 1e-12);
        let moved = -0.01 / 2f64.sqrt();
        assert!((vac.target(0, 1) - moved).abs() < 1e-15);
        assert!((vac.target(1, 0) - moved).abs() < 1e-15);
        assert_eq!((vac.target(0, 0), vac.target(1, 1)), (0.0, 0.0));
    }

    #[test]
    fn positive_target_by_hand() {
        // g1 = (1, 0), g2 = (0, 1), φ̂12 = ½, φ̂21 = 0. φ12 = 0 < ½:
        // a = 1·(½·1 − 0)/(1·√¾) = 1/√3 → g1' = (1, 1/√3), whose cosine with g2 is
        // (1/√3)/√(4/3) = ½. φ21 = 0 is not below 0: g2 untouched.
        // Weights (1, 1 + 1/√3); φ̂12 → 0.99·½ + 0.01·0 = 0.495, φ̂21 stays 0.
        let rows = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
        let mut vac = GradVac::new(2, GRADVAC_BETA);
        vac.targets[1] = 0.5;
        let weights = vac.weights(&Gram::of(&rows), &mut Rng::new(0));
        assert_eq!(weights[0], 1.0);
        assert!((weights[1] - (1.0 + 1.0 / 3f64.sqrt())).abs() < 1e-12);
        assert!((vac.target(0, 1) - 0.495).abs() < 1e-15);
        assert_eq!(vac.target(1, 0), 0.0);
    }

    #[test]
    fn an_adjustment_reaches_the_target_similarity() {
        // The paper's construction: right after adjusting g_i' towards g_j, cos(g_i', g_j) = φ̂_ij.
        let mut rng = Rng::new(17);
        let mut adjusted = 0;
        for _ in 0..500 {
            let rows = random_rows(&mut rng, 3, 5);
            let gram = Gram::of(&rows);
            // g' an arbitrary combination (as after earlier adjustments), j = 2.
            let mut coefficients: Vec<f64> = (0..3).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
            let target = rng.uniform_in(-0.95, 0.95);
            let before = cosine(&combine(&rows, &coefficients), &rows[2]);
            let similarity = vaccinate(&gram, &mut coefficients, 2, target);
            assert!((similarity.unwrap() - before).abs() < 1e-12);
            let after = cosine(&combine(&rows, &coefficients), &rows[2]);
            if before < target {
                adjusted += 1;
                assert!((after - target).abs() < 1e-9, "{after} vs {target}");
            } else {
                assert!((after - before).abs() < 1e-15);
            }
        }
        assert!(
            adjusted > 100,
            "the sample exercises adjustments ({adjusted})"
        );
    }

    #[test]
    fn two_tasks_after_a_step_sit_at_the_targets_used() {
        // Whole procedure, two tasks: every adjusted g_i' ends at the target it was aimed at.
        let mut rng = Rng::new(23);
        let mut vac = GradVac::new(2, 0.3);
        for _ in 0..50 {
            let rows = random_rows(&mut rng, 2, 4);
            let before = [vac.target(0, 1), vac.target(1, 0)];
            let adjusted = vac.adjusted(&Gram::of(&rows), &mut rng);
            for (i, j) in [(0, 1), (1, 0)] {
                let original = cosine(&rows[i], &rows[j]);
                let now = cosine(&combine(&rows, &adjusted[i]), &rows[j]);
                let target = before[i];
                if original < target {
                    assert!((now - target).abs() < 1e-9);
                } else {
                    assert_eq!(combine(&rows, &adjusted[i]), rows[i]);
                }
                let ema = 0.7 * target + 0.3 * original;
                assert!((vac.target(i, j) - ema).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn zero_targets_and_two_tasks_is_pcgrad() {
        let mut rng = Rng::new(29);
        for _ in 0..100 {
            let rows = random_rows(&mut rng, 2, 3);
            let gram = Gram::of(&rows);
            let vaccine = GradVac::new(2, GRADVAC_BETA).weights(&gram, &mut Rng::new(1));
            let surgery = pcgrad_weights(&gram, &mut Rng::new(1));
            for (v, s) in vaccine.iter().zip(&surgery) {
                assert!((v - s).abs() < 1e-12, "{vaccine:?} vs {surgery:?}");
            }
        }
    }

    #[test]
    fn degenerate_inputs() {
        let mut rng = Rng::new(0);
        let mut single = GradVac::new(1, GRADVAC_BETA);
        assert_eq!(
            single.weights(&Gram::of(&[vec![1.0, 2.0]]), &mut rng),
            vec![1.0]
        );
        assert!(
            GradVac::new(0, 0.5)
                .weights(&Gram::of(&[]), &mut rng)
                .is_empty()
        );
        // A zero gradient: no angle, no adjustment, no target update, no NaN.
        let rows = vec![vec![0.0, 0.0], vec![-1.0, 1.0]];
        let mut vac = GradVac::new(2, GRADVAC_BETA);
        vac.targets = vec![0.0, 0.5, 0.5, 0.0];
        assert_eq!(vac.weights(&Gram::of(&rows), &mut rng), vec![1.0, 1.0]);
        assert_eq!(vac.targets, vec![0.0, 0.5, 0.5, 0.0]);
        // A target of 1 cannot be reached by a finite step: the gradient is left as it is.
        let rows = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
        let mut vac = GradVac::new(2, 0.5);
        vac.targets = vec![0.0, 1.0, 0.0, 0.0];
        assert_eq!(vac.weights(&Gram::of(&rows), &mut rng), vec![1.0, 1.0]);
        assert_eq!(vac.target(0, 1), 0.5);
    }
}
