//! The min-norm point of the convex hull of the task gradients, MGDA's common descent
//! direction.
//!
//! Sener & Koltun, "Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018,
//! Algorithm 2 (Frank–Wolfe over the simplex, exact line search; closed form for two tasks,
//! their Algorithm 1). Returns weights on the simplex; the direction Σ w_k g_k is the min-norm
//! element of conv{g_k}, zero exactly at a Pareto-stationary point.

use super::Gram;

/// The two-task solution: γ minimising ||γ·a + (1 − γ)·b||², given ⟨a,a⟩, ⟨a,b⟩, ⟨b,b⟩
/// (Algorithm 1): γ = clamp(⟨b − a, b⟩ / ||a − b||², 0, 1).
pub fn min_norm_two(aa: f64, ab: f64, bb: f64) -> f64 {
    let denominator = aa + bb - 2.0 * ab;
    if denominator <= 1e-300 {
        // a = b: every combination is the same point.
        return 0.5;
    }
    ((bb - ab) / denominator).clamp(0.0, 1.0)
}

/// Weights on the simplex whose combination has minimal norm, by Frank–Wolfe with exact line
/// search, started at the best pair of tasks; stops when a step changes the weights by less
/// than `tolerance` (L1) or after `iterations`.
pub fn min_norm_weights(gram: &Gram, iterations: usize, tolerance: f64) -> Vec<f64> {
    let tasks = gram.tasks();
    match tasks {
        0 => return Vec::new(),
        1 => return vec![1.0],
        _ => {}
    }
    // Start from the best pair (the paper's initialisation).
    let mut weights = vec![0.0; tasks];
    let mut best = f64::INFINITY;
    for i in 0..tasks {
        for j in i + 1..tasks {
            let gamma = min_norm_two(gram.get(i, i), gram.get(i, j), gram.get(j, j));
            let mut candidate = vec![0.0; tasks];
            candidate[i] = gamma;
            candidate[j] = 1.0 - gamma;
            let norm = gram.quadratic(&candidate);
            if norm < best {
                best = norm;
                weights = candidate;
            }
        }
    }
    if tasks == 2 {
        return weights;
    }
    for _ in 0..iterations {
        let gw = gram.times(&weights);
        // The vertex that decreases the norm fastest.
        let target = (0..tasks)
            .min_by(|&a, &b| gw[a].total_cmp(&gw[b]))
            .expect("tasks > 0");
        let current = super::dot(&weights, &gw);
        // Line search between the current point (norm² = current) and the vertex g_target.
        let gamma = min_norm_two(current, gw[target], gram.get(target, target));
        let mut next: Vec<f64> = weights.iter().map(|w| gamma * w).collect();
        next[target] += 1.0 - gamma;
        let change: f64 = next.iter().zip(&weights).map(|(a, b)| (a - b).abs()).sum();
        weights = next;
        if change < tolerance {
            break;
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_min_norm;
    use super::super::{Gram, combine};
    use super::*;

    #[test]
    fn two_tasks_by_hand() {
        // a = (1, 0), b = (0, 1): the min-norm point is (½, ½).
        assert_eq!(min_norm_two(1.0, 0.0, 1.0), 0.5);
        // a = (2, 0), b = (1, 1): ⟨b − a, b⟩ = 0 ⇒ γ = 0, the min-norm point is b itself.
        assert_eq!(min_norm_two(4.0, 2.0, 2.0), 0.0);
        // Opposite gradients a = (1, 0), b = (−1, 0): γ = ½ gives 0 (Pareto-stationary).
        let rows = vec![vec![1.0, 0.0], vec![-1.0, 0.0]];
        let weights = min_norm_weights(&Gram::of(&rows), 100, 1e-9);
        assert_eq!(combine(&rows, &weights), vec![0.0, 0.0]);
    }

    #[test]
    fn three_tasks_reach_the_min_norm_point_of_the_hull() {
        let rows = vec![
            vec![1.0, 0.2, 0.0],
            vec![-0.3, 1.0, 0.5],
            vec![0.4, -0.6, 1.0],
        ];
        let gram = Gram::of(&rows);
        let weights = min_norm_weights(&gram, 1000, 1e-12);
        assert!((weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(weights.iter().all(|w| *w >= 0.0));
        assert_min_norm(&gram, &weights, 1e-9);
    }
}
