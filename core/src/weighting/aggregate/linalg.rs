//! Small dense linear algebra for `tasks × tasks` problems (T ≤ 8, so clarity beats speed).

/// Solves A·x = b (A row-major n×n) by Gaussian elimination with partial pivoting.
/// `None` when A is singular (a pivot below 1e-12 relative to the largest entry).
pub fn solve(a: &[f64], b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    let mut m: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let mut row = a[i * n..(i + 1) * n].to_vec();
            row.push(b[i]);
            row
        })
        .collect();
    for column in 0..n {
        let pivot =
            (column..n).max_by(|&i, &j| m[i][column].abs().total_cmp(&m[j][column].abs()))?;
        if m[pivot][column].abs() < 1e-12 * scale {
            return None;
        }
        m.swap(column, pivot);
        let (upper, lower) = m.split_at_mut(column + 1);
        let pivot_row = &upper[column];
        for row in lower.iter_mut() {
            let factor = row[column] / pivot_row[column];
            for (target, source) in row[column..].iter_mut().zip(&pivot_row[column..]) {
                *target -= factor * source;
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| m[row][k] * x[k]).sum();
        x[row] = (m[row][n] - tail) / m[row][row];
    }
    Some(x)
}

/// Eigen-decomposition of a symmetric matrix (row-major n×n) by cyclic Jacobi rotations.
/// Returns (eigenvalues, eigenvectors as columns of a row-major n×n matrix), eigenvalues in
/// ascending order.
pub fn symmetric_eigen(a: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = (a.len() as f64).sqrt().round() as usize;
    let mut m = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * n + j].powi(2))
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| m[i * n + i].total_cmp(&m[j * n + j]));
    let values = order.iter().map(|&i| m[i * n + i]).collect();
    let mut vectors = vec![0.0; n * n];
    for (column, &source) in order.iter().enumerate() {
        for row in 0..n {
            vectors[row * n + column] = v[row * n + source];
        }
    }
    (values, vectors)
}

/// Euclidean projection of `point` onto {x ≥ 0, Σ x = total} (Held, Wolfe & Crowder 1974;
/// the sort-based algorithm of Duchi et al., ICML 2008).
pub fn project_to_simplex(point: &[f64], total: f64) -> Vec<f64> {
    let mut sorted = point.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let mut cumulative = 0.0;
    let mut shift = 0.0;
    for (index, value) in sorted.iter().enumerate() {
        cumulative += value;
        let candidate = (cumulative - total) / (index + 1) as f64;
        if value - candidate > 0.0 {
            shift = candidate;
        }
    }
    point.iter().map(|v| (v - shift).max(0.0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_system() {
        // 2x + y = 5, x − y = 1 → x = 2, y = 1 (needs a pivot swap when reordered).
        let x = solve(&[0.0, 1.0, 2.0, 1.0], &[1.0, 5.0]).unwrap();
        assert!((x[0] - 2.0).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12);
        assert!(solve(&[1.0, 2.0, 2.0, 4.0], &[1.0, 2.0]).is_none());
    }

    #[test]
    fn eigen_reconstructs_the_matrix() {
        let a = [4.0, 1.0, 0.5, 1.0, 3.0, -0.2, 0.5, -0.2, 1.0];
        let (values, vectors) = symmetric_eigen(&a);
        assert!(values.windows(2).all(|w| w[0] <= w[1]));
        for i in 0..3 {
            for j in 0..3 {
                let rebuilt: f64 = (0..3)
                    .map(|k| vectors[i * 3 + k] * values[k] * vectors[j * 3 + k])
                    .sum();
                assert!((rebuilt - a[i * 3 + j]).abs() < 1e-10);
            }
        }
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let (values, _) = symmetric_eigen(&[2.0, 1.0, 1.0, 2.0]);
        assert!((values[0] - 1.0).abs() < 1e-12 && (values[1] - 3.0).abs() < 1e-12);
    }

    #[test]
    fn simplex_projection_by_hand() {
        // (0.5, 0.5) is already on the simplex; (2, 0) projects to (1, 0); (1, 1, −1) to (½, ½, 0).
        assert_eq!(project_to_simplex(&[0.5, 0.5], 1.0), vec![0.5, 0.5]);
        assert_eq!(project_to_simplex(&[2.0, 0.0], 1.0), vec![1.0, 0.0]);
        assert_eq!(
            project_to_simplex(&[1.0, 1.0, -1.0], 1.0),
            vec![0.5, 0.5, 0.0]
        );
        let scaled = project_to_simplex(&[0.3, 0.1], 0.2);
        assert!((scaled[0] - 0.2).abs() < 1e-12 && scaled[1].abs() < 1e-12);
    }
}
