//! The Pareto front of points where every coordinate is better when higher (MTL gains).

/// Indices of the points no other point dominates, in input order. A point dominates another
/// when it is at least as good in every coordinate and better in one; equal points do not
/// dominate each other, so duplicates on the front are all kept. Points with a non-finite
/// coordinate are left out.
pub fn front(points: &[Vec<f64>]) -> Vec<usize> {
    let finite = |p: &Vec<f64>| p.iter().all(|v| v.is_finite());
    let dominates = |a: &Vec<f64>, b: &Vec<f64>| {
        a.iter().zip(b).all(|(x, y)| x >= y) && a.iter().zip(b).any(|(x, y)| x > y)
    };
    (0..points.len())
        .filter(|&i| finite(&points[i]))
        .filter(|&i| {
            !points
                .iter()
                .any(|other| finite(other) && dominates(other, &points[i]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_of_hand_drawn_points() {
        let points = vec![
            vec![1.0, 0.0],  // 0: on the front (best x)
            vec![0.0, 1.0],  // 1: on the front (best y)
            vec![0.5, 0.5],  // 2: on the front (trade-off)
            vec![0.4, 0.4],  // 3: dominated by 2
            vec![1.0, -1.0], // 4: dominated by 0 (tie in x, worse in y)
        ];
        assert_eq!(front(&points), vec![0, 1, 2]);
    }

    #[test]
    fn duplicates_ties_and_single_points() {
        assert_eq!(front(&[vec![0.3, 0.3], vec![0.3, 0.3]]), vec![0, 1]);
        assert_eq!(front(&[vec![-1.0, -2.0]]), vec![0]);
        assert!(front(&[]).is_empty());
        assert_eq!(front(&[vec![f64::NAN, 9.0], vec![0.0, 0.0]]), vec![1]);
        // Three tasks: a point better in one coordinate only stays.
        let three = vec![
            vec![1.0, 1.0, 0.0],
            vec![0.0, 0.0, 0.1],
            vec![0.5, 0.5, 0.0],
        ];
        assert_eq!(front(&three), vec![0, 1]);
    }
}
