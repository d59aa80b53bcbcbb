//! Hand-computed cases for every formula, the objective, the CSV and the searches.

use super::*;
use crate::data::TaskKind;
use crate::rng::Rng;
use burn::prelude::Device;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn two_tasks(scores: Vec<Vec<f64>>, labels: Vec<Vec<Option<f64>>>) -> Predictions {
    Predictions {
        tasks: vec!["click".into(), "convert".into()],
        kinds: vec![TaskKind::Binary, TaskKind::Binary],
        scores,
        labels,
    }
}

#[test]
fn additive_is_the_weighted_sum() {
    let f = AdditiveFusion {
        weights: vec![1.0, 2.0],
    };
    assert!(close(f.fuse(&[0.5, 0.25]), 1.0));
}

#[test]
fn multiplicative_is_the_product_of_offset_powers() {
    // (0 + 0.5)^2 · (0.5 + 0.5)^1 = 0.25.
    let f = MultiplicativeFusion {
        alpha: vec![0.0, 0.5],
        beta: vec![2.0, 1.0],
    };
    assert!(close(f.fuse(&[0.5, 0.5]).unwrap(), 0.25));
    // PLE's α = 0: 0.25^1 · 0.16^0.5 = 0.25 · 0.4 = 0.1.
    let ple = MultiplicativeFusion {
        alpha: vec![0.0, 0.0],
        beta: vec![1.0, 0.5],
    };
    assert!(close(ple.fuse(&[0.25, 0.16]).unwrap(), 0.1));
    let error = ple.fuse(&[0.25, -0.5]).unwrap_err();
    assert_eq!(error.field, "alpha[1]");
}

#[test]
fn extended_has_a_score_dependent_exponent() {
    // Task 0: (0.1 + 2·0.2)^(1·(1 + 0)) = 0.5; task 1: (0 + 1·0.5)^(1·(1 + 2·0.5)) = 0.5² = 0.25.
    let f = ExtendedFusion {
        weight: vec![2.0, 1.0],
        alpha: vec![0.1, 0.0],
        beta: vec![1.0, 1.0],
        gamma: vec![0.0, 2.0],
    };
    assert!(close(f.fuse(&[0.2, 0.5]).unwrap(), 0.125));
    // Neutral = the plain product.
    assert!(close(
        ExtendedFusion::neutral(2).fuse(&[0.2, 0.5]).unwrap(),
        0.1
    ));
}

#[test]
fn rank_buckets_worked_example_with_ties() {
    // n = 4, B = 2, scores 0.9, 0.5, 0.5, 0.1: ranks 1, 2, 2, 4 (ties share the better rank);
    // buckets ⌊(r − 1)·2/4⌋ = 0, 0, 0, 1; scores (2 − b)/2 = 1, 1, 1, 0.5.
    assert_eq!(
        bucket_scores(&[0.9, 0.5, 0.5, 0.1], 2).unwrap(),
        vec![1.0, 1.0, 1.0, 0.5]
    );
    // n = 4, B = 4 with a tie at the bottom: 0.1, 0.1 both get rank 3 → bucket 2 → 0.5.
    assert_eq!(
        bucket_scores(&[0.3, 0.1, 0.9, 0.1], 4).unwrap(),
        vec![0.75, 0.5, 1.0, 0.5]
    );
    // 100 buckets of a 1000-item slate: best 1.00, worst 0.01.
    let slate: Vec<f64> = (0..1000).map(f64::from).collect();
    let scores = bucket_scores(&slate, 100).unwrap();
    assert!(close(scores[999], 1.0) && close(scores[0], 0.01));
    // Two tasks, weights 1 and 2, slates of 2 items, B = 2:
    // slate 1: task0 (0.9, 0.1) → (1, 0.5), task1 (0.2, 0.8) → (0.5, 1) → fused (2, 2.5);
    // slate 2: task0 (0.3, 0.3) → tie → (1, 1), task1 (0.0, 0.5) → (0.5, 1) → fused (2, 3).
    let f = RankBucketFusion {
        slate: 2,
        buckets: 2,
        weights: vec![1.0, 2.0],
    };
    let fused = f
        .fuse_slates(&[vec![0.9, 0.1, 0.3, 0.3], vec![0.2, 0.8, 0.0, 0.5]])
        .unwrap();
    assert_eq!(fused, vec![2.0, 2.5, 2.0, 3.0]);
    assert_eq!(bucket_scores(&[], 2).unwrap_err().field, "slate");
    let empty = f.fuse_slates(&[vec![], vec![]]).unwrap_err();
    assert!(empty.message.contains("empty slate"), "{empty}");
}

#[test]
fn bad_parameters_are_named() {
    let f = FusionFormula::Multiplicative(MultiplicativeFusion {
        alpha: vec![0.0, f64::NAN],
        beta: vec![1.0, 1.0],
    });
    assert_eq!(f.validate(2).unwrap_err().field, "alpha[1]");
    let f = FusionFormula::Additive(AdditiveFusion {
        weights: vec![1.0, -1.0],
    });
    assert_eq!(f.validate(2).unwrap_err().field, "weights[1]");
    assert_eq!(f.validate(3).unwrap_err().field, "weights");
    let f = FusionFormula::named("extended", 2).unwrap();
    let f = f
        .with_values(&[1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, -2.0])
        .unwrap();
    assert_eq!(f.validate(2).unwrap_err().field, "gamma[1]");
    assert!(
        FusionFormula::named("max", 2)
            .unwrap_err()
            .message
            .contains("additive")
    );
    let rb = FusionFormula::RankBuckets(RankBucketFusion {
        slate: 0,
        buckets: 100,
        weights: vec![1.0, 1.0],
    });
    assert_eq!(rb.validate(2).unwrap_err().field, "slate");
    let additive = FusionFormula::named("additive", 2).unwrap();
    assert!(additive.fuse_all(&[vec![], vec![]]).is_err());
    let ragged = additive.fuse_all(&[vec![0.1, 0.2], vec![0.3]]).unwrap_err();
    assert_eq!(ragged.field, "scores[1]");
    assert_eq!(
        additive.with_values(&[1.0]).unwrap_err().field,
        "parameters"
    );
}

#[test]
fn formulas_round_trip_through_json() {
    for name in ["additive", "multiplicative", "extended", "rank-buckets"] {
        let f = FusionFormula::named(name, 2).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains(&format!("\"formula\":\"{name}\"")), "{json}");
        assert_eq!(serde_json::from_str::<FusionFormula>(&json).unwrap(), f);
    }
    let parsed: FusionFormula =
        serde_json::from_str(r#"{"formula":"additive","weights":[1,3]}"#).unwrap();
    assert_eq!(
        parsed.parameters(&["a".into(), "b".into()])[1].name,
        "weight.b"
    );
}

#[test]
fn kendall_tau_b_by_hand() {
    // Pairs of (1,2,3) vs (1,3,2): two concordant, one discordant → 1/3.
    assert!(close(
        kendall_tau_b(&[1.0, 2.0, 3.0], &[1.0, 3.0, 2.0]).unwrap(),
        1.0 / 3.0
    ));
    // x = (1,1,2), y = (1,2,3): one pair tied in x, two concordant → 2/√(2·3).
    let tau = kendall_tau_b(&[1.0, 1.0, 2.0], &[1.0, 2.0, 3.0]).unwrap();
    assert!(close(tau, 2.0 / 6f64.sqrt()));
    assert_eq!(kendall_tau_b(&[1.0, 1.0], &[1.0, 2.0]), None);
}

#[test]
fn quality_skips_masked_rows() {
    // Labelled rows: fused 0.1 (0), 0.4 (0), 0.35 (1), 0.8 (1): 3 of 4 pairs ordered → 0.75.
    // The masked row (score 0.0) would add a wrongly ordered pair were it counted as positive.
    let fused = [0.1, 0.4, 0.35, 0.8, 0.0];
    let labels = [Some(0.0), Some(0.0), Some(1.0), Some(1.0), None];
    assert!(close(
        ranking_quality(&fused, &labels, TaskKind::Binary).unwrap(),
        0.75
    ));
    let tau = ranking_quality(
        &[1.0, 2.0, 3.0, 9.0],
        &[Some(1.0), Some(3.0), Some(2.0), None],
        TaskKind::Regression,
    );
    assert!(close(tau.unwrap(), 1.0 / 3.0));
}

#[test]
fn objective_weights_importance_and_penalises_floors() {
    let objective = Objective {
        importance: vec![1.0, 2.0],
        floors: vec![None, None],
    };
    let e = objective.combine(vec![0.8, 0.6]);
    assert!(close(e.objective, 2.0) && e.feasible);
    let floored = Objective {
        importance: vec![1.0, 2.0],
        floors: vec![None, Some(0.7)],
    };
    let e = floored.combine(vec![0.8, 0.6]);
    assert!(close(e.objective, 2.0 - 100.0 * 0.1) && !e.feasible);
    // A constant fused score ranks nothing: rejected, not scored 0.5.
    let p = two_tasks(
        vec![vec![0.2, 0.7], vec![0.4, 0.1]],
        vec![vec![Some(0.0), Some(1.0)], vec![Some(1.0), Some(0.0)]],
    );
    let zero = FusionFormula::Additive(AdditiveFusion {
        weights: vec![0.0, 0.0],
    });
    let error = objective.evaluate(&zero, &p).unwrap_err();
    assert!(error.message.contains("same for every row"), "{error}");
    // Weights (1, 2): fused 1.0, 0.9; click ranks its positive last (AUC 0), convert first (1).
    let one_two = FusionFormula::Additive(AdditiveFusion {
        weights: vec![1.0, 2.0],
    });
    let e = objective.evaluate(&one_two, &p).unwrap();
    assert_eq!(e.qualities, vec![0.0, 1.0]);
    assert!(close(e.objective, 2.0));
    let bad = Objective {
        importance: vec![1.0, -1.0],
        floors: vec![None, None],
    };
    assert_eq!(bad.validate(2).unwrap_err().field, "importance[1]");
}

#[test]
fn csv_round_trips_and_names_bad_input() {
    let p = two_tasks(
        vec![vec![0.25, 0.1 + 0.2], vec![0.5, 1e-7]],
        vec![vec![Some(1.0), Some(0.0)], vec![None, Some(1.0)]],
    );
    let csv = p.to_csv();
    assert_eq!(
        csv,
        "click_score,click_label,convert_score,convert_label\n0.25,1,0.5,\n0.30000000000000004,0,0.0000001,1\n"
    );
    assert_eq!(Predictions::from_csv(&csv).unwrap(), p);
    let regression = Predictions::from_csv("a_score,a_label,b_score,b_label\n1,2.5,0,1\n").unwrap();
    assert_eq!(
        regression.kinds,
        vec![TaskKind::Regression, TaskKind::Binary]
    );

    let err = |text: &str| Predictions::from_csv(text).unwrap_err().to_string();
    assert!(err("").contains("empty"));
    assert!(err("a_score,a_label,b_score\n").contains("missing column `b_label`"));
    assert!(err("a_score,a_label\n1,0\n").contains("at least two tasks"));
    assert!(err("a_score,a_label,b_score,b_label\n").contains("no data rows"));
    let ragged = err("a_score,a_label,b_score,b_label\n1,0,1,0\n1,0,1\n");
    assert!(
        ragged.contains("line 3") && ragged.contains("3 cells"),
        "{ragged}"
    );
    let nan = err("a_score,a_label,b_score,b_label\n1,0,x,0\n");
    assert!(
        nan.contains("line 2, column `b_score`") && nan.contains("`x`"),
        "{nan}"
    );
    assert!(err("a_value,a_label,b_score,b_label\n").contains("`a_value`"));
}

/// Two uniform scores; task `target`'s label is 1[s₁ + 3 s₂ + 0.3·ε > 2] (ε standard normal),
/// task `other`'s is 1[s₂ > 0.5]. The best additive fusion for `target` has w₂/w₁ ≈ 3.
fn planted(rows: usize) -> Predictions {
    uniform_scores(rows, 7, |rng, s1, s2| {
        let y = f64::from(u8::from(s1 + 3.0 * s2 + 0.3 * rng.normal() > 2.0));
        [Some(y), Some(f64::from(u8::from(s2 > 0.5)))]
    })
}

/// `rows` rows of two scores drawn U(0, 1) from `seed`, each row's two labels from `label`
/// (which may draw from the same generator after the scores).
fn uniform_scores(
    rows: usize,
    seed: u64,
    mut label: impl FnMut(&mut Rng, f64, f64) -> [Option<f64>; 2],
) -> Predictions {
    let mut rng = Rng::new(seed);
    let mut scores = vec![Vec::new(), Vec::new()];
    let mut labels = vec![Vec::new(), Vec::new()];
    for _ in 0..rows {
        let (s1, s2) = (rng.uniform(), rng.uniform());
        let [y1, y2] = label(&mut rng, s1, s2);
        scores[0].push(s1);
        scores[1].push(s2);
        labels[0].push(y1);
        labels[1].push(y2);
    }
    two_tasks(scores, labels)
}

fn bernoulli(rng: &mut Rng, p: f64) -> Option<f64> {
    Some(f64::from(u8::from(rng.bernoulli(p))))
}

fn target_only() -> Objective {
    Objective {
        importance: vec![1.0, 0.0],
        floors: vec![None, None],
    }
}

fn planted_auc(p: &Predictions) -> f64 {
    let best = FusionFormula::Additive(AdditiveFusion {
        weights: vec![1.0, 3.0],
    });
    target_only().evaluate(&best, p).unwrap().objective
}

#[test]
fn cem_recovers_a_planted_weight_ratio() {
    let p = planted(4000);
    let start = FusionFormula::named("additive", 2).unwrap();
    let search = SearchConfig::Cem(CemSettings::default());
    let result = search.run(&start, &target_only(), &p).unwrap();
    let ratio = result.best_values[1] / result.best_values[0];
    // AUC is flat near the optimum, so the ratio is recovered within ±25 % and the AUC to
    // within 0.002 of the planted fusion's.
    assert!((2.25..=3.75).contains(&ratio), "ratio {ratio}");
    assert!(result.best.objective >= planted_auc(&p) - 0.002);
    assert!(result.best.objective >= result.start.objective);
    assert!(result.best.objective > result.start.objective + 0.01);
    assert_eq!(result.history.len(), 20);
    assert_eq!(
        result.best_formula.parameters(&p.tasks)[1].value,
        result.best_values[1]
    );
}

#[test]
fn grid_and_random_find_the_planted_ratio() {
    let p = planted(4000);
    let start = FusionFormula::named("additive", 2).unwrap();
    // Grid points 0, 1.25, …, 5 include the exact ratio 3 (1.25, 3.75).
    let grid = SearchConfig::Grid(GridSettings { points: 5 });
    let result = grid.run(&start, &target_only(), &p).unwrap();
    assert!(
        close(result.best_values[1] / result.best_values[0], 3.0),
        "{:?}",
        result.best_values
    );
    let random = SearchConfig::Random(RandomSettings {
        samples: 300,
        seed: 1,
    });
    let result = random.run(&start, &target_only(), &p).unwrap();
    let ratio = result.best_values[1] / result.best_values[0];
    assert!((2.25..=3.75).contains(&ratio), "ratio {ratio}");
    assert!(result.best.objective >= planted_auc(&p) - 0.002);
}

#[test]
fn no_search_returns_worse_than_its_start() {
    let p = planted(1000);
    // Start at the planted optimum; tiny searches around poor regions must keep it.
    let start = FusionFormula::Additive(AdditiveFusion {
        weights: vec![1.0, 3.0],
    });
    let searches = [
        SearchConfig::Grid(GridSettings { points: 2 }),
        SearchConfig::Random(RandomSettings {
            samples: 3,
            seed: 2,
        }),
        SearchConfig::Cem(CemSettings {
            samples: 2,
            keep: 1,
            iterations: 2,
            ..CemSettings::default()
        }),
    ];
    for search in searches {
        let result = search.run(&start, &target_only(), &p).unwrap();
        assert!(
            result.best.objective >= result.start.objective,
            "{}",
            search.name()
        );
        for (stats, _) in result.history.iter().zip(0..) {
            assert!(stats.best <= result.best.objective);
        }
    }
}

#[test]
fn multiplicative_cem_improves_a_floored_objective() {
    let p = planted(2000);
    let start = FusionFormula::named("multiplicative", 2).unwrap();
    let objective = Objective {
        importance: vec![1.0, 1.0],
        floors: vec![Some(0.5), None],
    };
    let result = SearchConfig::Cem(CemSettings::default())
        .run(&start, &objective, &p)
        .unwrap();
    assert!(result.best.objective >= result.start.objective);
    assert!(result.best.feasible);
}

#[test]
fn bad_search_settings_are_named() {
    let p = planted(100);
    let start = FusionFormula::named("additive", 2).unwrap();
    let cem = SearchConfig::Cem(CemSettings {
        keep: 60,
        ..CemSettings::default()
    });
    assert_eq!(
        cem.run(&start, &target_only(), &p).unwrap_err().field,
        "cem.keep"
    );
    let huge = SearchConfig::Grid(GridSettings { points: 1000 });
    let extended = FusionFormula::named("extended", 2).unwrap();
    assert_eq!(
        huge.run(&extended, &target_only(), &p).unwrap_err().field,
        "grid.points"
    );
    assert!(SearchConfig::named("anneal").is_err());
}

#[test]
fn the_fusion_seesaw_trades_one_task_for_the_other() {
    let p = planted(2000);
    let start = FusionFormula::named("additive", 2).unwrap();
    // Sweep w₂ from 0 to 10 with w₁ = 1: task 2's label is s₂ > 0.5, so its AUC rises to 1.
    let points = fusion_seesaw(&start, &p, 1, (0.0, 10.0), 6).unwrap();
    assert_eq!(points.len(), 6);
    assert!(close(points[0].value, 0.0) && close(points[5].value, 10.0));
    let second: Vec<f64> = points.iter().map(|q| q.qualities[1].unwrap()).collect();
    assert!(second[5] > second[0] + 0.3, "{second:?}");
    assert_eq!(
        fusion_seesaw(&start, &p, 5, (0.0, 1.0), 3)
            .unwrap_err()
            .field,
        "parameter"
    );
}

#[test]
fn ltr_one_gradient_step_by_hand() {
    // x = (1, 0), (0, 1); click labels 1, 0; conversion masked on row 0 and 0 on row 1;
    // label weights (1, 0) → y = 1, 0. From w = b = 0: p = 0.5, 0.5; ∂/∂w = mean((p − y) x) =
    // (−0.25, 0.25), ∂/∂b = 0. One step at rate 1: w = (0.25, −0.25), b = 0; loss ln 2.
    let p = two_tasks(
        vec![vec![1.0, 0.0], vec![0.0, 1.0]],
        vec![vec![Some(1.0), Some(0.0)], vec![None, Some(0.0)]],
    );
    let settings = LtrSettings {
        label_weights: vec![1.0, 0.0],
        learning_rate: 1.0,
        iterations: 1,
        l2: 0.0,
    };
    let model = train_ltr(&p, &settings).unwrap();
    assert!(close(model.weights[0], 0.25) && close(model.weights[1], -0.25));
    assert!(close(model.bias, 0.0) && close(model.loss, 2f64.ln()));
    // Combined label with weights (1, 3): row 0: (1·1 + 3·0)/4, row 1: 0.
    assert_eq!(combined_labels(&p, &[1.0, 3.0]).unwrap(), vec![0.25, 0.0]);
    assert_eq!(
        combined_labels(&p, &[0.0, 0.0]).unwrap_err().field,
        "label_weights"
    );
    let bad = LtrSettings {
        iterations: 0,
        ..settings
    };
    assert_eq!(train_ltr(&p, &bad).unwrap_err().field, "iterations");
}

#[test]
fn ltr_beats_every_single_task_score_on_the_combined_label() {
    // Click ~ Bernoulli(s₁), conversion ~ Bernoulli(s₂), independent: the combined label
    // click + 3·conversion depends on both scores, so no single score ranks it as well as the
    // learned fusion. Quality: Kendall's τ-b against the combined label.
    let p = uniform_scores(1500, 11, |rng, s1, s2| {
        [bernoulli(rng, s1), bernoulli(rng, s2)]
    });
    let weights = [1.0, 3.0];
    let combined = combined_labels(&p, &weights).unwrap();
    let settings = LtrSettings {
        label_weights: weights.to_vec(),
        ..LtrSettings::default()
    };
    let model = train_ltr(&p, &settings).unwrap();
    let fused = kendall_tau_b(&model.score_all(&p.scores), &combined).unwrap();
    for task in 0..2 {
        let single = kendall_tau_b(&p.scores[task], &combined).unwrap();
        assert!(
            fused > single + 0.02,
            "fused {fused} vs task {task} {single}"
        );
    }
    // The conversion is worth three clicks: its weight comes out larger.
    assert!(
        model.weights[1] > 1.5 * model.weights[0],
        "{:?}",
        model.weights
    );
}

/// Click ~ Bernoulli(0.9) where exactly one of s₁, s₂ is above 0.5, else Bernoulli(0.1): an
/// interaction no weighted sum of the scores ranks (its AUC stays near 0.5).
fn exclusive_or(rows: usize) -> Predictions {
    uniform_scores(rows, 5, |rng, s1, s2| {
        let rate = if (s1 > 0.5) != (s2 > 0.5) { 0.9 } else { 0.1 };
        [bernoulli(rng, rate), None]
    })
}

#[test]
fn mlp_fusion_learns_an_interaction_the_logistic_regression_cannot() {
    let p = exclusive_or(2000);
    let label_weights = vec![1.0, 0.0];
    let combined = combined_labels(&p, &label_weights).unwrap();
    let auc = |fused: &[f64]| {
        let labels: Vec<Option<f64>> = combined.iter().map(|v| Some(*v)).collect();
        ranking_quality(fused, &labels, TaskKind::Binary).unwrap()
    };
    let linear = train_ltr(
        &p,
        &LtrSettings {
            label_weights: label_weights.clone(),
            ..LtrSettings::default()
        },
    )
    .unwrap();
    let settings = MlpSettings {
        label_weights,
        ..MlpSettings::default()
    };
    let mlp = pollster::block_on(train_ltr_mlp(&p, &settings, &Device::flex())).unwrap();
    let (linear_auc, mlp_auc) = (
        auc(&linear.score_all(&p.scores)),
        auc(&mlp.score_all(&p.scores)),
    );
    // The true rule's AUC is 0.9 (0.9·0.9 + ties); the MLP gets close, the sum stays at chance.
    assert!(linear_auc < 0.6, "logistic regression {linear_auc}");
    assert!(mlp_auc > 0.8, "MLP {mlp_auc}");
    assert!(mlp.loss < linear.loss, "{} vs {}", mlp.loss, linear.loss);
    // One seed, one model: scored on the host and trained again, the same numbers.
    let again = pollster::block_on(train_ltr_mlp(&p, &settings, &Device::flex())).unwrap();
    assert_eq!(again, mlp);
}

#[test]
fn mlp_fusion_names_bad_settings() {
    let p = exclusive_or(20);
    for (settings, field) in [
        (
            MlpSettings {
                hidden: 0,
                ..MlpSettings::default()
            },
            "hidden",
        ),
        (
            MlpSettings {
                learning_rate: f64::NAN,
                ..MlpSettings::default()
            },
            "learning_rate",
        ),
        (
            MlpSettings {
                iterations: 0,
                ..MlpSettings::default()
            },
            "iterations",
        ),
        (
            MlpSettings {
                label_weights: vec![-1.0, 1.0],
                ..MlpSettings::default()
            },
            "label_weights[0]",
        ),
    ] {
        match pollster::block_on(train_ltr_mlp(&p, &settings, &Device::flex())) {
            Err(crate::RunError::Config(error)) => assert_eq!(error.field, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[test]
fn the_lab_compares_every_ranking_in_one_table() {
    let p = planted(1000);
    let request = LabRequest {
        start: FusionFormula::named("additive", 2).unwrap(),
        search: Some(SearchConfig::Cem(CemSettings::default())),
        objective: target_only(),
        ltr_label: Some(vec![1.0, 0.0]),
        sweep: Some(1),
    };
    let lab = pollster::block_on(run_lab(&p, &request, &Device::flex())).unwrap();
    let methods: Vec<&str> = lab.rows.iter().map(|row| row.method.as_str()).collect();
    assert_eq!(
        methods,
        [
            "click alone",
            "convert alone",
            "additive · start",
            "additive · cem",
            "LTR · logistic",
            "LTR · MLP"
        ]
    );
    let objective = |i: usize| lab.rows[i].evaluated.objective;
    // Ranking by s₂ alone scores the target as `evaluate` does; the search never loses to
    // its start; the LTR models learn the target label and beat either score alone.
    let alone = target_only()
        .evaluate_scores("s2", &p.scores[1], &p)
        .unwrap();
    assert!(close(objective(1), alone.objective));
    assert!(objective(3) >= objective(2));
    assert!(objective(4) > objective(0).max(objective(1)) + 0.02);
    assert!(objective(5) > objective(0).max(objective(1)) + 0.02);
    let search = lab.search.as_ref().unwrap();
    assert_eq!(lab.best_formula, search.best_formula);
    // The seesaw sweeps w₂ over its range on the best formula, marking the value found.
    let sweep = lab.sweep.as_ref().unwrap();
    assert_eq!(sweep.parameter.name, "weight.convert");
    assert!(close(sweep.marked, search.best_values[1]));
    assert_eq!(sweep.points.len(), SWEEP_POINTS);
    assert!(close(sweep.points[SWEEP_POINTS - 1].value, 5.0));
}

#[test]
fn the_lab_needs_two_tasks_and_a_valid_sweep() {
    let p = planted(100);
    let one = Predictions {
        tasks: vec!["click".into()],
        kinds: vec![TaskKind::Binary],
        scores: vec![p.scores[0].clone()],
        labels: vec![p.labels[0].clone()],
    };
    let request = LabRequest {
        start: FusionFormula::named("additive", 1).unwrap(),
        search: None,
        objective: Objective {
            importance: vec![1.0],
            floors: vec![None],
        },
        ltr_label: None,
        sweep: None,
    };
    let error = pollster::block_on(run_lab(&one, &request, &Device::flex())).unwrap_err();
    assert!(error.to_string().contains("at least two tasks"), "{error}");
    let request = LabRequest {
        start: FusionFormula::named("additive", 2).unwrap(),
        search: None,
        objective: target_only(),
        ltr_label: None,
        sweep: Some(2),
    };
    let error = pollster::block_on(run_lab(&p, &request, &Device::flex())).unwrap_err();
    assert!(error.to_string().contains("parameter 2"), "{error}");
    // Without a search the best formula is the start and the table has no search row.
    let request = LabRequest {
        sweep: None,
        ..request
    };
    let lab = pollster::block_on(run_lab(&p, &request, &Device::flex())).unwrap();
    assert_eq!(lab.rows.len(), 3);
    assert_eq!(lab.best_formula, request.start);
}
